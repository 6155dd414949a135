import type { OffsetRange, ProjectionSink } from '../contract/projection-sink.types.js';
import { partitionKey } from '../contract/projection-sink.types.js';
import type { MemoryRedis } from './redis-ops.memory.js';
import type { RedisPlan } from './redis-ops.js';

/**
 * The Redis projection sink's contract over the in-memory interpreter (redis-ops.memory.ts), for
 * tests and tools that want the sink's semantics without a Redis: `apply` refuses ('conflict',
 * changing nothing) unless each partition's batch starts right after its stored offset, as the
 * Lua script does, then applies the plan (each event once per event_id) and stores the offsets.
 */
export function createMemoryRedisProjectionSink(
  config: { name: string },
  deps: { memory: MemoryRedis },
): ProjectionSink<RedisPlan> {
  const offsets = new Map<string, number>();
  return {
    name: config.name,
    async readOffsets(partitions) {
      const out = new Map<string, number>();
      for (const p of partitions) {
        const stored = offsets.get(partitionKey(p));
        if (stored !== undefined) out.set(partitionKey(p), stored);
      }
      return out;
    },
    async readState(keys, eventIds) {
      return {
        values: new Map(keys.map((k) => [k, deps.memory.get(k)])),
        seen: new Set(eventIds.filter((id) => deps.memory.seen(id))),
      };
    },
    async apply(plan, ranges: readonly OffsetRange[]) {
      for (const r of ranges) {
        const stored = offsets.get(partitionKey(r));
        if (stored !== undefined && stored !== r.from - 1) return 'conflict';
      }
      deps.memory.apply(plan);
      for (const r of ranges) offsets.set(partitionKey(r), r.to);
      return 'applied';
    },
  };
}
