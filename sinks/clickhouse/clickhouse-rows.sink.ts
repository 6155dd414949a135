import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { ApplyHooks, OffsetRange, ProjectionSink } from '../contract/projection-sink.types.js';
import { partitionKey } from '../contract/projection-sink.types.js';
import { classifyClickHouseError } from './clickhouse-errors.js';

/** The most table partitions one insert may span: ClickHouse's max_partitions_per_insert_block default. */
export const MAX_PARTITIONS_PER_INSERT = 100;

/** A batch of rows for one table; every row carries its source `topic`, `partition`, `offset`. */
export interface RowsPlan {
  rows: Record<string, unknown>[];
}

/**
 * Appends a projection's rows to a ClickHouse table whose rows carry their Kafka coordinates,
 * then records the batch's last offsets in `sink_offsets`, which alone says how far a partition
 * is applied: a batch whose inserts did not all finish is read again. Each insert has a
 * deterministic dedup token (the same rows again are a no-op), and tables are keyed so that
 * duplicates collapse and are read with FINAL. A batch is split into inserts of at most
 * `maxPartitionsPerInsert` table partitions. Rows the engine refuses (not an outage, see
 * clickhouse-errors.ts) are isolated by halving the insert, and handed to `hooks.reject` with
 * the engine's reason, so the rows beside them still land.
 */
export function createClickHouseRowsSink(
  config: {
    name: string;
    table: string;
    /** The table's partition key of a row (e.g. toYYYYMM(event_time)): inserts are split by it. */
    partitionOf?: (row: Record<string, unknown>) => string;
    /** At most this many partitions per insert (default MAX_PARTITIONS_PER_INSERT). */
    maxPartitionsPerInsert?: number;
  },
  deps: {
    clickhouse: ClickHouseClient;
    /** Throws a retriable error while writes must wait (a rebuild swapping tables). */ guard?: () => Promise<void>;
  },
): ProjectionSink<RowsPlan> {
  const sinkId = `${config.name}:${config.table}`;
  const maxPartitions = Math.max(1, config.maxPartitionsPerInsert ?? MAX_PARTITIONS_PER_INSERT);
  // The offsets this instance last read or wrote per partition, so a batch does not re-read
  // them (that read scans the table, and slows as it grows). Refreshed on every assignment (the
  // runtime positions partitions through readOffsets), and forgotten on a conflict, a failed
  // write, a swap (the guard refusing) and a drop.
  const known = new Map<string, number>();
  async function readOffsets(partitions: readonly { topic: string; partition: number }[]) {
    const out = await queryOffsets(partitions);
    for (const p of partitions) {
      const k = partitionKey(p);
      const o = out.get(k);
      if (o === undefined) known.delete(k);
      else known.set(k, o);
    }
    return out;
  }
  async function storedOffsets(ranges: readonly OffsetRange[]) {
    const unknown = ranges.filter((r) => !known.has(partitionKey(r)));
    if (unknown.length) await readOffsets(unknown);
    return known;
  }
  async function queryOffsets(partitions: readonly { topic: string; partition: number }[]) {
    const out = new Map<string, number>();
    if (!partitions.length) return out;
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const rows = await wrap(async () => {
      const rs = await deps.clickhouse.query({
        query: `SELECT topic, partition, max(offset) AS offset FROM sink_offsets
          WHERE sink = {sink:String} AND topic IN {topics:Array(String)}
          GROUP BY topic, partition`,
        query_params: { topics, sink: sinkId },
        format: 'JSONEachRow',
      });
      return rs.json<{ topic: string; partition: number; offset: string }>();
    });
    const wanted = new Set(partitions.map(partitionKey));
    for (const r of rows) {
      const k = partitionKey({ topic: r.topic, partition: Number(r.partition) });
      if (wanted.has(k)) out.set(k, Number(r.offset));
    }
    return out;
  }

  /** Inserts rows with a token derived from their coordinates (the same rows, the same token). */
  async function insertRows(rows: Record<string, unknown>[]) {
    await wrap(() =>
      deps.clickhouse.insert({
        table: config.table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `${sinkId}:${tokenOf(rows)}` },
      }),
    );
  }

  /**
   * Inserts rows; when the engine refuses them (not an outage), halves the block until the
   * refused rows are alone, and answers those with the engine's reason. Outages throw.
   */
  async function insertOrIsolate(
    rows: Record<string, unknown>[],
  ): Promise<{ row: Record<string, unknown>; reason: string }[]> {
    try {
      await insertRows(rows);
      return [];
    } catch (err) {
      if (!(err instanceof BackbeatError) || err.code !== 'CLICKHOUSE_REJECTED') throw err;
      if (rows.length === 1) return [{ row: rows[0]!, reason: err.message }];
      const half = Math.ceil(rows.length / 2);
      return [
        ...(await insertOrIsolate(rows.slice(0, half))),
        ...(await insertOrIsolate(rows.slice(half))),
      ];
    }
  }

  async function write(plan: RowsPlan, ranges: readonly OffsetRange[], hooks: ApplyHooks) {
    const token = `${sinkId}:${ranges.map((r) => `${partitionKey(r)}:${r.from}-${r.to}`).join(',')}`;
    // One insert per group of at most maxPartitions table partitions: the engine refuses a
    // block that spans more (max_partitions_per_insert_block). A kill between two of them is
    // safe: the stored offset moves only below, after every group, so the batch is read again
    // and each group's insert repeats with the same token (a no-op), or with other rows
    // that FINAL collapses by key.
    const refused: { row: Record<string, unknown>; reason: string }[] = [];
    for (const rows of splitByPartition(plan.rows, config.partitionOf, maxPartitions))
      refused.push(...(await insertOrIsolate(rows)));
    if (refused.length) {
      if (!hooks.reject)
        throw new BackbeatError('CLICKHOUSE_REJECTED', `clickhouse: ${refused[0]!.reason}`, {
          retriable: false,
        });
      // Dead letters before the offsets: a kill in between sends them again, never loses one.
      await hooks.reject(
        refused.map(({ row, reason }) => ({
          topic: String(row.topic),
          partition: Number(row.partition),
          offset: Number(row.offset),
          reason,
        })),
      );
    }
    // Then the offsets: the batch counts as applied only now.
    await wrap(() =>
      deps.clickhouse.insert({
        table: 'sink_offsets',
        values: ranges.map((r) => ({
          sink: sinkId,
          topic: r.topic,
          partition: r.partition,
          offset: r.to,
        })),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `${token}:offsets` },
      }),
    );
  }

  return {
    name: config.name,
    readOffsets,
    async apply(plan, ranges: readonly OffsetRange[], hooks: ApplyHooks = {}) {
      try {
        await deps.guard?.();
        const stored = await storedOffsets(ranges);
        // The batch must continue exactly after the stored offset (see ProjectionSink).
        if (
          ranges.some(
            (r) => stored.has(partitionKey(r)) && stored.get(partitionKey(r)) !== r.from - 1,
          )
        ) {
          for (const r of ranges) known.delete(partitionKey(r));
          return 'conflict';
        }
        await write(plan, ranges, hooks);
      } catch (err) {
        for (const r of ranges) known.delete(partitionKey(r));
        throw err;
      }
      for (const r of ranges) known.set(partitionKey(r), r.to);
      return 'applied';
    },
    async drop() {
      known.clear();
      await wrap(() =>
        deps.clickhouse.command({ query: `TRUNCATE TABLE IF EXISTS ${config.table}` }),
      );
      await wrap(() =>
        deps.clickhouse.command({
          query: 'DELETE FROM sink_offsets WHERE sink = {sink:String}',
          query_params: { sink: sinkId },
        }),
      );
    },
  };
}

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const failure = classifyClickHouseError(err);
    throw new BackbeatError(
      failure.kind === 'retry' ? 'CLICKHOUSE_UNAVAILABLE' : 'CLICKHOUSE_REJECTED',
      `clickhouse ${failure.code}: ${failure.reason}`,
      { retriable: failure.kind === 'retry', cause: err },
    );
  }
}

/** A short digest of the rows' Kafka coordinates: the dedup token of an insert of them. */
function tokenOf(rows: readonly Record<string, unknown>[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(`${String(r.topic)}:${String(r.partition)}:${String(r.offset)},`);
  return `${rows.length}:${h.digest('hex').slice(0, 32)}`;
}

/**
 * Groups rows so that no group spans more than `max` values of `partitionOf` (the table's
 * partition key), in the order of the first row of each partition: deterministic for a batch.
 */
export function splitByPartition<R>(
  rows: readonly R[],
  partitionOf: ((row: R) => string) | undefined,
  max: number,
): R[][] {
  if (!rows.length) return [];
  if (!partitionOf) return [[...rows]];
  const byPartition = new Map<string, R[]>();
  for (const r of rows) {
    const k = partitionOf(r);
    const list = byPartition.get(k);
    if (list) list.push(r);
    else byPartition.set(k, [r]);
  }
  const groups: R[][] = [];
  let current: R[] = [];
  let n = 0;
  for (const list of byPartition.values()) {
    if (n === max) {
      groups.push(current);
      current = [];
      n = 0;
    }
    current.push(...list);
    n++;
  }
  groups.push(current);
  return groups;
}
