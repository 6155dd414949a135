/**
 * Memory: peak RSS (VmHWM) of the gateway, each processors process and the API after the first
 * and the second checkpoint of events (1M and 10M at full size), sent through the gateway by
 * the SDK's HTTP transport while the API serves a light read load. State lives in the stores,
 * so peak RSS must not grow with the number of events: the ratio second/first should stay
 * near 1 (≤ 1.2 is the bound used here).
 */
import { loadConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { mintToken } from '../../api/app/auth/api-token.js';
import { createHttpTransport } from '../../producers/sdk/http.transport.js';
import { createTrafficSender } from '../../producers/simulator/traffic.sender.js';
import type { AnySimEvent } from '../../producers/simulator/simulator.types.js';
import { PROJECTION_NAMES } from '../../processors/host/projection-registry.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { peakRssMiB, type Proc } from '../lib/procs.js';
import type { Row } from '../lib/report.js';
import {
  GATEWAY_KEY,
  heapOf,
  startApiProc,
  startGatewayProc,
  startProcessorProcs,
  waitAllApplied,
} from '../lib/services.js';
import { startBenchStack } from '../lib/stack.js';
import { ensureWorkload, readSimEvents } from '../lib/workload.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const memoryBench: Benchmark = {
  name: 'memory',
  title: 'Peak RSS of the gateway, each processor and the API after 1M and 10M events',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const points = bySize(ctx.size, {
      quick: [5_000, 15_000],
      small: [100_000, 1_000_000],
      full: [1_000_000, 10_000_000],
    });
    const workloadEvents = bySize(ctx.size, { quick: 20_000, small: 500_000, full: 1_000_000 });
    const s = await startBenchStack(ctx.basePort);
    try {
      const prof = ctx.profileDir ? { profileDir: ctx.profileDir } : {};
      const gen = ctx.progress.bar('workload (cached)', workloadEvents, 'events');
      const meta = ensureWorkload(
        ctx.cacheDir,
        s.catalogue,
        workloadEvents,
        (d, t) => (gen.setTotal(t), gen.update(d)),
      );
      gen.stop();
      const base: AnySimEvent[] = [];
      for await (const e of readSimEvents(meta.file, s.catalogue)) base.push(e);

      const gw = await startGatewayProc(s, prof);
      const procs = await startProcessorProcs(s, PROJECTION_NAMES, prof);
      const api = await startApiProc(s, prof);
      const all: Proc[] = [gw.proc, ...procs.values(), api.proc];
      const config = loadConfig(s.env);
      const tokens = meta.users
        .slice(0, 500)
        .map((u) =>
          mintToken({ role: 'user', sub: u, ttlSeconds: 24 * 3600 }, config.api.tokenSecret),
        );

      // A light, steady read load on the API for the whole run (~100 req/s).
      let reads = 0;
      let readErrors = 0;
      const reader = setInterval(() => {
        const n = reads++;
        const url =
          n % 2
            ? `${api.url}/v1/tracks/${encodeURIComponent(meta.tracks[n % meta.tracks.length] as string)}`
            : `${api.url}/v1/me/recently-played?limit=20`;
        const headers: Record<string, string> =
          n % 2 ? {} : { authorization: `Bearer ${tokens[n % tokens.length]}` };
        fetch(url, { headers })
          .then((r) => r.arrayBuffer())
          .catch(() => readErrors++);
      }, 10);

      let sent = 0;
      let pass = 0;
      let at = 0;
      const next = (): AnySimEvent => {
        if (at >= base.length) {
          at = 0;
          pass++;
        }
        const e = base[at++] as AnySimEvent;
        return pass === 0
          ? e
          : ({ ...e, event: { ...e.event, event_id: uuidv7(e.event.event_time) } } as AnySimEvent);
      };
      const hwm: Record<string, number>[] = [];
      const heap: Record<string, { heap_used: number; rss: number } | undefined>[] = [];
      const timings: Record<string, number>[] = [];
      try {
        for (const point of points) {
          const bar = ctx.progress.bar(
            `to ${point.toLocaleString('en-US')} events`,
            point,
            'events',
          );
          const t0 = performance.now();
          const transport = createHttpTransport({
            url: gw.url,
            apiKey: GATEWAY_KEY,
            timeoutMs: 30_000,
          });
          const sender = createTrafficSender(
            { seed: 4, rate: 0, maxCombined: 500, maxBatchSize: 100, lingerMs: 20 },
            { transport, onProgress: (st) => bar.update(sent + st.accepted) },
          );
          const want = point - sent;
          const iterable: Iterable<AnySimEvent> = {
            [Symbol.iterator]: () => {
              let k = 0;
              return {
                next: () =>
                  k++ < want ? { value: next(), done: false } : { value: undefined, done: true },
              };
            },
          };
          const st = await sender.send(iterable);
          await transport.close();
          if (st.rejected + st.dropped > 0)
            throw new BackbeatError(
              'BENCH_EVENTS_REFUSED',
              `the gateway refused ${st.rejected} and the SDK dropped ${st.dropped} events: ${JSON.stringify(st.problems.slice(0, 3))}`,
            );
          sent += st.accepted;
          const sendS = (performance.now() - t0) / 1000;
          await waitAllApplied(s, PROJECTION_NAMES, {
            procs: all,
            everyMs: 1000,
            onProgress: (d, t) => (bar.setTotal(t), bar.update(d)),
          });
          bar.stop();
          const mem: Record<string, number> = {};
          for (const p of all) mem[p.name] = Math.round(peakRssMiB(p.pid) * 10) / 10;
          hwm.push(mem);
          const h: (typeof heap)[number] = {};
          for (const p of all) h[p.name] = await heapOf(p);
          heap.push(h);
          timings.push({
            events: sent,
            send_s: Math.round(sendS),
            applied_s: Math.round((performance.now() - t0) / 1000),
          });
          ctx.progress.log(
            `after ${sent} events: ${Object.entries(mem)
              .map(([k, v]) => `${k} ${v} MiB`)
              .join(', ')}`,
          );
        }
      } finally {
        clearInterval(reader);
      }
      const first = hwm[0] ?? {};
      const last = hwm[hwm.length - 1] ?? {};
      const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
      const rows: Row[] = all.map((p) => ({
        figure: 'M',
        what: `${p.name} peak RSS after ${label(points[1] as number)} events`,
        unit: 'MiB',
        values: [last[p.name] as number],
        anchor: {
          what: `after ${label(points[0] as number)}`,
          unit: 'MiB',
          values: [first[p.name] as number],
        },
        target: { on: 'ratio', op: '<=', bound: 1.2 },
      }));
      // Beside the high-water mark: the V8 heap in use at each checkpoint, idle after applying
      // (not after a forced collection), which says whether live JavaScript memory grew.
      const h0 = heap[0] ?? {};
      const h1 = heap[heap.length - 1] ?? {};
      for (const p of all)
        if (h0[p.name] && h1[p.name])
          rows.push({
            figure: 'Mh',
            what: `${p.name} V8 heap used after ${label(points[1] as number)} events (idle, at the checkpoint)`,
            unit: 'MiB',
            values: [h1[p.name]?.heap_used as number],
            anchor: {
              what: `after ${label(points[0] as number)}`,
              unit: 'MiB',
              values: [h0[p.name]?.heap_used as number],
            },
          });
      return {
        rows,
        parameters: {
          points,
          sent,
          path: 'SDK HTTP transport (simulator clients, batches up to 500) -> gateway -> Kafka -> one processors process per projection; API under ~100 reads/s',
          workload_cycle: `${base.length} cached events, replayed with fresh event ids`,
          api_reads: reads,
          api_read_errors: readErrors,
        },
        notes: [
          'One pass (the checkpoints are cumulative), whatever --runs says: min = median = max.',
          '"Grows" means the ratio of peak RSS at the second checkpoint to the first; ≤ 1.2 is the bound used for "does not grow with events".',
          "Rows Mh: V8 heap in use (prom-client nodejs_heap_size_used_bytes from each process's /metrics) once everything is applied, at each checkpoint; VmHWM is a high-water mark of the whole process and keeps the worst moment of a backlog, heap in use says whether live JavaScript memory grew.",
        ],
        details: [{ peak_rss_mib: hwm, heap_and_current_rss_mib: heap, timings }],
      };
    } finally {
      await s.stop();
    }
  },
};
