/**
 * A Redis projection sink that also writes rows to ClickHouse tables whose counts are
 * idempotent by content (each row carries a deterministic id that the table folds as a set,
 * as migration 0007's uniqExact states do). The rows go first, then the Redis batch with its
 * offsets: a batch that fails between the two, conflicts or is re-planned after a rebalance
 * writes the same ids again, and a set union of the same ids changes nothing. So the counts
 * are effectively once while the offsets and state stay in Redis.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { classifyClickHouseError } from '../clickhouse/clickhouse-errors.js';
import type { OffsetRange, ProjectionSink } from '../contract/projection-sink.types.js';
import type { RedisPlan } from './redis-ops.js';

export interface RedisWithRowsPlan<K extends string = string> {
  redis: RedisPlan;
  rows: Record<K, Record<string, unknown>[]>;
}

/** Rows per insert: a month of pairs from one batch stays one request in the common case. */
const CHUNK = 50_000;

export function createRedisWithRowsSink<K extends string>(
  config: { tables: Record<K, string> },
  deps: { redis: ProjectionSink<RedisPlan>; clickhouse: ClickHouseClient },
): ProjectionSink<RedisWithRowsPlan<K>> {
  async function insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      try {
        await deps.clickhouse.insert({
          table,
          values: rows.slice(i, i + CHUNK),
          format: 'JSONEachRow',
        });
      } catch (err) {
        const failure = classifyClickHouseError(err);
        // A refusal of rows this code derived is a bug: the processor stops, never loops.
        throw new BackbeatError(
          failure.kind === 'retry' ? 'CLICKHOUSE_UNAVAILABLE' : 'CLICKHOUSE_REJECTED',
          `clickhouse ${failure.code} (${table}): ${failure.reason}`,
          { retriable: failure.kind === 'retry', cause: err },
        );
      }
    }
  }
  return {
    name: deps.redis.name,
    readOffsets: (partitions) => deps.redis.readOffsets(partitions),
    readState: (keys, ids) => deps.redis.readState!(keys, ids),
    async apply(plan, ranges: readonly OffsetRange[], hooks) {
      for (const key of Object.keys(config.tables) as K[]) {
        const rows = plan.rows[key];
        if (rows?.length) await insert(config.tables[key], rows);
      }
      return deps.redis.apply(plan.redis, ranges, hooks);
    },
    ...(deps.redis.drop ? { drop: () => deps.redis.drop!() } : {}),
  };
}
