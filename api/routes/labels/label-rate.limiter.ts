import type { RequestHandler } from 'express';
import { sendProblem } from '../../../common/http/problem.js';

export interface RateLimitConfig {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: requests that may come at once. */
  burst: number;
}

/**
 * A token bucket per key, in process: `take(key)` answers 0 when a request may go, else the
 * seconds until one token is back (for Retry-After). Idle full buckets are dropped, so the map
 * holds only credentials seen within the last refill time.
 */
export function createTokenBuckets(config: RateLimitConfig, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillMs = (config.burst / config.ratePerSecond) * 1000;
  let sweptAt = now();
  return {
    take(key: string): number {
      const t = now();
      if (t - sweptAt > refillMs) {
        for (const [k, b] of buckets) if (t - b.at >= refillMs) buckets.delete(k);
        sweptAt = t;
      }
      const b = buckets.get(key) ?? { tokens: config.burst, at: t };
      b.tokens = Math.min(config.burst, b.tokens + ((t - b.at) / 1000) * config.ratePerSecond);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / config.ratePerSecond));
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * Rate limits per credential (the token subject and role the auth middleware left in
 * res.locals.token): 429 problem+json with Retry-After when the bucket is empty.
 */
export function rateLimitPerCredential(
  config: RateLimitConfig,
  now: () => number = Date.now,
): RequestHandler {
  const buckets = createTokenBuckets(config, now);
  return (_req, res, next) => {
    const claims = res.locals.token as { role: string; sub: string } | undefined;
    const key = claims ? `${claims.role}:${claims.sub}` : 'anonymous';
    const wait = buckets.take(key);
    if (wait === 0) return next();
    sendProblem(
      res,
      {
        status: 429,
        code: 'rate-limited',
        title: 'Too many requests for this credential',
        detail: `at most ${config.ratePerSecond} requests per second (burst ${config.burst}); retry after ${wait} s`,
      },
      { 'Retry-After': String(wait) },
    );
  };
}
