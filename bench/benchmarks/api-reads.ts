/**
 * Figure 5: the read API's hot reads (GET /v1/tracks/:id and GET /v1/me/recently-played, half
 * each, over the projections of a simulated week) in req/s and p99 at peak, against a bare
 * node:http handler doing the same Redis reads (bench/servers/bare-reads.server.ts) under the
 * same autocannon load; then the p99 of each at a fixed 5k req/s, offered evenly by the paced
 * driver (lib/paced-load.ts). Beside them, the same two routes
 * with the same per-request work on fastify (bench/servers/fastify-reads.server.ts): would a
 * faster framework than express clear the target?
 */
import { loadConfig } from '../../common/config/app.config.js';
import { mintToken } from '../../api/app/auth/api-token.js';
import type { ProjectionName } from '../../processors/host/projection-registry.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import type { AutocannonRequest } from 'autocannon';
import { runLoad, type LoadResult } from '../lib/load.js';
import { runPacedLoad } from '../lib/paced-load.js';
import { spawnNode, waitHttpOk } from '../lib/procs.js';
import { spread } from '../lib/stats.js';
import { timeBar } from '../lib/progress.js';
import { startApiProc, startProcessorProcs, waitAllApplied } from '../lib/services.js';
import { startBenchStack } from '../lib/stack.js';
import { prefill } from './processors.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

const READ_PROJECTIONS: ProjectionName[] = ['user-state', 'play-counts', 'catalogue'];

export const apiReads: Benchmark = {
  name: 'api-reads',
  title: 'API hot reads vs a bare node:http handler with the same Redis reads',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const events = bySize(ctx.size, { quick: 20_000, small: 200_000, full: 1_000_000 });
    const seconds = bySize(ctx.size, { quick: 2, small: 10, full: 20 });
    const connections = bySize(ctx.size, { quick: 10, small: 50, full: 50 });
    const fixedRate = bySize(ctx.size, { quick: 500, small: 5000, full: 5000 });
    const s = await startBenchStack(ctx.basePort);
    try {
      const prof = ctx.profileDir ? { profileDir: ctx.profileDir } : {};
      const { meta } = await prefill(ctx, s, events);
      const procs = await startProcessorProcs(s, READ_PROJECTIONS);
      const bar = ctx.progress.bar('projections', 1, 'events');
      await waitAllApplied(s, READ_PROJECTIONS, {
        procs: [...procs.values()],
        onProgress: (d, t) => (bar.setTotal(t), bar.update(d)),
      });
      bar.stop();
      await Promise.all([...procs.values()].map((p) => p.stop()));

      const config = loadConfig(s.env);
      const tokens = meta.users
        .slice(0, 2000)
        .map((u) =>
          mintToken({ role: 'user', sub: u, ttlSeconds: 24 * 3600 }, config.api.tokenSecret),
        );
      const tracks = meta.tracks;
      if (!tokens.length || !tracks.length)
        throw new BackbeatError('BENCH_NO_WORKLOAD', 'the workload has no users or tracks to read');
      let i = 0;
      const requests = [
        {
          method: 'GET',
          setupRequest: (req: AutocannonRequest) => {
            const n = i++;
            if (n % 2 === 0) {
              req.path = `/v1/tracks/${encodeURIComponent(tracks[(n >> 1) % tracks.length] as string)}`;
              req.headers = {};
            } else {
              req.path = '/v1/me/recently-played?limit=20';
              req.headers = { authorization: `Bearer ${tokens[(n >> 1) % tokens.length]}` };
            }
            return req;
          },
        },
      ];
      const api = await startApiProc(s, prof);
      const barePort = s.base + 85;
      const bareProc = spawnNode(
        'bare-reads',
        'bench/servers/bare-reads.server.ts',
        [String(barePort)],
        s.env,
        prof,
      );
      const bareUrl = `http://127.0.0.1:${barePort}`;
      await waitHttpOk(`${bareUrl}/healthz`, bareProc);
      const fastifyPort = s.base + 86;
      const fastifyProc = spawnNode(
        'fastify-reads',
        'bench/servers/fastify-reads.server.ts',
        [String(fastifyPort)],
        s.env,
        prof,
      );
      const fastifyUrl = `http://127.0.0.1:${fastifyPort}`;
      await waitHttpOk(`${fastifyUrl}/healthz`, fastifyProc);
      const urls = { api: api.url, bare: bareUrl, fastify: fastifyUrl };
      // Sanity: all answer the same reads with 200.
      for (const url of Object.values(urls)) {
        const r1 = await fetch(`${url}/v1/tracks/${encodeURIComponent(tracks[0] as string)}`);
        const r2 = await fetch(`${url}/v1/me/recently-played?limit=20`, {
          headers: { authorization: `Bearer ${tokens[0]}` },
        });
        await r1.arrayBuffer();
        await r2.arrayBuffer();
        if (r1.status !== 200 || r2.status !== 200)
          throw new BackbeatError(
            'BENCH_REQUESTS_FAILED',
            `${url} answered ${r1.status} and ${r2.status} to the hot reads`,
          );
      }
      // Warm-up (JIT, connections) for both.
      const warm = ctx.size === 'quick' ? 1 : 3;
      for (const url of Object.values(urls))
        await runLoad({ url, connections, duration: warm, requests });

      type Side = keyof typeof urls;
      type Run = { peak: Record<Side, LoadResult>; fixed: Record<Side, LoadResult> };
      const runs: Run[] = [];
      const check = (what: string, r: LoadResult) => {
        if (r.non2xx + r.errors + r.timeouts > r.requests * 0.001)
          throw new BackbeatError(
            'BENCH_REQUESTS_FAILED',
            `${what}: ${r.non2xx} non-2xx, ${r.errors} errors and ${r.timeouts} unanswered of ${r.requests}: ${JSON.stringify(r.status)}`,
          );
      };
      const sides = Object.keys(urls) as Side[];
      for (let run = 1; run <= ctx.runs; run++) {
        ctx.progress.log(
          `run ${run}/${ctx.runs}: API, bare handler and fastify at peak, then each at ${fixedRate} req/s`,
        );
        // One load against one side: at peak (autocannon, closed loop), or at the fixed rate
        // when given (the paced open-loop driver: even arrivals, latency from the due time).
        const load = async (side: Side, rate?: number) => {
          const what = rate ? `${side} @ ${rate}/s` : `${side} peak`;
          const b = timeBar(ctx.progress, `run ${run} ${what}`, seconds);
          const opts = { url: urls[side], connections, duration: seconds, requests };
          const r = rate ? await runPacedLoad({ ...opts, rate }) : await runLoad(opts);
          b.stop();
          check(what, r);
          return r;
        };
        // Every side in turn, the order rotated run by run, so no side always runs first (or
        // last) on a warm machine.
        const eachSide = async (rate?: number) => {
          const out = {} as Record<Side, LoadResult>;
          for (const k of sides.keys()) {
            const side = sides[(k + run - 1) % sides.length]!;
            out[side] = await load(side, rate);
          }
          return out;
        };
        const peak = await eachSide();
        const fixed = await eachSide(fixedRate);
        runs.push({ peak, fixed });
        const { api: a, bare, fastify: f } = peak;
        ctx.progress.log(
          `run ${run}: API ${Math.round(a.req_per_s)} req/s (p99 ${a.p99_ms} ms), bare ${Math.round(bare.req_per_s)} req/s (p99 ${bare.p99_ms} ms), fastify ${Math.round(f.req_per_s)} req/s (p99 ${f.p99_ms} ms); at ${fixedRate}/s p99: API ${fixed.api.p99_ms.toFixed(1)} ms, fastify ${fixed.fastify.p99_ms.toFixed(1)} ms, bare ${fixed.bare.p99_ms.toFixed(1)} ms`,
        );
      }
      const atPeak = (side: Side, k: 'req_per_s' | 'p99_ms') => runs.map((r) => r.peak[side][k]);
      const atRate = (side: Side, k: 'req_per_s' | 'p99_ms') => runs.map((r) => r.fixed[side][k]);
      const bareRps = atPeak('bare', 'req_per_s');
      const bareP99 = atPeak('bare', 'p99_ms');
      await fastifyProc.stop();
      await bareProc.stop();
      await api.proc.stop();
      return {
        rows: [
          {
            figure: '5',
            what: 'API hot reads, req/s at peak',
            unit: 'req/s',
            values: atPeak('api', 'req_per_s'),
            anchor: { what: 'bare node:http, same reads', unit: 'req/s', values: bareRps },
            target: { on: 'ratio', op: '>=', bound: 0.5 },
          },
          {
            figure: '5b',
            what: 'API p99 at peak',
            unit: 'ms',
            values: atPeak('api', 'p99_ms'),
            anchor: { what: 'bare p99 at peak', unit: 'ms', values: bareP99 },
          },
          {
            figure: '5c',
            what: `API p99 at ${fixedRate} req/s`,
            unit: 'ms',
            note: `achieved ${Math.round(spread(atRate('api', 'req_per_s'))?.median ?? 0)} req/s`,
            values: atRate('api', 'p99_ms'),
            target: { on: 'value', op: '<=', bound: 10 },
          },
          {
            figure: '5d',
            what: 'same routes and per-request work on fastify (library comparison), req/s at peak',
            unit: 'req/s',
            values: atPeak('fastify', 'req_per_s'),
            anchor: { what: 'bare node:http, same reads', unit: 'req/s', values: bareRps },
            target: { on: 'ratio', op: '>=', bound: 0.5 },
          },
          {
            figure: '5e',
            what: 'fastify p99 at peak',
            unit: 'ms',
            values: atPeak('fastify', 'p99_ms'),
            anchor: { what: 'bare p99 at peak', unit: 'ms', values: bareP99 },
          },
          {
            figure: '5f',
            what: `fastify p99 at ${fixedRate} req/s`,
            unit: 'ms',
            values: atRate('fastify', 'p99_ms'),
            target: { on: 'value', op: '<=', bound: 10 },
          },
          {
            figure: '5g',
            what: `bare node:http handler p99 at ${fixedRate} req/s (the floor: same reads, same driver, same cores)`,
            unit: 'ms',
            values: atRate('bare', 'p99_ms'),
          },
        ],
        parameters: {
          events: meta.events,
          mix: 'GET /v1/tracks/:id (catalogue doc + counts) and GET /v1/me/recently-played?limit=20 (user token), alternating',
          tracks: tracks.length,
          users: tokens.length,
          connections,
          seconds_per_load: seconds,
          fixed_rate: fixedRate,
          load_driver:
            'autocannon for the peaks (closed loop, same options for every side); the paced open-loop driver (bench/lib/paced-load.ts: even arrivals, latency from the due time) for the fixed rate; both in the bench process',
          log_level: 'warn (request logs are info: not written)',
        },
        notes: [
          'The bare handler uses the same readers (processors/*/…reader.ts) and token check; what the ratio prices is Express, the middleware (request ids, metrics, logging), ETags and problem+json.',
          'Rows 5d-5f: the same two routes on fastify 5 with the same per-request work (request id, the two HTTP metrics, a log line when info is on, ETag + Cache-Control + 304, token check, problem+json), in bench/servers/fastify-reads.server.ts; the express API is what ships.',
        ],
        details: runs.map((r, i) => ({
          run: i + 1,
          ...r.peak,
          api_fixed_rate: { rate: fixedRate, ...r.fixed.api },
          fastify_fixed_rate: { rate: fixedRate, ...r.fixed.fastify },
          bare_fixed_rate: { rate: fixedRate, ...r.fixed.bare },
        })),
      };
    } finally {
      await s.stop();
    }
  },
};
