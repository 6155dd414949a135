import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { currentGeneration, swapGeneration } from '../../sinks/redis/redis-generation.js';
import {
  startProjectionProcessor,
  type HostConfig,
  type HostDeps,
} from '../host/processor-host.js';
import {
  PROJECTIONS,
  RAW_ARCHIVE_TABLE,
  swapLockKey,
  type ProjectionEntry,
  type ProjectionName,
} from '../host/projection-registry.js';
import { partitionKey } from '../../sinks/contract/projection-sink.types.js';

export interface RebuildProgress {
  projection: ProjectionName;
  done: number;
  total: number;
}

export interface RebuildResult {
  projection: ProjectionName;
  events: number;
  seconds: number;
  from: number | string;
  to: number | string;
}

/**
 * Rebuilds a projection from its topics under a fresh consumer group, into a new generation,
 * and swaps it in without downtime for readers:
 * - Redis projections: generation N+1 is built in its own key namespace while readers and the
 *   live processor keep using N; then `bb:<name>:current` flips to N+1 (readers follow at once,
 *   the live host moves its processor to N+1, which resumes from N+1's offsets) and N is dropped.
 * - ClickHouse projections (the raw archive, the royalty ledger's facts): built into
 *   `<table>_rebuild`; once caught up, live writes pause
 *   (swap lock), the rebuild catches up to the end, the tables are exchanged atomically
 *   (EXCHANGE TABLES), the live sink's offsets are replaced by the rebuild's, and writes resume.
 */
export async function rebuildProjection(
  name: ProjectionName,
  config: HostConfig,
  deps: HostDeps,
  opts: { onProgress?: (p: RebuildProgress) => void; swapGraceMs?: number } = {},
): Promise<RebuildResult> {
  const entry = PROJECTIONS[name];
  const started = Date.now();
  const topics = entry.projection.types.map((t) => (deps.catalogue[t] as EventTypeSpec).topic);
  if (entry.store === 'redis') return rebuildRedis(entry, topics, config, deps, opts, started);
  return rebuildClickHouse(entry, topics, config, deps, opts, started);
}

async function rebuildRedis(
  entry: ProjectionEntry,
  topics: string[],
  config: HostConfig,
  deps: HostDeps,
  opts: { onProgress?: (p: RebuildProgress) => void },
  started: number,
): Promise<RebuildResult> {
  const from = await currentGeneration(deps.redis, entry.name);
  const to = from + 1;
  const sink = entry.sink(deps, {
    generation: to,
    dedupTtlSeconds: config.processors.dedupTtlSeconds,
  });
  await sink.drop?.(); // leftovers of an interrupted rebuild
  const processor = await startProjectionProcessor(config, deps, entry, {
    generation: to,
    instance: 'rebuild',
  });
  const events = await waitCaughtUp(
    entry.name,
    topics,
    config,
    (parts) => sink.readOffsets(parts),
    opts.onProgress,
  );
  await processor.stop();
  await swapGeneration(deps.redis, entry.name, to);
  // Give live hosts time to move their processor (they check every 2 s), then drop the old keys.
  await sleep(5000);
  await entry
    .sink(deps, { generation: from, dedupTtlSeconds: config.processors.dedupTtlSeconds })
    .drop?.();
  return { projection: entry.name, events, seconds: (Date.now() - started) / 1000, from, to };
}

async function rebuildClickHouse(
  entry: ProjectionEntry,
  topics: string[],
  config: HostConfig,
  deps: HostDeps,
  opts: { onProgress?: (p: RebuildProgress) => void; swapGraceMs?: number },
  started: number,
): Promise<RebuildResult> {
  const ch = deps.clickhouse;
  const LIVE_TABLE = entry.table ?? RAW_ARCHIVE_TABLE;
  const REBUILD_TABLE = `${LIVE_TABLE}_rebuild`;
  await ch.command({ query: `DROP TABLE IF EXISTS ${REBUILD_TABLE}` });
  await ch.command({ query: `CREATE TABLE ${REBUILD_TABLE} AS ${LIVE_TABLE}` });
  const rebuildSink = entry.sink(deps, { generation: 0, dedupTtlSeconds: 0, table: REBUILD_TABLE });
  await rebuildSink.drop?.();
  const group = `rebuild-${Date.now()}`;
  const processor = await startProjectionProcessor(config, deps, entry, {
    generation: group,
    table: REBUILD_TABLE,
    instance: 'rebuild',
  });
  let events = await waitCaughtUp(
    entry.name,
    topics,
    config,
    (parts) => rebuildSink.readOffsets(parts),
    opts.onProgress,
  );
  // Pause live writes, let a batch in flight finish, catch up to the very end, swap.
  await deps.redis.set(swapLockKey(entry.name), String(process.pid), 'EX', 600);
  try {
    await sleep(opts.swapGraceMs ?? 3000);
    events = await waitCaughtUp(
      entry.name,
      topics,
      config,
      (parts) => rebuildSink.readOffsets(parts),
      opts.onProgress,
    );
    await processor.stop();
    const offsets = await rebuildSink.readOffsets(await partitionsOf(topics, config));
    await ch.command({ query: `EXCHANGE TABLES ${LIVE_TABLE} AND ${REBUILD_TABLE}` });
    const liveSink = `${entry.name}:${LIVE_TABLE}`;
    await ch.command({
      query: 'DELETE FROM sink_offsets WHERE sink = {sink:String}',
      query_params: { sink: liveSink },
    });
    if (offsets.size) {
      await ch.insert({
        table: 'sink_offsets',
        values: [...offsets].map(([k, offset]) => {
          const at = k.lastIndexOf(':');
          return {
            sink: liveSink,
            topic: k.slice(0, at),
            partition: Number(k.slice(at + 1)),
            offset,
          };
        }),
        format: 'JSONEachRow',
      });
    }
    await ch.command({ query: `DROP TABLE IF EXISTS ${REBUILD_TABLE}` });
    await ch.command({
      query: 'DELETE FROM sink_offsets WHERE sink = {sink:String}',
      query_params: { sink: `${entry.name}:${REBUILD_TABLE}` },
    });
  } finally {
    await deps.redis.del(swapLockKey(entry.name));
  }
  return {
    projection: entry.name,
    events,
    seconds: (Date.now() - started) / 1000,
    from: LIVE_TABLE,
    to: LIVE_TABLE,
  };
}

async function partitionsOf(
  topics: string[],
  config: HostConfig,
): Promise<{ topic: string; partition: number; low: number; high: number }[]> {
  const admin = new Kafka({
    clientId: `${config.kafka.clientId}-rebuild`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const out: { topic: string; partition: number; low: number; high: number }[] = [];
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic))
        out.push({ topic, partition: o.partition, low: Number(o.low), high: Number(o.high) });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the sink has applied every partition up to the high watermark read at the start. */
async function waitCaughtUp(
  name: ProjectionName,
  topics: string[],
  config: HostConfig,
  readOffsets: (parts: { topic: string; partition: number }[]) => Promise<Map<string, number>>,
  onProgress?: (p: RebuildProgress) => void,
): Promise<number> {
  const parts = (await partitionsOf(topics, config)).filter((p) => p.high > p.low);
  const total = parts.reduce((a, p) => a + (p.high - p.low), 0);
  for (;;) {
    const stored = await readOffsets(parts);
    const done = parts.reduce(
      (a, p) =>
        a +
        Math.min(
          p.high - p.low,
          Math.max(0, (stored.get(partitionKey(p)) ?? p.low - 1) + 1 - p.low),
        ),
      0,
    );
    onProgress?.({ projection: name, done, total });
    if (done >= total) return total;
    await sleep(250);
  }
}
