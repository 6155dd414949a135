/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): retry n (0-based) waits a uniform random time in [0, min(maxMs, initialMs * 2^n)).
 * A server's Retry-After is a floor: the client never retries earlier than the server asked.
 * Pure and browser-safe.
 */
export interface RetryPolicy {
  retries: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, initialMs: 100, maxMs: 10_000 };

/** The upper bound of retry n's delay. */
export function backoffCap(attempt: number, policy: RetryPolicy): number {
  // 2 ** attempt overflows to Infinity for large attempts; min() keeps it at maxMs.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** attempt);
}

/** The delay before retry n: full jitter, raised to the server's Retry-After when given. */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.floor(r * backoffCap(attempt, policy));
  return Math.max(jittered, retryAfterMs ?? 0);
}
