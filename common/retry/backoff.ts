/** Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, initial * 2^n)]. */
export function backoffDelay(
  attempt: number,
  opts: { initialMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const cap = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * cap);
}
