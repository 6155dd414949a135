/**
 * What a failed ClickHouse call means for the batch that made it, by ClickHouse error code
 * (and Node's network error codes). Allow lists both ways:
 * - `retry`: the store is down, busy or not set up yet (network errors, timeouts, memory or
 *   merge pressure, a table or database that a migration has not created yet, credentials an
 *   operator must fix). Retrying with backoff fixes these, and no event is dead-lettered.
 * - `reject`: anything else. The engine refused what was sent (a value it cannot parse, too
 *   many partitions in one block, ...), so sending the same rows again fails again; the sink
 *   narrows it down to the rows at fault and dead-letters those, with the reason.
 */
export type ClickHouseFailure = { kind: 'retry' | 'reject'; code: string; reason: string };

/** ClickHouse error codes after which the same request may succeed later. */
export const RETRIABLE_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [3, 'UNEXPECTED_END_OF_FILE'],
  [60, 'UNKNOWN_TABLE'],
  [81, 'UNKNOWN_DATABASE'],
  [159, 'TIMEOUT_EXCEEDED'],
  [164, 'READONLY'],
  [192, 'UNKNOWN_USER'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [473, 'DEADLOCK_AVOIDED'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** Node.js socket errors: the store cannot be reached. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TOO_MANY_PARTS = 252;

export function classifyClickHouseError(err: unknown): ClickHouseFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '';
  const sys = [code, typeof e.cause?.code === 'string' ? e.cause.code : ''];
  if (sys.some((c) => NETWORK_ERRORS.has(c)))
    return { kind: 'retry', code: sys.find((c) => NETWORK_ERRORS.has(c))!, reason: message };
  // The client's own request timeout, or a socket closed mid-answer.
  if (/^Timeout error\b|socket hang up|other side closed/i.test(message))
    return { kind: 'retry', code: 'TIMEOUT', reason: message };
  if (/^\d+$/.test(code)) {
    const n = Number(code);
    // 252 is both "too many partitions for single INSERT block" (this block, never succeeds)
    // and "too many parts" (merges are behind: wait).
    if (n === TOO_MANY_PARTS)
      return /partitions for (a )?single insert/i.test(message)
        ? { kind: 'reject', code: 'TOO_MANY_PARTS', reason: message }
        : { kind: 'retry', code: 'TOO_MANY_PARTS', reason: message };
    const name = RETRIABLE_CLICKHOUSE_CODES.get(n);
    if (name) return { kind: 'retry', code: name, reason: message };
    return { kind: 'reject', code: `CLICKHOUSE_${n}`, reason: message };
  }
  // No ClickHouse code: an HTTP answer without one (a proxy or a server starting: 5xx) waits.
  if (/\b50[234]\b|service unavailable|bad gateway/i.test(message))
    return { kind: 'retry', code: 'HTTP_5XX', reason: message };
  return { kind: 'reject', code: code || 'UNKNOWN', reason: message };
}
