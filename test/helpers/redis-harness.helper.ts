import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AnyEnvelope, Projection } from '../../processors/runtime/processor.types.js';
import type { Outcome } from '../../common/outcome/outcome.js';
import type { OffsetRange, ProjectionSink } from '../../sinks/contract/projection-sink.types.js';
import { createMemoryRedis, type MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import type { RedisPlan } from '../../sinks/redis/redis-ops.js';
import { createMemoryRedisProjectionSink } from '../../sinks/redis/redis-projection.memory.js';
import { redisNamespace } from '../../sinks/redis/redis-generation.js';
import { createRedisProjectionSink } from '../../sinks/redis/redis-projection.sink.js';

/**
 * Any Redis projection applied as the runtime would apply it, batch by batch on one partition
 * with contiguous offsets: to a real Redis through the real sink (`redisHarness`), or to the
 * in-memory interpreter through a sink with the same offset rules (`memoryHarness`).
 */
export interface ProjectionHarness {
  /** The projection's name in the store (unique per harness on a real Redis). */
  name: string;
  sink: ProjectionSink<RedisPlan>;
  /**
   * Plans `batch` and applies it at the partition's next offsets, or at `at` (a redelivery at
   * offsets already applied: the sink answers 'conflict'). The next offsets move on 'applied'.
   */
  apply(
    batch: readonly AnyEnvelope[],
    opts?: { at?: { from: number; to: number } },
  ): Promise<HarnessResult>;
  /** Removes what the harness wrote. */
  drop(): Promise<void>;
}

export interface HarnessResult {
  result: 'applied' | 'conflict';
  outcomes: Outcome[];
  plan: RedisPlan;
  range: OffsetRange;
}

export interface HarnessOptions {
  /** The offsets' topic (default 't'). */
  topic?: string;
  /** What `drop` removes (default: nothing). */
  drop?: () => Promise<void>;
}

/** A harness over any Redis projection sink. */
export function projectionHarness(
  projection: Projection<RedisPlan>,
  sink: ProjectionSink<RedisPlan>,
  opts: HarnessOptions = {},
): ProjectionHarness {
  const topic = opts.topic ?? 't';
  let next = 0;
  return {
    name: sink.name,
    sink,
    async apply(batch, { at } = {}) {
      // A stateful projection is planned over the sink's state, as the runtime does.
      const ids = batch
        .map((e) => (e.event as { event_id?: unknown }).event_id)
        .filter((id): id is string => typeof id === 'string' && id !== '');
      const state =
        projection.stateKeys && sink.readState
          ? await sink.readState(projection.stateKeys(batch), ids)
          : undefined;
      const { plan, outcomes } = projection.plan(batch, state);
      const range = at
        ? { topic, partition: 0, ...at }
        : { topic, partition: 0, from: next, to: next + Math.max(batch.length, 1) - 1 };
      const result = await sink.apply(plan, [range]);
      if (result === 'applied') next = range.to + 1;
      return { result, outcomes, plan, range };
    },
    drop: opts.drop ?? (async () => undefined),
  };
}

/**
 * `projection` through the real Redis sink under a unique name (`<projection>-test-<uuid>`
 * unless `name` is given); `drop` removes its generation and its `current` pointer.
 */
export function redisHarness(
  redis: Redis,
  projection: Projection<RedisPlan>,
  opts: { generation?: number; name?: string; topic?: string } = {},
): ProjectionHarness {
  const name = opts.name ?? `${projection.name}-test-${randomUUID()}`;
  const sink = createRedisProjectionSink(
    { name, generation: opts.generation ?? 1, dedupTtlSeconds: 3600 },
    { redis },
  );
  return projectionHarness(projection, sink, {
    topic: opts.topic,
    async drop() {
      await sink.drop!();
      await redis.del(`bb:${name}:current`);
    },
  });
}

/** `projection` through a sink over the in-memory interpreter; `state` is what it wrote. */
export function memoryHarness(
  projection: Projection<RedisPlan>,
  state: MemoryRedis = createMemoryRedis(),
): ProjectionHarness & { state: MemoryRedis } {
  const sink = createMemoryRedisProjectionSink({ name: projection.name }, { memory: state });
  return { ...projectionHarness(projection, sink), state };
}

/** One key's value in a form both stores give alike (sets sorted, sorted sets highest first). */
type DumpedValue =
  | { hash: Record<string, string> }
  | { set: string[] }
  | { zset: string[] }
  | { string: string | null };

/** Every data key of a projection generation on a real Redis, with its value (see `memoryDump`). */
export async function redisDump(
  redis: Redis,
  name: string,
  generation = 1,
): Promise<Record<string, DumpedValue>> {
  const prefix = redisNamespace(name, generation).data;
  const out: Record<string, DumpedValue> = {};
  for (const key of await redis.keys(`${prefix}*`)) {
    const type = await redis.type(key);
    out[key.slice(prefix.length)] =
      type === 'hash'
        ? { hash: await redis.hgetall(key) }
        : type === 'set'
          ? { set: (await redis.smembers(key)).sort() }
          : type === 'zset'
            ? { zset: await redis.zrevrange(key, 0, -1, 'WITHSCORES') }
            : { string: await redis.get(key) };
  }
  return out;
}

/** Every key of the in-memory interpreter with its value, comparable with `redisDump`. */
export function memoryDump(state: MemoryRedis): Record<string, DumpedValue> {
  const out: Record<string, DumpedValue> = {};
  for (const key of state.keys()) {
    const type = state.type(key);
    out[key] =
      type === 'hash'
        ? { hash: state.hgetall(key) }
        : type === 'set'
          ? { set: state.smembers(key) }
          : type === 'zset'
            ? { zset: state.zrevrange(key, 0, -1, true) }
            : { string: state.get(key) };
  }
  return out;
}
