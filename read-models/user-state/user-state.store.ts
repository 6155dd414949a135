import type { Redis } from 'ioredis';
import type { MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';

export interface ScoredMember {
  member: string;
  score: number;
}

/**
 * The few reads the user-state reader needs, on relative keys. Two implementations: Redis
 * under one generation's namespace, and the in-memory interpreter (unit tests), so reader
 * logic is tested against the same op semantics as the Lua sink.
 */
export interface UserStateStore {
  hgetall(key: string): Promise<Record<string, string>>;
  /** HGETALL of many keys in one round trip. */
  hgetallMany(keys: readonly string[]): Promise<Record<string, string>[]>;
  zcard(key: string): Promise<number>;
  /** ZREVRANGE with scores (inclusive ranks). */
  zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]>;
  /** ZREVRANGE with scores of many keys in one round trip. */
  zrevrangeMany(keys: readonly string[], start: number, stop: number): Promise<ScoredMember[][]>;
  /** Members with score <= max, highest first, skipping `offset` of them, at most `count`. */
  zrevrangeByScore(
    key: string,
    max: number | null,
    offset: number,
    count: number,
  ): Promise<ScoredMember[]>;
}

function pairs(flat: readonly string[]): ScoredMember[] {
  const out: ScoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
  return out;
}

/** Reads one projection generation: `prefix` is `redisNamespace(name, gen).data`. */
export function redisUserStateStore(redis: Redis, prefix: string): UserStateStore {
  return {
    hgetall: (key) => redis.hgetall(prefix + key),
    async hgetallMany(keys) {
      if (!keys.length) return [];
      const pipe = redis.pipeline();
      for (const key of keys) pipe.hgetall(prefix + key);
      const res = (await pipe.exec()) ?? [];
      return res.map(([err, value]) => {
        if (err) throw err;
        return value as Record<string, string>;
      });
    },
    zcard: (key) => redis.zcard(prefix + key),
    async zrevrange(key, start, stop) {
      return pairs(await redis.zrevrange(prefix + key, start, stop, 'WITHSCORES'));
    },
    async zrevrangeMany(keys, start, stop) {
      if (!keys.length) return [];
      const pipe = redis.pipeline();
      for (const key of keys) pipe.zrevrange(prefix + key, start, stop, 'WITHSCORES');
      const res = (await pipe.exec()) ?? [];
      return res.map(([err, value]) => {
        if (err) throw err;
        return pairs(value as string[]);
      });
    },
    async zrevrangeByScore(key, max, offset, count) {
      const flat = await redis.zrevrangebyscore(
        prefix + key,
        max === null ? '+inf' : max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        offset,
        count,
      );
      return pairs(flat);
    },
  };
}

/** The in-memory interpreter as a store (keys are relative there too). */
export function memoryUserStateStore(mem: MemoryRedis): UserStateStore {
  const all = (key: string) => pairs(mem.zrevrange(key, 0, -1, true));
  return {
    hgetall: async (key) => mem.hgetall(key),
    hgetallMany: async (keys) => keys.map((key) => mem.hgetall(key)),
    zcard: async (key) => all(key).length,
    zrevrange: async (key, start, stop) => pairs(mem.zrevrange(key, start, stop, true)),
    zrevrangeMany: async (keys, start, stop) =>
      keys.map((key) => pairs(mem.zrevrange(key, start, stop, true))),
    zrevrangeByScore: async (key, max, offset, count) =>
      all(key)
        .filter((m) => max === null || m.score <= max)
        .slice(offset, offset + count),
  };
}
