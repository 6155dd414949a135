import type { Redis } from 'ioredis';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { OffsetRange, ProjectionSink } from '../contract/projection-sink.types.js';
import { partitionKey } from '../contract/projection-sink.types.js';
import type { RedisPlan } from './redis-ops.js';
import { redisNamespace } from './redis-generation.js';
import { APPLY_BATCH_LUA } from './redis-projection.script.js';

export interface RedisSinkConfig {
  /** Projection name; keys live under `bb:<name>:<generation>:`. */
  name: string;
  generation: number;
  /** How long an event_id is remembered for de-duplication, in seconds. */
  dedupTtlSeconds: number;
}

/**
 * Applies a projection's planned batches to Redis with one Lua script: the ops of events not
 * seen before, and the partition offsets, atomically. Redis being down surfaces as a retriable
 * error; the runtime retries with backoff and never dead-letters the batch.
 */
export function createRedisProjectionSink(
  config: RedisSinkConfig,
  deps: { redis: Redis },
): ProjectionSink<RedisPlan> {
  const ns = redisNamespace(config.name, config.generation);
  deps.redis.defineCommand('bbApplyBatch', { lua: APPLY_BATCH_LUA });
  const redis = deps.redis as Redis & {
    bbApplyBatch(n: number, ...args: (string | number)[]): Promise<0 | [1, number]>;
  };

  return {
    name: config.name,
    async readOffsets(partitions) {
      if (!partitions.length) return new Map();
      const keys = partitions.map((p) => ns.offsets + partitionKey(p));
      const values = await wrap(() => deps.redis.mget(...keys));
      const out = new Map<string, number>();
      values.forEach((v, i) => v !== null && out.set(partitionKey(partitions[i]!), Number(v)));
      return out;
    },
    async readState(keys, eventIds) {
      const unique = [...new Set(keys)];
      const ids = [...new Set(eventIds)];
      const [values, seen] = await wrap(() =>
        Promise.all([
          unique.length ? deps.redis.mget(...unique.map((k) => ns.data + k)) : [],
          ids.length ? deps.redis.mget(...ids.map((id) => ns.seen + id)) : [],
        ]),
      );
      return {
        values: new Map(unique.map((k, i) => [k, values[i] ?? null])),
        seen: new Set(ids.filter((_, i) => seen[i] !== null)),
      };
    },
    async apply(plan, ranges: readonly OffsetRange[]) {
      const args: (string | number)[] = [ranges.length];
      for (const r of ranges) args.push(r.from, r.to);
      args.push(ns.data, ns.seen, config.dedupTtlSeconds, plan.events.length);
      for (const e of plan.events) {
        args.push(e.id, e.ops.length);
        for (const [op, ...rest] of e.ops)
          args.push(op, rest.length, ...(rest as (string | number)[]));
      }
      const keys = ranges.map((r) => ns.offsets + partitionKey(r));
      const res = await wrap(() => redis.bbApplyBatch(keys.length, ...keys, ...args));
      return res === 0 ? 'conflict' : 'applied';
    },
    async drop() {
      let cursor = '0';
      do {
        const [next, keys] = await deps.redis.scan(cursor, 'MATCH', `${ns.base}:*`, 'COUNT', 1000);
        if (keys.length) await deps.redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
  };
}

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const msg = (err as Error).message;
    // Script errors are bugs (not retriable); connection errors are outages (retriable).
    const retriable = !/unknown op|ERR Error running script|WRONGTYPE/.test(msg);
    throw new BackbeatError(retriable ? 'REDIS_UNAVAILABLE' : 'REDIS_SCRIPT', `redis: ${msg}`, {
      retriable,
      cause: err,
    });
  }
}
