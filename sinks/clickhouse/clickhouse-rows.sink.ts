import type { ClickHouseClient } from '@clickhouse/client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { OffsetRange, ProjectionSink } from '../../processors/runtime/processor.types.js';
import { partitionKey } from '../../processors/runtime/processor.types.js';

/** A batch of rows for one table; every row carries its source `topic`, `partition`, `offset`. */
export interface RowsPlan {
  rows: Record<string, unknown>[];
}

/**
 * Appends a projection's rows to a ClickHouse table whose rows carry their Kafka coordinates,
 * then records the batch's last offsets in `sink_offsets`; the applied offset of a partition is
 * the max of both, so rows and offsets never disagree in the direction that loses data. The insert has a deterministic dedup token (retrying the
 * same batch is a no-op), and tables are keyed so duplicates collapse and are read with FINAL.
 */
export function createClickHouseRowsSink(
  config: { name: string; table: string },
  deps: {
    clickhouse: ClickHouseClient;
    /** Throws a retriable error while writes must wait (a rebuild swapping tables). */ guard?: () => Promise<void>;
  },
): ProjectionSink<RowsPlan> {
  const sinkId = `${config.name}:${config.table}`;
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
        query: `SELECT topic, partition, max(offset) AS offset FROM (
            SELECT topic, partition, offset FROM ${config.table} WHERE topic IN {topics:Array(String)}
            UNION ALL
            SELECT topic, partition, offset FROM sink_offsets WHERE sink = {sink:String} AND topic IN {topics:Array(String)}
          ) GROUP BY topic, partition`,
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

  async function write(plan: RowsPlan, ranges: readonly OffsetRange[]) {
    const token = `${sinkId}:${ranges.map((r) => `${partitionKey(r)}:${r.from}-${r.to}`).join(',')}`;
    if (plan.rows.length) {
      await wrap(() =>
        deps.clickhouse.insert({
          table: config.table,
          values: plan.rows,
          format: 'JSONEachRow',
          clickhouse_settings: { insert_deduplication_token: token },
        }),
      );
    }
    // Then the offsets (a crash in between re-reads at most the batch's trailing dead letters).
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
    async apply(plan, ranges: readonly OffsetRange[]) {
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
        await write(plan, ranges);
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
    // Syntax or type errors (ClickHouse codes 27, 53, 62, 117, ...) are bugs; the rest (network,
    // timeouts, a server restarting) are outages worth retrying.
    const code = Number((err as { code?: string }).code);
    const bug = [26, 27, 36, 53, 62, 70, 117, 344].includes(code);
    throw new BackbeatError(
      bug ? 'CLICKHOUSE_REJECTED' : 'CLICKHOUSE_UNAVAILABLE',
      `clickhouse: ${(err as Error).message}`,
      { retriable: !bug, cause: err },
    );
  }
}
