import type { RedisOp, RedisPlan } from './redis-ops.js';
import { BackbeatError, InternalError } from '../../common/errors/backbeat.error.js';

/**
 * An in-memory interpreter of the RedisOp language with the same semantics as the sink's Lua
 * script (redis-projection.script.ts), for unit tests of projections: an event's ops run only
 * the first time its event_id is seen, `hsetlww` keeps "<ts>|<value>" with the latest ts (a tie
 * overwrites), `zaddcap` keeps the `cap` highest scores. Keys are relative (no namespace).
 * Reads mirror ioredis: missing hash -> {}, missing field/string -> null; sorted sets order
 * equal scores by member bytes, as Redis does.
 */
export interface MemoryRedis {
  apply(plan: RedisPlan): void;
  hgetall(key: string): Record<string, string>;
  hget(key: string, field: string): string | null;
  /** Like ZREVRANGE (inclusive, negative indexes from the end); with scores: [m1, s1, m2, s2...]. */
  zrevrange(key: string, start: number, stop: number, withScores?: boolean): string[];
  /** Members sorted (Redis sets are unordered; sorted here for deterministic assertions). */
  smembers(key: string): string[];
  get(key: string): string | null;
  /** Every key holding a value, sorted. */
  keys(): string[];
  /** Like TYPE: what `key` holds, or 'none'. */
  type(key: string): 'hash' | 'zset' | 'set' | 'string' | 'none';
  /** Whether an event's ops have run (the dedup record of its event_id). */
  seen(eventId: string): boolean;
}

type Value =
  | { type: 'hash'; v: Map<string, string> }
  | { type: 'zset'; v: Map<string, number> }
  | { type: 'set'; v: Set<string> }
  | { type: 'string'; v: string };

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Ascending by score, then member bytes (Redis' sorted-set order). */
function zsorted(z: Map<string, number>): [string, number][] {
  return [...z].sort((a, b) => a[1] - b[1] || byteOrder(a[0], b[0]));
}

function slice<T>(items: T[], start: number, stop: number): T[] {
  const n = items.length;
  const s = Math.max(start < 0 ? n + start : start, 0);
  const e = Math.min(stop < 0 ? n + stop : stop, n - 1);
  return s > e ? [] : items.slice(s, e + 1);
}

const fmt = (n: number) => String(n);

export function createMemoryRedis(): MemoryRedis {
  const data = new Map<string, Value>();
  const seen = new Set<string>();

  function typed<T extends Value['type']>(key: string, type: T, create: boolean) {
    const cur = data.get(key);
    if (cur && cur.type !== type) {
      throw new BackbeatError(
        'REDIS_WRONGTYPE',
        `WRONGTYPE Operation against a key holding the wrong kind of value (${key})`,
      );
    }
    if (cur) return cur as Extract<Value, { type: T }>;
    if (!create) return undefined;
    const fresh = (
      type === 'hash'
        ? { type, v: new Map() }
        : type === 'zset'
          ? { type, v: new Map() }
          : type === 'set'
            ? { type, v: new Set() }
            : { type, v: '' }
    ) as Extract<Value, { type: T }>;
    data.set(key, fresh);
    return fresh;
  }
  const hash = (k: string) => typed(k, 'hash', true)!.v;
  const zset = (k: string) => typed(k, 'zset', true)!.v;
  const set = (k: string) => typed(k, 'set', true)!.v;

  function integer(raw: string | undefined, what: string): number {
    const n = raw === undefined ? 0 : Number(raw);
    if (!Number.isSafeInteger(n))
      throw new BackbeatError('REDIS_NOT_INTEGER', `ERR ${what} is not an integer`);
    return n;
  }

  function run(op: RedisOp): void {
    switch (op[0]) {
      case 'hincrby': {
        const [, key, field, by] = op;
        const h = hash(key);
        h.set(field, String(integer(h.get(field), 'hash value') + integer(String(by), 'by')));
        return;
      }
      case 'zincrby': {
        const [, key, by, member] = op;
        const z = zset(key);
        z.set(member, (z.get(member) ?? 0) + by);
        return;
      }
      case 'incrby': {
        const [, key, by] = op;
        const cur = typed(key, 'string', false);
        const next = integer(cur?.v, 'value') + integer(String(by), 'by');
        data.set(key, { type: 'string', v: String(next) });
        return;
      }
      case 'hset': {
        const [, key, field, value] = op;
        hash(key).set(field, value);
        return;
      }
      case 'hsetlww': {
        const [, key, field, value, ts] = op;
        const h = hash(key);
        const cur = h.get(field);
        const curTs = cur === undefined ? undefined : Number(/^(\d+)\|/.exec(cur)?.[1]);
        if (curTs === undefined || curTs <= ts) h.set(field, `${ts}|${value}`);
        return;
      }
      case 'zaddcap': {
        const [, key, score, member, cap] = op;
        const z = zset(key);
        z.set(member, score);
        const drop = zsorted(z).slice(0, Math.max(z.size - cap, 0));
        for (const [m] of drop) z.delete(m);
        if (!z.size) data.delete(key);
        return;
      }
      case 'zadd': {
        const [, key, score, member] = op;
        zset(key).set(member, score);
        return;
      }
      case 'zrem': {
        const [, key, member] = op;
        const z = typed(key, 'zset', false);
        z?.v.delete(member);
        if (z && !z.v.size) data.delete(key);
        return;
      }
      case 'sadd': {
        const [, key, member] = op;
        set(key).add(member);
        return;
      }
      case 'srem': {
        const [, key, member] = op;
        const s = typed(key, 'set', false);
        s?.v.delete(member);
        if (s && !s.v.size) data.delete(key);
        return;
      }
      case 'set': {
        // The expiry is wall-clock and outlives any unit test: not modelled.
        const [, key, value] = op;
        data.set(key, { type: 'string', v: value });
        return;
      }
      default: {
        const unknown: never = op;
        throw new InternalError(`unknown op ${(unknown as unknown[])[0]}`);
      }
    }
  }

  return {
    apply(plan) {
      for (const e of plan.events) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        for (const op of e.ops) run(op);
      }
    },
    hgetall(key) {
      return Object.fromEntries(typed(key, 'hash', false)?.v ?? []);
    },
    hget(key, field) {
      return typed(key, 'hash', false)?.v.get(field) ?? null;
    },
    zrevrange(key, start, stop, withScores = false) {
      const z = typed(key, 'zset', false);
      if (!z) return [];
      const items = slice(zsorted(z.v).reverse(), start, stop);
      return withScores ? items.flatMap(([m, s]) => [m, fmt(s)]) : items.map(([m]) => m);
    },
    smembers(key) {
      return [...(typed(key, 'set', false)?.v ?? [])].sort(byteOrder);
    },
    get(key) {
      return typed(key, 'string', false)?.v ?? null;
    },
    keys() {
      return [...data.keys()].sort(byteOrder);
    },
    type(key) {
      return data.get(key)?.type ?? 'none';
    },
    seen(eventId) {
      return seen.has(eventId);
    },
  };
}
