/**
 * Figure 3: all processors together (one processors.main.ts process per projection), from a
 * pre-filled topic to fully applied state in Redis and ClickHouse, against
 *  - Kafka's ConsumerPerformance reading the same topics (the read limit), and
 *  - a Kafka Streams app doing only a per-track count of qualified streams (bench/peers/).
 * Figure 6 (benchmark `rebuild`, on the same stack and run): each projection rebuilt from its
 * topics by the rebuild service, events/s replayed, against figure 3 of the same run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { loadConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import {
  PROJECTIONS,
  PROJECTION_NAMES,
  type ProjectionName,
} from '../../processors/host/projection-registry.js';
import { startRebuild } from '../../processors/rebuild/rebuild.wiring.js';
import { createAppContext } from '../../context/app-context.js';
import { EVENT_TYPE_NAMES, type EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { buildPeers, consumerPerformance, startStreamsPeer } from '../lib/kafka-tools.js';
import { root, type Proc } from '../lib/procs.js';
import type { Row } from '../lib/report.js';
import { cpuSeconds, stackPids, startProcessorProcs, waitAllApplied } from '../lib/services.js';
import { startBenchStack, topicCounts, type BenchStack } from '../lib/stack.js';
import { ensureWorkload, fillTopics, type WorkloadMeta } from '../lib/workload.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/** Generates (or reuses) the cached workload and produces it to the stack's event topics. */
export async function prefill(
  ctx: BenchContext,
  s: BenchStack,
  events: number,
): Promise<{ meta: WorkloadMeta; perTopic: Map<string, number>; total: number }> {
  const gen = ctx.progress.bar('workload (cached)', events, 'events');
  const meta = ensureWorkload(ctx.cacheDir, s.catalogue, events, (d, t) => {
    gen.setTotal(t);
    gen.update(d, 'generating');
  });
  gen.stop();
  const bar = ctx.progress.bar('pre-fill topics', meta.events, 'events');
  const t0 = performance.now();
  await fillTopics({
    brokers: s.config.kafka.brokers,
    catalogue: s.catalogue,
    schemaIdOf: (t) => s.codec.schemaIdOf(t),
    file: meta.file,
    onProgress: (d) => bar.update(d),
  });
  bar.stop();
  const topics = EVENT_TYPE_NAMES.map((t) => (s.catalogue[t] as EventTypeSpec).topic);
  const perTopic = await topicCounts(s.kafka, topics);
  const total = [...perTopic.values()].reduce((a, b) => a + b, 0);
  ctx.progress.log(
    `pre-filled ${total} events in ${Math.round((performance.now() - t0) / 1000)} s`,
  );
  return { meta, perTopic, total };
}

/** Drops every projection's state (Redis, ClickHouse rows and offsets): processors start over. */
export async function resetProjections(s: BenchStack): Promise<void> {
  await s.redis.flushdb();
  for (const t of ['events', 'events_rebuild', 'sink_offsets'])
    await s.clickhouse.client.command({ query: `TRUNCATE TABLE IF EXISTS ${t}` });
}

/** Committed offsets of a consumer group have reached the end of every topic it commits to. */
async function groupCaughtUp(
  s: BenchStack,
  groupId: string,
  inputs: string[],
): Promise<{ done: number; total: number }> {
  const admin = s.kafka.admin();
  await admin.connect();
  try {
    const all = await admin.listTopics();
    const topics = [
      ...inputs,
      ...all.filter((t) => t.startsWith(`${groupId}-`) && t.endsWith('-repartition')),
    ];
    const committed = await admin.fetchOffsets({ groupId, topics });
    let done = 0;
    let total = 0;
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const end = ends.find((e) => e.partition === p.partition);
        if (!end) continue;
        const high = Number(end.high);
        const low = Number(end.low);
        const c = Number(p.offset);
        total += high - (inputs.includes(t.topic) ? low : 0);
        done += c < 0 ? 0 : c - (inputs.includes(t.topic) ? low : 0);
      }
    }
    return { done, total };
  } finally {
    await admin.disconnect();
  }
}

interface PipelineOptions {
  peers: boolean;
  rebuild: boolean;
}

async function runPipeline(ctx: BenchContext, opts: PipelineOptions): Promise<BenchOutput> {
  const events = bySize(ctx.size, { quick: 20_000, small: 500_000, full: 5_000_000 });
  const pollMs = bySize(ctx.size, { quick: 200, small: 250, full: 500 });
  const s = await startBenchStack(ctx.basePort);
  const config = loadConfig(s.env);
  try {
    const { meta, perTopic, total } = await prefill(ctx, s, events);
    const playbackTopic = (s.catalogue.playback as EventTypeSpec).topic;
    const playbackCount = perTopic.get(playbackTopic) ?? 0;
    const peers = opts.peers ? buildPeers(ctx.cacheDir, (l) => ctx.progress.log(l)) : undefined;
    const ours: number[] = [];
    const consumer: number[] = [];
    const streams: number[] = [];
    const rebuild = new Map<ProjectionName, number[]>(PROJECTION_NAMES.map((n) => [n, []]));
    const details: unknown[] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      const detail: Record<string, unknown> = { run };
      if (opts.peers) {
        ctx.progress.log(`run ${run}/${ctx.runs}: ConsumerPerformance on ${total} events`);
        const cp = await consumerPerformance({
          bootstrap: s.bootstrap,
          include: `^(${[...perTopic.keys()].map((t) => t.replace(/\./g, '\\.')).join('|')})$`,
          records: total,
          group: `bench-perf-${randomUUID().slice(0, 8)}`,
        });
        consumer.push(cp.records_per_s);
        detail.consumer_performance = cp;
        ctx.progress.log(
          `run ${run}: ConsumerPerformance ${Math.round(cp.records_per_s)} records/s`,
        );
      }

      ctx.progress.log(`run ${run}/${ctx.runs}: all processors from the start of ${total} events`);
      await resetProjections(s);
      const bar = ctx.progress.bar(`run ${run} processors`, total, 'events');
      const procs = await startProcessorProcs(
        s,
        PROJECTION_NAMES,
        ctx.profileDir ? { profileDir: ctx.profileDir } : {},
      );
      // CPU seconds of every process involved, over the measured window: what is busy.
      const pids: Record<string, number> = { ...stackPids(s) };
      for (const [n, p] of procs) pids[`processors-${n}`] = p.pid;
      const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
      const finished = new Map<string, number>();
      const t0 = performance.now();
      const t1 = await waitAllApplied(s, PROJECTION_NAMES, {
        procs: [...procs.values()],
        everyMs: pollMs,
        finished,
        onProgress: (d, t) => (bar.setTotal(t), bar.update(d)),
      });
      bar.stop();
      const seconds = (t1 - t0) / 1000;
      const cpu = Object.fromEntries(
        Object.entries(pids).map(([k, pid]) => [
          k,
          Math.round(((cpuSeconds(pid) - (cpu0[k] ?? 0)) / seconds) * 100) / 100,
        ]),
      );
      ours.push(total / seconds);
      detail.processors = {
        events: total,
        seconds,
        events_per_s: total / seconds,
        finished_s: Object.fromEntries(
          [...finished].map(([k, t]) => [k, Math.round((t - t0) / 100) / 10]),
        ),
        cores_busy: cpu,
      };
      ctx.progress.log(
        `run ${run}: finished at ${JSON.stringify((detail.processors as { finished_s: unknown }).finished_s)} s; cores busy ${JSON.stringify(cpu)}`,
      );
      ctx.progress.log(
        `run ${run}: processors ${Math.round(total / seconds)} events/s (${seconds.toFixed(1)} s)`,
      );

      if (opts.rebuild) {
        detail.rebuild = await rebuildAll(ctx, s, config, procs, run, rebuild);
      }
      await Promise.all([...procs.values()].map((p: Proc) => p.stop()));

      if (peers) {
        ctx.progress.log(
          `run ${run}/${ctx.runs}: Kafka Streams peer on ${playbackCount} playback events`,
        );
        const stateDir = mkdtempSync(path.join(tmpdir(), 'bb-streams-'));
        const appId = `bench-streams-${randomUUID().slice(0, 8)}`;
        const peer = startStreamsPeer({
          classpath: peers.classpath,
          bootstrap: s.bootstrap,
          topic: playbackTopic,
          schemaFile: path.join(root, 'schemas/avro/playback.avsc'),
          applicationId: appId,
          stateDir,
          expected: playbackCount,
        });
        const sbar = ctx.progress.bar(`run ${run} Kafka Streams`, playbackCount, 'events');
        try {
          const p0 = performance.now();
          let last = 0;
          let lastMove = performance.now();
          for (;;) {
            if (peer.exited())
              throw new BackbeatError(
                'BENCH_PROCESS_EXITED',
                `Kafka Streams peer exited:\n${peer.output().slice(-3000)}`,
              );
            const g = await groupCaughtUp(s, appId, [playbackTopic]).catch(() => ({
              done: 0,
              total: 1,
            }));
            sbar.update(Math.min(g.done, playbackCount));
            if (g.total > 0 && g.done >= g.total && g.done >= playbackCount) break;
            if (g.done !== last) {
              last = g.done;
              lastMove = performance.now();
            } else if (performance.now() - lastMove > 180_000)
              throw new BackbeatError(
                'BENCH_STALLED',
                `Kafka Streams peer made no progress for 180 s:\n${peer.output().slice(-3000)}`,
              );
            await sleep(pollMs);
          }
          const secs = (performance.now() - p0) / 1000;
          streams.push(playbackCount / secs);
          detail.kafka_streams = {
            events: playbackCount,
            seconds: secs,
            events_per_s: playbackCount / secs,
          };
          ctx.progress.log(
            `run ${run}: Kafka Streams ${Math.round(playbackCount / secs)} events/s (${secs.toFixed(1)} s, JVM start included)`,
          );
        } finally {
          sbar.stop();
          await peer.stop(30_000);
          rmSync(stateDir, { recursive: true, force: true });
        }
      }
      details.push(detail);
    }

    const rows: Row[] = [];
    const fig3 = { what: 'figure 3 (all processors)', unit: 'events/s', values: ours };
    if (opts.peers) {
      rows.push(
        {
          figure: '3',
          what: 'all processors together, pre-filled topic to applied state, events/s',
          unit: 'events/s',
          values: ours,
          anchor: { what: 'ConsumerPerformance', unit: 'records/s', values: consumer },
          target: { on: 'ratio', op: '>=', bound: 0.25 },
        },
        {
          figure: '3b',
          what: 'same figure 3',
          unit: 'events/s',
          values: ours,
          anchor: { what: 'Kafka Streams per-track count', unit: 'events/s', values: streams },
          target: { on: 'ratio', op: '>=', bound: 1.0 },
        },
      );
    }
    // A projection whose topics hold no event of the workload (playlists: the simulator sends
    // no playlist edits) has nothing to replay: it gets no figure 6 row, and a note says so.
    const eventsOf = (n: ProjectionName) =>
      PROJECTIONS[n].projection.types.reduce(
        (a, t) => a + (perTopic.get((s.catalogue[t] as EventTypeSpec).topic) ?? 0),
        0,
      );
    const idle = PROJECTION_NAMES.filter((n) => eventsOf(n) === 0);
    if (opts.rebuild) {
      for (const n of PROJECTION_NAMES.filter((x) => !idle.includes(x)))
        rows.push({
          figure: '6',
          what: `rebuild ${n}, events/s replayed`,
          unit: 'events/s',
          values: rebuild.get(n) ?? [],
          anchor: fig3,
          target: { on: 'ratio', op: '>=', bound: 1.0 },
        });
    }
    return {
      rows,
      parameters: {
        events: total,
        per_topic: Object.fromEntries(perTopic),
        workload: meta.by_type,
        simulator: {
          users: meta.params.users,
          tracks: meta.params.tracks,
          days: meta.params.days,
          seed: meta.params.seed,
        },
        partitions: s.config.kafka.defaultPartitions,
        processor_max_batch: config.processors.maxBatch,
        layout: 'one processors.main.ts process per projection (PROCESSORS=<name>)',
      },
      notes: [
        ...(idle.length
          ? [
              `No event of the workload is on the topics of ${idle.join(', ')}: they are in figure 3's processes but have no rebuild figure.`,
            ]
          : []),
        'Figure 3 is timed from the moment the processor processes answer /healthz (subscribed, as ConsumerPerformance is when it starts its clock) until every projection has stored the last offset of every partition of its topics.',
        ...(opts.peers
          ? [
              'Processors and ConsumerPerformance read every event topic; the Kafka Streams peer reads only the playback topic (the only one a qualified-stream count needs) and is timed from JVM start to its committed offsets reaching the end of its input and repartition topics.',
            ]
          : []),
        ...(opts.rebuild
          ? [
              'Figure 6 runs the rebuild service in the bench process while the live processors idle, one projection at a time; replay time ends when the new generation has applied every offset that existed when it started (before the swap and the drop of the old generation).',
            ]
          : []),
      ],
      details,
    };
  } finally {
    await s.stop();
  }
}

/** Batches applied so far and seconds spent in them, over every processor of a registry. */
async function batchTotals(registry: Registry): Promise<{ count: number; sum: number }> {
  const m = registry.getSingleMetric('backbeat_processor_batch_seconds');
  if (!m) return { count: 0, sum: 0 };
  const values = (await m.get()).values;
  const total = (suffix: string) =>
    values
      .filter(
        (v) =>
          (v as { metricName?: string }).metricName === `backbeat_processor_batch_seconds${suffix}`,
      )
      .reduce((a, v) => a + v.value, 0);
  return { count: total('_count'), sum: total('_sum') };
}

async function rebuildAll(
  ctx: BenchContext,
  s: BenchStack,
  config: ReturnType<typeof loadConfig>,
  _procs: Map<ProjectionName, Proc>,
  run: number,
  out: Map<ProjectionName, number[]>,
): Promise<Record<string, unknown>> {
  // The rebuild role as `npm run rebuild` wires it: its own context over the bench's stack.
  const app = createAppContext(config, {
    service: 'backbeat-bench-rebuild',
    logger: createLogger({ level: 'warn' }, 'backbeat-bench-rebuild'),
  });
  const role = await startRebuild(app);
  const detail: Record<string, unknown> = {};
  try {
    for (const name of PROJECTION_NAMES) {
      const bar = ctx.progress.bar(`run ${run} rebuild ${name}`, 1, 'events');
      const before = await batchTotals(app.registry);
      const t0 = performance.now();
      let replayed: number | undefined;
      let events = 0;
      const r = await role.rebuild(name, {
        onProgress: (p) => {
          bar.setTotal(p.total);
          bar.update(p.done);
          if (replayed === undefined && p.total > 0 && p.done >= p.total) {
            replayed = performance.now();
            events = p.total;
          }
        },
      });
      bar.stop();
      const seconds = ((replayed ?? performance.now()) - t0) / 1000;
      const after = await batchTotals(app.registry);
      const n = events || r.events;
      out.get(name)?.push(n / seconds);
      detail[name] = {
        events: n,
        replay_seconds: seconds,
        total_seconds: r.seconds,
        events_per_s: n / seconds,
        store: PROJECTIONS[name].store,
        // Where the replay time went: batches applied and the time inside them (decode, plan,
        // store write); the rest is polling, group join and catch-up checks.
        batches: after.count - before.count,
        seconds_in_batches: Math.round((after.sum - before.sum) * 100) / 100,
      };
      ctx.progress.log(
        `run ${run}: rebuild ${name} ${Math.round(n / seconds)} events/s (${n} events, ${seconds.toFixed(1)} s replay, ${r.seconds.toFixed(1)} s with swap; ${after.count - before.count} batches, ${(after.sum - before.sum).toFixed(1)} s inside them)`,
      );
    }
  } finally {
    await app.close();
  }
  return detail;
}

export const processorsBench: Benchmark = {
  name: 'processors',
  title: 'All processors from a pre-filled topic vs ConsumerPerformance and Kafka Streams',
  run: (ctx) =>
    runPipeline(ctx, {
      peers: true,
      rebuild: Boolean(ctx.selected.has('rebuild')),
    }),
};

export const rebuildBench: Benchmark = {
  name: 'rebuild',
  title: 'Rebuild per projection vs figure 3',
  async run(ctx) {
    if (ctx.selected.has('processors'))
      return {
        rows: [],
        parameters: {},
        notes: [
          'Measured with the processors benchmark of this invocation (same stack and runs: figure 6 rows are in its table).',
        ],
        details: [],
      };
    return runPipeline(ctx, { peers: false, rebuild: true });
  },
};
