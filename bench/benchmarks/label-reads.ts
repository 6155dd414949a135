/**
 * Figure L: the label endpoints at peak. `GET /v1/label/statements/{id}` (a label's statement
 * as JSON, each request with the token of one of 50 labels) through the API, in req/s and p99,
 * against the store's own floor measured in the same run: the statement-lines query the API's
 * reader runs, sent straight to the stack's chDB server over HTTP by the same autocannon load.
 * The API makes two such queries per request (the header, then the label's lines) and adds the
 * token check, the rate limiter, the JSON view and its ETag, so 0.5 is its ceiling.
 */
import type { AutocannonRequest } from 'autocannon';
import { mintToken } from '../../api/app/auth/api-token.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { closeStatements } from '../../processors/royalty-statements/statement-close.service.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { startApiProc } from '../lib/services.js';
import { startBenchStack } from '../lib/stack.js';
import { MARKET, PERIOD, openLongClickHouse, seedRoyaltyFacts } from './royalty-close.js';

const LABELS = 50; // insertUploadsSql spreads tracks over label-0 … label-49

/** The lines query of read-models/royalties/royalty-statements.reader.ts, for one label. */
const linesSql = (statementId: string, label: string) =>
  `SELECT label_id, rights_holder_id, rights_holder_name, track_id, isrc, streams,
  toString(weighted_streams_bps) AS weighted_streams_bps, toString(streamshare_minor) AS streamshare_minor,
  toString(user_centric_minor) AS user_centric_minor, toString(delta_streamshare_minor) AS delta_streamshare_minor,
  toString(delta_user_centric_minor) AS delta_user_centric_minor
FROM royalty_statement_lines FINAL
WHERE statement_id = '${statementId}' AND label_id = '${label}'
ORDER BY label_id, rights_holder_id, track_id FORMAT JSONEachRow`;

export const labelReads: Benchmark = {
  name: 'label-reads',
  title: "A label's statement through the API vs the statement-lines query straight to ClickHouse",
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const streams = bySize(ctx.size, { quick: 20_000, small: 200_000, full: 1_000_000 });
    const tracks = bySize(ctx.size, { quick: 500, small: 3_000, full: 5_000 });
    const users = bySize(ctx.size, { quick: 2_000, small: 20_000, full: 50_000 });
    const seconds = bySize(ctx.size, { quick: 2, small: 10, full: 20 });
    const connections = bySize(ctx.size, { quick: 10, small: 50, full: 50 });
    const s = await startBenchStack(ctx.basePort);
    const handle = await openLongClickHouse(s).catch(async (err: unknown) => {
      await s.stop();
      throw err;
    });
    const ch = handle.client;
    try {
      await seedRoyaltyFacts(ch, { tracks, streams, users, premium: Math.ceil((users * 2) / 3) });
      const [closed] = await closeStatements(
        { period: PERIOD, market: MARKET, closedBy: 'bench' },
        { clickhouse: ch, redis: s.redis, logger: createLogger({ level: 'error' }, 'bench') },
      );
      if (closed?.status !== 'issued')
        throw new BackbeatError('BENCH_UNEXPECTED', `no statement: ${JSON.stringify(closed)}`);
      const id = closed.statement_id;
      const tokens = Array.from({ length: LABELS }, (_, i) =>
        mintToken(
          { role: 'label', sub: `label-${i}`, ttlSeconds: 24 * 3600 },
          s.config.api.tokenSecret,
        ),
      );
      // The limiter is per credential; the bench measures capacity, so it lifts the limit.
      const api = await startApiProc(s, {
        env: { API_LABEL_RATE_PER_S: '1000000', API_LABEL_RATE_BURST: '1000000' },
      });
      const probe = await fetch(`${api.url}/v1/label/statements/${id}`, {
        headers: { authorization: `Bearer ${tokens[0]}` },
      });
      if (probe.status !== 200)
        throw new BackbeatError('BENCH_NOT_READY', `label statement answered ${probe.status}`);
      const chUrl = new URL(s.config.clickhouse.url);
      const basic = `Basic ${Buffer.from(`${decodeURIComponent(chUrl.username)}:${decodeURIComponent(chUrl.password)}`).toString('base64')}`;
      const chBase = `${chUrl.protocol}//${chUrl.host}`;
      const direct = await fetch(`${chBase}/?database=${s.config.clickhouse.database}`, {
        method: 'POST',
        headers: { authorization: basic },
        body: linesSql(id, 'label-0'),
      });
      if (direct.status !== 200)
        throw new BackbeatError(
          'BENCH_NOT_READY',
          `chDB answered ${direct.status}: ${await direct.text()}`,
        );

      const apiRuns: LoadResult[] = [];
      const chRuns: LoadResult[] = [];
      for (let run = 1; run <= ctx.runs; run++) {
        let i = 0;
        const viaApi = () =>
          runLoad({
            url: api.url,
            connections,
            duration: seconds,
            requests: [
              {
                method: 'GET',
                setupRequest: (req: AutocannonRequest) => {
                  req.path = `/v1/label/statements/${id}`;
                  req.headers = { authorization: `Bearer ${tokens[i++ % LABELS]}` };
                  return req;
                },
              },
            ],
          });
        let j = 0;
        const viaCh = () =>
          runLoad({
            url: chBase,
            connections,
            duration: seconds,
            requests: [
              {
                method: 'POST',
                setupRequest: (req: AutocannonRequest) => {
                  req.path = `/?database=${s.config.clickhouse.database}`;
                  req.headers = { authorization: basic };
                  req.body = linesSql(id, `label-${j++ % LABELS}`);
                  return req;
                },
              },
            ],
          });
        // Alternate which side goes first, as the other HTTP figures do.
        const [a, c] = run % 2 ? [await viaApi(), await viaCh()] : [undefined, await viaCh()];
        const apiResult = a ?? (await viaApi());
        apiRuns.push(apiResult);
        chRuns.push(c);
        ctx.progress.log(
          `run ${run}: API ${Math.round(apiResult.req_per_s)} req/s (p99 ${apiResult.p99_ms} ms, ${apiResult.non2xx} non-2xx), ClickHouse ${Math.round(c.req_per_s)} req/s (p99 ${c.p99_ms} ms)`,
        );
      }
      await api.proc.stop();
      return {
        rows: [
          {
            figure: 'L',
            what: "GET /v1/label/statements/{id}, a label's statement as JSON, req/s at peak",
            unit: 'req/s',
            values: apiRuns.map((r) => r.req_per_s),
            anchor: {
              what: "the statement-lines query straight to the chDB server (one of the API's two per request)",
              unit: 'req/s',
              values: chRuns.map((r) => r.req_per_s),
            },
            target: { on: 'ratio', op: '>=', bound: 0.25 },
          },
          {
            figure: 'Lb',
            what: 'GET /v1/label/statements/{id}, p99 at peak',
            unit: 'ms',
            values: apiRuns.map((r) => r.p99_ms),
            anchor: {
              what: 'p99 of the statement-lines query straight to the chDB server',
              unit: 'ms',
              values: chRuns.map((r) => r.p99_ms),
            },
          },
        ],
        parameters: { streams, tracks, users, labels: LABELS, connections, seconds, statement: id },
        notes: [
          "A statement closed once from synthetic ledger facts (the royalty-close figure's INSERT … SELECT), then read by 50 label tokens in turn; the API runs with the per-credential limit lifted (API_LABEL_RATE_PER_S), since the figure measures capacity.",
          "The anchor sends the reader's lines query for the same statement and labels to the chDB server by POST, authenticated as Backbeat's ClickHouse user: the store's own floor. The API makes two store queries per request (header, lines), so a ratio of 0.5 is its ceiling; the target 0.25 allows its own work (token, limiter, JSON view, ETag) to cost as much again.",
          'Every API answer counted is a 200; non-2xx answers are logged per run.',
        ],
        details: apiRuns.map((a, k) => ({ run: k + 1, api: a, clickhouse: chRuns[k] })),
      };
    } finally {
      await handle.close();
      await s.stop();
    }
  },
};
