/**
 * The operations a Redis projection plans, as data. Keys are relative to the projection's
 * namespace; the sink prefixes them. Each op group belongs to one event and runs at most once
 * per event_id.
 */
export type RedisOp =
  | ['hincrby', key: string, field: string, by: number]
  | ['zincrby', key: string, by: number, member: string]
  | ['incrby', key: string, by: number]
  | ['hset', key: string, field: string, value: string]
  /** Keeps, per field, the value with the latest timestamp (stored as "<ts>|<value>"). */
  | ['hsetlww', key: string, field: string, value: string, ts: number]
  /** ZADD, then keeps only the `cap` highest scores. */
  | ['zaddcap', key: string, score: number, member: string, cap: number]
  | ['zadd', key: string, score: number, member: string]
  | ['zrem', key: string, member: string]
  | ['sadd', key: string, member: string]
  | ['srem', key: string, member: string]
  /** SET, with an expiry in seconds when `ttl` > 0 (a stateful projection's value). */
  | ['set', key: string, value: string, ttl: number];

export interface RedisPlan {
  events: { id: string; ops: RedisOp[] }[];
}

/** Reads a value written by `hsetlww`. */
export function readLww(raw: string | null | undefined): { ts: number; value: string } | undefined {
  if (!raw) return undefined;
  const bar = raw.indexOf('|');
  return { ts: Number(raw.slice(0, bar)), value: raw.slice(bar + 1) };
}
