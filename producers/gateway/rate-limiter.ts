/**
 * A token bucket per client app: `perSecond` events refill each second, with one second of
 * burst (a batch larger than that passes when the bucket is full). `take` answers 0 when the events may pass, or how many ms to wait. 0 = unlimited.
 */
export function createRateLimiter(config: { perSecond: number }, deps: { now: () => number }) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(app: string, n: number): number {
      if (config.perSecond <= 0) return 0;
      const now = deps.now();
      const b = buckets.get(app) ?? { tokens: config.perSecond, at: now };
      b.tokens = Math.min(config.perSecond, b.tokens + ((now - b.at) / 1000) * config.perSecond);
      b.at = now;
      buckets.set(app, b);
      // A batch larger than the bucket passes once the bucket is full, leaving it in debt.
      const need = Math.min(n, config.perSecond);
      if (b.tokens >= need) {
        b.tokens -= n;
        return 0;
      }
      return Math.max(1, Math.ceil(((need - b.tokens) / config.perSecond) * 1000));
    },
  };
}
