/**
 * Figure R: closing one month of N royalty ledger lines (10M at full size) with the real
 * `closeStatements` (processors/royalty-statements), against a plain grouped
 * `SELECT rights_holder_id, track_id, sum(share_bps) FROM royalty_ledger … GROUP BY …` over the
 * same lines in the same run. The ledger's facts (uploads with their splits, qualified streams,
 * one pool per market) are written straight into `royalty_facts` with ClickHouse
 * INSERT … SELECT FROM numbers(), as figure 7 writes its plays: the ledger processor's own
 * throughput is figure 3's business.
 */
import {
  closeStatements,
  type CloseResult,
} from '../../processors/royalty-statements/statement-close.service.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { createLogger } from '../../common/logging/logger.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { startBenchStack, type BenchStack } from '../lib/stack.js';

export const PERIOD = '2026-11';
export const MARKET = 'SE';

export const ANCHOR_SQL = `SELECT rights_holder_id, track_id, sum(share_bps) AS bps
FROM royalty_ledger
WHERE period = {p:String} AND market = {m:String}
GROUP BY rights_holder_id, track_id`;

/**
 * One upload per track, before the month: 1–3 rights holders (by a hash of the track, so the
 * count does not follow popularity) whose shares sum to 10000, one of 50 labels.
 */
export function insertUploadsSql(tracks: number): string {
  return `INSERT INTO royalty_facts (kind, event_id, event_time, period, track_id, isrc, label_id,
  label_name, title, duration_ms, artists, holders, topic, partition, offset)
SELECT 'upload', generateUUIDv4(number), toDateTime64('2026-10-01 00:00:00', 3, 'UTC') + toIntervalMinute(number),
  '', concat('track-', toString(number)), concat('SEBNC26', leftPad(toString(number), 5, '0')),
  concat('label-', toString(number % 50)), concat('Label ', toString(number % 50)),
  concat('Track ', toString(number)), 180000, [concat('Artist ', toString(number % 997))],
  arrayMap(i -> (concat('rh-', toString((number * 7 + i) % 2000)), concat('Holder ', toString((number * 7 + i) % 2000)),
    'label', toUInt32([[10000], [6000, 4000], [5000, 3000, 2000]][k][i + 1])), range(k)),
  'backbeat.track-uploads', 0, number
FROM (SELECT number, toUInt8(1 + cityHash64(number) % 3) AS k FROM numbers(${tracks}))`;
}

/**
 * Qualified streams of the month in one market: Zipf-like track popularity, `users` listeners
 * (every third one FREE), event times spread over November 2026.
 */
export function insertStreamsSql(from: number, n: number, tracks: number, users: number): string {
  return `INSERT INTO royalty_facts (kind, event_id, event_time, period, track_id, playback_id, user_id,
  market, product, ms_played, topic, partition, offset)
SELECT 'stream', generateUUIDv4(number), toDateTime64('2026-11-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(rand64(4) % 2592000000),
  '${PERIOD}', concat('track-', toString(toUInt32(pow(rand(2) / 4294967295.0, 3) * ${tracks}) % ${tracks})),
  toString(generateUUIDv4(number + 1)), concat('user-', toString(u)), '${MARKET}',
  if(u % 3 = 0, 'FREE', 'PREMIUM'), 30000 + rand(3) % 200000, 'backbeat.playback', number % 3, number
FROM (SELECT number, rand(1) % ${users} AS u FROM numbers(${from}, ${n}))`;
}

export function insertPoolSql(premiumListeners: number): string {
  return `INSERT INTO royalty_facts (kind, event_id, event_time, period, market, report_id, currency,
  minor_unit, pool_minor, premium_listeners, topic, partition, offset)
VALUES ('pool', generateUUIDv4(), toDateTime64('2026-12-02 00:00:00', 3, 'UTC'), '${PERIOD}', '${MARKET}',
  'bench-${MARKET}-${PERIOD}', 'SEK', 2, 1234567890, ${premiumListeners}, 'backbeat.revenue-reports', 0, 0)`;
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

async function countOf(s: BenchStack, query: string): Promise<number> {
  const res = await s.clickhouse.client.query({
    query,
    query_params: { p: PERIOD, m: MARKET },
    format: 'JSONEachRow',
  });
  const [row] = (await res.json()) as { n: string }[];
  return Number(row?.n ?? 0);
}

/**
 * A connection to the stack's chDB server whose requests may run for an hour: the client's
 * default request timeout (30 s) is shorter than a full-size close's queries.
 */
export const openLongClickHouse = (s: BenchStack) =>
  openClickHouse(s.config.clickhouse, { requestTimeoutMs: 3_600_000 });

/** Synthetic ledger facts for PERIOD and MARKET: uploads, streams (a million per insert), one pool. */
export async function seedRoyaltyFacts(
  ch: ClickHouseClient,
  o: { tracks: number; streams: number; users: number; premium: number },
  onStreams?: (inserted: number) => void,
): Promise<void> {
  await ch.command({ query: insertUploadsSql(o.tracks) });
  const chunk = 1_000_000;
  for (let from = 0; from < o.streams; from += chunk) {
    await ch.command({
      query: insertStreamsSql(from, Math.min(chunk, o.streams - from), o.tracks, o.users),
    });
    onStreams?.(Math.min(o.streams, from + chunk));
  }
  await ch.command({ query: insertPoolSql(o.premium) });
}

export const royaltyClose: Benchmark = {
  name: 'royalty-close',
  title: 'Closing one month of N royalty ledger lines vs a grouped sum over the same lines',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const streams = bySize(ctx.size, { quick: 20_000, small: 500_000, full: 5_000_000 });
    const tracks = bySize(ctx.size, { quick: 500, small: 3_000, full: 5_000 });
    const users = bySize(ctx.size, { quick: 2_000, small: 20_000, full: 50_000 });
    const s = await startBenchStack(ctx.basePort);
    const handle = await openLongClickHouse(s).catch(async (err: unknown) => {
      await s.stop();
      throw err;
    });
    const ch = handle.client;
    try {
      const i0 = performance.now();
      const bar = ctx.progress.bar('insert streams', streams, 'rows');
      // Paying listeners per the report: the PREMIUM users plus 5% silent subscribers.
      const premium = Math.ceil(((users * 2) / 3) * 1.05);
      await seedRoyaltyFacts(ch, { tracks, streams, users, premium }, (done) => bar.update(done));
      bar.stop();
      const insertS = (performance.now() - i0) / 1000;
      // Warm-up (marks cache, plan) and N, through the ledger view both sides read.
      const lines = await countOf(
        s,
        'SELECT count() AS n FROM royalty_ledger WHERE period = {p:String} AND market = {m:String}',
      );
      const streamRows = await countOf(
        s,
        'SELECT count() AS n FROM royalty_streams WHERE period = {p:String} AND market = {m:String}',
      );
      const anchorQuery = async () =>
        (
          (await (
            await ch.query({
              query: ANCHOR_SQL,
              query_params: { p: PERIOD, m: MARKET },
              format: 'JSONEachRow',
            })
          ).json()) as unknown[]
        ).length;
      const groups = await anchorQuery();
      const logger = createLogger({ level: 'error' }, 'bench-royalty-close');
      const close = async (): Promise<CloseResult> => {
        // A second close of the same inputs is 'unchanged' (equal hash): drop the statement of
        // this market and period first so that every run computes and writes one (version 1).
        for (const table of ['royalty_statement_lines', 'royalty_statements'])
          await ch.command({
            query: `DELETE FROM ${table} WHERE period = {p:String} AND market = {m:String}`,
            query_params: { p: PERIOD, m: MARKET },
          });
        const r = await timed(() =>
          closeStatements(
            { period: PERIOD, market: MARKET, closedBy: 'bench' },
            { clickhouse: ch, redis: s.redis, logger },
          ),
        );
        const [one] = r.value;
        if (one?.status !== 'issued' || one.version !== 1)
          throw new BackbeatError(
            'BENCH_UNEXPECTED',
            `the close did not issue a fresh version 1: ${JSON.stringify(r.value)}`,
          );
        closeMs.push(r.ms);
        return one;
      };
      const closeMs: number[] = [];
      const anchorMs: number[] = [];
      const details: unknown[] = [];
      for (let run = 1; run <= ctx.runs; run++) {
        const first = run % 2 ? 'close' : 'anchor';
        let issued: CloseResult | undefined;
        let a: { ms: number; value: number } | undefined;
        if (first === 'close') {
          issued = await close();
          a = await timed(anchorQuery);
        } else {
          a = await timed(anchorQuery);
          issued = await close();
        }
        anchorMs.push(a.ms);
        const c = closeMs[closeMs.length - 1] as number;
        details.push({ run, first, close_ms: c, anchor_ms: a.ms, anchor_rows: a.value, issued });
        ctx.progress.log(
          `run ${run}: close ${(c / 1000).toFixed(2)} s (${issued.status === 'issued' ? issued.lines : 0} statement lines), grouped sum ${(a.ms / 1000).toFixed(2)} s (${a.value} groups)`,
        );
      }
      const last = details[details.length - 1] as { issued?: CloseResult } | undefined;
      return {
        rows: [
          {
            figure: 'R',
            what: `close one month of royalty ledger lines (${lines.toLocaleString('en-US')} lines, one market)`,
            unit: 's',
            values: closeMs.map((ms) => ms / 1000),
            anchor: {
              what: 'grouped sum(share_bps) by holder and track over the same lines',
              unit: 's',
              values: anchorMs.map((ms) => ms / 1000),
            },
            target: { on: 'ratio', op: '<=', bound: 3 },
          },
        ],
        parameters: {
          ledger_lines: lines,
          streams: streamRows,
          tracks,
          users,
          period: PERIOD,
          market: MARKET,
          premium_listeners: premium,
          anchor_groups: groups,
          statement_lines: last?.issued?.status === 'issued' ? last.issued.lines : 0,
          insert_seconds: Math.round(insertS),
          anchor: ANCHOR_SQL.replace(/\s+/g, ' '),
        },
        notes: [
          'N = count() of royalty_ledger (streams × rights holders) for the period and market; both sides read the ledger views (royalty_facts FINAL, the split join).',
          'closeStatements runs in the bench process with the stack’s Redis and a ClickHouse client to the stack’s chDB server (request timeout 1 h: the client’s default 30 s is shorter than a full-size close’s queries); before each timed close the statement of that market and period is deleted (DELETE FROM royalty_statement_lines / royalty_statements WHERE period AND market, not timed), so every run computes, hashes and writes a fresh version 1 (checked).',
          'The anchor’s rows are read to the end (JSONEachRow) like the close reads its own; the two alternate which goes first per run; a count() of the ledger and one anchor query warm up first.',
          'Facts are synthetic rows inserted with INSERT … SELECT FROM numbers(): one upload per track in October (1–3 holders, shares summing to 10000, 50 labels), qualified streams over November (Zipf-like tracks; every third user FREE), one pool with premium_listeners 5% above the PREMIUM users.',
        ],
        details,
      };
    } finally {
      await handle.close();
      await s.stop();
    }
  },
};
