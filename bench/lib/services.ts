/**
 * Backbeat's services on a bench stack, each its own process from its real entry point:
 * the ingest gateway, one processors process per projection, the read API. And the waits a
 * benchmark needs: until every projection has applied its topics.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PROJECTION_NAMES,
  type ProjectionName,
} from '../../processors/host/projection-registry.js';
import { projectionProgress } from '../../processors/host/projection-progress.js';
import type { BenchStack } from './stack.js';
import { spawnNode, waitHttpOk, type Proc } from './procs.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const GATEWAY_KEY = 'backbeat-bench-key';

export interface ServiceOpts {
  profileDir?: string;
  env?: Record<string, string>;
}

export async function startGatewayProc(
  s: BenchStack,
  opts: ServiceOpts = {},
): Promise<{ proc: Proc; url: string }> {
  const port = s.base + 90;
  const proc = spawnNode(
    'gateway',
    'producers/gateway/gateway.main.ts',
    [],
    { ...s.env, GATEWAY_PORT: String(port), GATEWAY_API_KEYS: `bench:${GATEWAY_KEY}`, ...opts.env },
    opts,
  );
  const url = `http://127.0.0.1:${port}`;
  proc.metricsUrl = `${url}/metrics`;
  await waitHttpOk(`${url}/readyz`, proc);
  return { proc, url };
}

/** One processors process per projection (PROCESSORS=<name>), the scale-out layout. */
export async function startProcessorProcs(
  s: BenchStack,
  names: readonly ProjectionName[] = PROJECTION_NAMES,
  opts: ServiceOpts = {},
): Promise<Map<ProjectionName, Proc>> {
  const procs = new Map<ProjectionName, Proc>();
  for (const [i, name] of names.entries()) {
    const metricsPort = s.base + 40 + i;
    const proc = spawnNode(
      `processors-${name}`,
      'processors/host/processors.main.ts',
      ['--instance', `bench-${name}`],
      { ...s.env, PROCESSORS: name, METRICS_PORT: String(metricsPort), ...opts.env },
      opts,
    );
    proc.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    procs.set(name, proc);
  }
  for (const [i, name] of names.entries())
    await waitHttpOk(`http://127.0.0.1:${s.base + 40 + i}/healthz`, procs.get(name) as Proc);
  return procs;
}

export async function startApiProc(
  s: BenchStack,
  opts: ServiceOpts = {},
): Promise<{ proc: Proc; url: string }> {
  const port = s.base + 80;
  const proc = spawnNode(
    'api',
    'api/app/api.main.ts',
    [],
    { ...s.env, API_PORT: String(port), ...opts.env },
    opts,
  );
  const url = `http://127.0.0.1:${port}`;
  proc.metricsUrl = `${url}/metrics`;
  await waitHttpOk(`${url}/healthz`, proc);
  return { proc, url };
}

/** A process's own Prometheus metrics as text; undefined without an endpoint or an answer. */
async function scrape(p: Proc): Promise<string | undefined> {
  if (!p.metricsUrl) return undefined;
  try {
    return await (await fetch(p.metricsUrl)).text();
  } catch {
    return undefined;
  }
}

/** The values of a metric's samples in Prometheus text, over all label sets (or one bucket). */
function samples(text: string, name: string, le?: string): number[] {
  const labels = le === undefined ? '(?:\\{[^}]*\\})?' : `\\{le="${le}"[^}]*\\}`;
  const re = new RegExp(`^${name}${labels} ([0-9.e+]+)$`, 'gm');
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

const total = (values: number[]) => values.reduce((a, v) => a + v, 0);
const mib = (values: number[]) =>
  values.length ? Math.round(((values[0] as number) / 2 ** 20) * 10) / 10 : NaN;

/**
 * A process's V8 heap in use and its current RSS, in MiB, from its own Prometheus metrics
 * (prom-client's defaults); undefined where it has no endpoint or does not answer.
 */
export async function heapOf(p: Proc): Promise<{ heap_used: number; rss: number } | undefined> {
  const text = await scrape(p);
  if (text === undefined) return undefined;
  return {
    heap_used: mib(samples(text, 'nodejs_heap_size_used_bytes')),
    rss: mib(samples(text, 'process_resident_memory_bytes')),
  };
}

/** Garbage collection and event-loop delay of a process, from prom-client's default metrics. */
export interface RuntimeStats {
  /** Longest event-loop delay since the previous scrape (prom-client resets it on each). */
  eventloop_lag_max_ms: number;
  /** Collections so far that took over 10 ms and over 100 ms, and their total seconds. */
  gc_over_10ms: number;
  gc_over_100ms: number;
  gc_seconds: number;
}

export async function runtimeStatsOf(p: Proc): Promise<RuntimeStats | undefined> {
  const text = await scrape(p);
  if (text === undefined) return undefined;
  const gc = 'nodejs_gc_duration_seconds';
  const count = total(samples(text, `${gc}_count`));
  return {
    eventloop_lag_max_ms: total(samples(text, 'nodejs_eventloop_lag_max_seconds')) * 1000,
    gc_over_10ms: count - total(samples(text, `${gc}_bucket`, '0.01')),
    gc_over_100ms: count - total(samples(text, `${gc}_bucket`, '0.1')),
    gc_seconds: total(samples(text, `${gc}_sum`)),
  };
}

export type Progress = Record<string, { done: number; total: number }>;

export async function progressOf(
  s: BenchStack,
  names: readonly ProjectionName[] = PROJECTION_NAMES,
): Promise<Progress> {
  return projectionProgress(
    s.config.kafka,
    { redis: s.redis, clickhouse: s.clickhouse.client },
    names,
  );
}

/**
 * Polls until every projection has applied all messages of its topics; resolves with the time
 * it happened (performance.now()). Fails when a process exits or nothing moves for `stallMs`.
 */
export async function waitAllApplied(
  s: BenchStack,
  names: readonly ProjectionName[],
  opts: {
    procs?: readonly Proc[];
    everyMs?: number;
    stallMs?: number;
    onProgress?: (done: number, total: number) => void;
    /** Filled with the time (performance.now()) each projection first had everything applied. */
    finished?: Map<string, number>;
  } = {},
): Promise<number> {
  let last = -1;
  let lastMove = performance.now();
  for (;;) {
    const p = await progressOf(s, names);
    const done = Object.values(p).reduce((a, x) => a + Math.min(x.done, x.total), 0);
    const total = Object.values(p).reduce((a, x) => a + x.total, 0);
    opts.onProgress?.(done, total);
    for (const [name, x] of Object.entries(p))
      if (x.done >= x.total && !opts.finished?.has(name))
        opts.finished?.set(name, performance.now());
    if (done >= total) return performance.now();
    for (const proc of opts.procs ?? [])
      if (proc.exited())
        throw new BackbeatError(
          'BENCH_PROCESS_EXITED',
          `${proc.name} exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) at ${done}/${total}:\n${proc.output().slice(-3000)}`,
        );
    if (done !== last) {
      last = done;
      lastMove = performance.now();
    } else if (performance.now() - lastMove > (opts.stallMs ?? 180_000)) {
      throw new BackbeatError(
        'BENCH_STALLED',
        `no progress for ${Math.round((opts.stallMs ?? 180_000) / 1000)} s at ${done}/${total}: ${JSON.stringify(p)}` +
          (opts.procs ?? [])
            .map((x) => `\n--- ${x.name} (last output):\n${x.output().slice(-1500)}`)
            .join(''),
      );
    }
    await sleep(opts.everyMs ?? 250);
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Pids of the stack's own services (Kafka, Redis, the chDB server, the registry). */
export function stackPids(s: BenchStack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['kafka', 'redis', 'clickhouse', 'registry']) {
    try {
      out[name] = Number(
        readFileSync(path.join(s.config.stack.dataDir, 'run', `${name}.pid`), 'utf8').trim(),
      );
    } catch {
      // not started by this stack
    }
  }
  return out;
}
