/**
 * Figure 2: the ingest gateway (its own process, gateway.main.ts), events/s accepted from HTTP
 * batches of 100 under autocannon, against figure 1 (the SDK's Kafka transport) measured on the
 * same stack in the same run; then the p99 batch latency at half of the peak request rate, offered
 * evenly by the paced driver (lib/paced-load.ts) and measured from each batch's due time.
 * Figures 2c and 2d (issue 9, item 5): the same paced driver offers twice the peak request rate
 * over OVERLOAD_CONNECTIONS sockets (so the load reaches the gateway instead of queueing in the
 * client); 2c is the goodput (events/s answered 200) against figure 2 of the same run, 2d the
 * p99 of the accepted batches, from their due time.
 */
import { bySize, type BenchOutput, type Benchmark } from '../lib/context.js';
import type { AutocannonRequest } from 'autocannon';
import { runLoad } from '../lib/load.js';
import { runPacedLoad } from '../lib/paced-load.js';
import { timeBar } from '../lib/progress.js';
import { GATEWAY_KEY, runtimeStatsOf, startGatewayProc } from '../lib/services.js';
import { startBenchStack } from '../lib/stack.js';
import { loadEvents, measureSdk } from './sdk-produce.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const BATCH = 100;
/** Sockets for the overload figures: enough that the gateway, not the client, decides what waits. */
export const OVERLOAD_CONNECTIONS = 256;
/** The stated bound on 2d: admitted work finishes within it at twice the peak offered load. */
export const OVERLOAD_P99_BOUND_MS = 500;

/** HTTP bodies of `BATCH` events each, as the SDK's HTTP transport writes them. */
export function gatewayBodies(events: readonly { type: string; event: object }[]): string[] {
  const bodies: string[] = [];
  for (let i = 0; i + BATCH <= events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH).map((e) => {
      const { received_time: _r, ...event } = e.event as { received_time?: number };
      return { type: e.type, event };
    });
    bodies.push(JSON.stringify({ events: batch }));
  }
  return bodies;
}

export const gatewayIntake: Benchmark = {
  name: 'gateway',
  title: 'Gateway intake (HTTP batches of 100) vs figure 1',
  async run(ctx): Promise<BenchOutput> {
    const seconds = bySize(ctx.size, { quick: 2, small: 10, full: 20 });
    const connections = bySize(ctx.size, { quick: 8, small: 32, full: 32 });
    const anchorEvents = bySize(ctx.size, { quick: 5_000, small: 100_000, full: 300_000 });
    const s = await startBenchStack(ctx.basePort);
    try {
      const { events } = await loadEvents(ctx, s, anchorEvents);
      const bodies = gatewayBodies(events);
      const gw = await startGatewayProc(s, ctx.profileDir ? { profileDir: ctx.profileDir } : {});
      const headers = {
        'content-type': 'application/json',
        authorization: `Bearer ${GATEWAY_KEY}`,
      };
      let next = 0;
      const requests = [
        {
          method: 'POST',
          path: '/v1/events',
          headers,
          setupRequest: (req: AutocannonRequest) => {
            req.body = bodies[next++ % bodies.length];
            return req;
          },
        },
      ];
      // Warm-up: JIT, producer connections, topic metadata.
      await runLoad({ url: gw.url, connections, duration: ctx.size === 'quick' ? 1 : 3, requests });
      const peak: number[] = [];
      const fig1: number[] = [];
      const p99: number[] = [];
      const goodput: number[] = [];
      const overloadP99: number[] = [];
      const details: unknown[] = [];
      for (let run = 1; run <= ctx.runs; run++) {
        ctx.progress.log(
          `run ${run}/${ctx.runs}: SDK produce (anchor), gateway peak, gateway at half rate`,
        );
        const bar0 = ctx.progress.bar(`run ${run} SDK (anchor)`, events.length, 'events');
        const a = await measureSdk(s, events, 'kafkajs', (d) => bar0.update(d));
        bar0.stop();
        const bar1 = timeBar(ctx.progress, `run ${run} gateway peak`, seconds);
        const full = await runLoad({ url: gw.url, connections, duration: seconds, requests });
        bar1.stop();
        if (full.ok === 0)
          throw new BackbeatError(
            'BENCH_REQUESTS_FAILED',
            `the gateway accepted no batch: statuses ${JSON.stringify(full.status)}`,
          );
        const eventsPerS = (full.ok * BATCH) / full.seconds;
        const half = Math.max(1, Math.floor(full.req_per_s / 2));
        // The gateway's own view of the half-rate load: collections and event-loop delay.
        const before = await runtimeStatsOf(gw.proc);
        const bar2 = timeBar(ctx.progress, `run ${run} gateway @ half`, seconds);
        const halfRun = await runPacedLoad({
          url: gw.url,
          connections,
          duration: seconds,
          rate: half,
          requests,
          distinct: bodies.length,
        });
        bar2.stop();
        if (halfRun.ok === 0)
          throw new BackbeatError(
            'BENCH_REQUESTS_FAILED',
            `the gateway accepted no batch at half rate: ${halfRun.errors} errors, ${halfRun.timeouts} unanswered, statuses ${JSON.stringify(halfRun.status)}`,
          );
        const after = await runtimeStatsOf(gw.proc);
        const gateway =
          before && after
            ? {
                eventloop_lag_max_ms: Math.round(after.eventloop_lag_max_ms),
                gc_over_10ms: after.gc_over_10ms - before.gc_over_10ms,
                gc_over_100ms: after.gc_over_100ms - before.gc_over_100ms,
                gc_seconds: Math.round((after.gc_seconds - before.gc_seconds) * 1000) / 1000,
              }
            : undefined;
        const double = Math.max(2, Math.round(full.req_per_s * 2));
        const bar3 = timeBar(ctx.progress, `run ${run} gateway @ 2x peak`, seconds);
        const over = await runPacedLoad({
          url: gw.url,
          connections: OVERLOAD_CONNECTIONS,
          duration: seconds,
          rate: double,
          requests,
          distinct: bodies.length,
          drainSeconds: 15,
        });
        bar3.stop();
        const overEventsPerS = (over.ok * BATCH) / over.seconds;
        peak.push(eventsPerS);
        fig1.push(a.events_per_s);
        p99.push(halfRun.p99_ms);
        goodput.push(overEventsPerS);
        overloadP99.push(over.p99_ms);
        details.push({
          run,
          sdk: a,
          peak: full,
          half_rate: { target_req_per_s: half, ...halfRun, gateway },
          double_rate: { target_req_per_s: double, events_per_s: overEventsPerS, ...over },
        });
        ctx.progress.log(
          `run ${run}: at ${double} batches/s (2x peak) goodput ${Math.round(overEventsPerS)} events/s (${(overEventsPerS / eventsPerS).toFixed(2)}x peak), accepted p99 ${over.p99_ms.toFixed(1)} ms, statuses ${JSON.stringify(over.status)}, ${over.errors} errors, ${over.timeouts} unanswered`,
        );
        ctx.progress.log(
          `run ${run}: gateway ${Math.round(eventsPerS)} events/s (${full.non2xx} non-2xx, ${full.errors} errors), SDK ${Math.round(a.events_per_s)}/s; at ${half} batches/s p50 ${halfRun.p50_ms.toFixed(1)} ms, p99 ${halfRun.p99_ms.toFixed(1)} ms (service p99 ${halfRun.service_p99_ms.toFixed(1)} ms), ${halfRun.non2xx + halfRun.errors + halfRun.timeouts} failed; gateway: ${JSON.stringify(gateway)}`,
        );
      }
      return {
        rows: [
          {
            figure: '2',
            what: 'gateway intake, events/s accepted (batches of 100)',
            unit: 'events/s',
            values: peak,
            anchor: { what: 'figure 1 (SDK Kafka transport)', unit: 'events/s', values: fig1 },
            target: { on: 'ratio', op: '>=', bound: 0.5 },
          },
          {
            figure: '2b',
            what: 'gateway p99 batch latency at half of peak rate (evenly paced, from due time)',
            unit: 'ms',
            values: p99,
            target: { on: 'value', op: '<=', bound: 50 },
          },
          {
            figure: '2c',
            what: `gateway goodput at 2x peak offered load (evenly paced, ${OVERLOAD_CONNECTIONS} sockets; 200 answers only)`,
            unit: 'events/s',
            values: goodput,
            anchor: { what: 'figure 2 (gateway peak)', unit: 'events/s', values: peak },
            target: { on: 'ratio', op: '>=', bound: 0.8 },
          },
          {
            figure: '2d',
            what: 'gateway p99 latency of accepted batches at 2x peak offered load (from due time)',
            unit: 'ms',
            values: overloadP99,
            target: { on: 'value', op: '<=', bound: OVERLOAD_P99_BOUND_MS },
          },
        ],
        parameters: {
          batch_events: BATCH,
          connections,
          seconds_per_load: seconds,
          distinct_bodies: bodies.length,
          anchor_events: events.length,
          load_driver:
            'autocannon for the peak; the paced open-loop driver (bench/lib/paced-load.ts) for half rate; both in the bench process',
        },
        notes: [
          'Events/s counts only 200 answers (every event accepted and confirmed by Kafka, acks=all) x 100.',
          'The same bodies cycle: the gateway does not de-duplicate across batches, so every batch is produced again.',
          'At 2x peak the gateway sheds what it cannot take before reading the body (503 + Retry-After; GATEWAY_MAX_INFLIGHT_REQUESTS, GATEWAY_MAX_INFLIGHT_BYTES); 2c counts only 200 answers, and the driver does not retry shed batches.',
        ],
        details,
      };
    } finally {
      await s.stop();
    }
  },
};
