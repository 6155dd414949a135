import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { Logger } from '../../common/logging/logger.js';
import { MARKET, PERIOD } from '../../schemas/catalogue/event-validation.js';
import {
  createRoyaltyStatementsReader,
  statementIdOf,
} from '../../read-models/royalties/royalty-statements.reader.js';
import {
  ROYALTY_FACTS_TABLE,
  ROYALTY_LEDGER,
} from '../royalty-ledger/royalty-ledger.projection.js';
import { canonicalPolicy, DEFAULT_POLICY, type RoyaltyPolicy } from './royalty-policy.js';
import { withCloseWork } from './statement-clickhouse.compute.js';
import type { StatementLine, StatementPool } from './statement.types.js';

export type CloseResult =
  | {
      market: string;
      status: 'issued';
      statement_id: string;
      version: number;
      supersedes: string;
      content_hash: string;
      lines: number;
      pool_minor: string;
    }
  | {
      market: string;
      status: 'unchanged';
      statement_id: string;
      version: number;
      content_hash: string;
    }
  | { market: string; status: 'no-report'; streams: number };

export interface CloseOptions {
  period: string;
  market?: string;
  /** Who closes (recorded on the statement). */
  closedBy: string;
  policy?: RoyaltyPolicy;
}

/** A request the close refuses as it is (a bad period or market): never retried. */
export class CloseRequestError extends BackbeatError {
  constructor(message: string) {
    super('ROYALTY_CLOSE_INVALID', message);
  }
}

/**
 * Closes the royalty statements of a period (one market, or every market with a report or
 * streams in it): per market, the pool in force and the ledger's streams are computed into
 * both models inside ClickHouse (statement-clickhouse.compute.ts, to the spec in
 * statement.compute.ts), and a new version is issued only when its content hash
 * differs from the latest version's (closing the same inputs again changes nothing). A new
 * version records each line's delta against the one it supersedes. Lines are written before
 * the header, so a statement exists only whole; one close per market and period runs at a time
 * (a Redis lock).
 */
export async function closeStatements(
  opts: CloseOptions,
  deps: { clickhouse: ClickHouseClient; redis: Redis; logger: Logger; now?: () => number },
): Promise<CloseResult[]> {
  if (!PERIOD.test(opts.period))
    throw new CloseRequestError(`period ${JSON.stringify(opts.period)} is not YYYY-MM`);
  if (opts.market !== undefined && !MARKET.test(opts.market))
    throw new CloseRequestError(`market ${JSON.stringify(opts.market)} is not ISO 3166-1 alpha-2`);
  const policy = opts.policy ?? DEFAULT_POLICY;
  const ch = deps.clickhouse;
  const rows = async <T>(query: string, params: Record<string, unknown> = {}) =>
    (await (await ch.query({ query, query_params: params, format: 'JSONEachRow' })).json()) as T[];
  const markets = opts.market
    ? [opts.market]
    : (
        await rows<{ market: string }>(
          `SELECT DISTINCT market FROM (
             SELECT market FROM royalty_pools WHERE period = {p:String}
             UNION ALL SELECT market FROM royalty_streams WHERE period = {p:String})
           ORDER BY market`,
          { p: opts.period },
        )
      ).map((r) => r.market);
  const out: CloseResult[] = [];
  for (const market of markets) {
    const lock = `bb:royalties:close:${opts.period}:${market}`;
    if ((await deps.redis.set(lock, String(process.pid), 'EX', 600, 'NX')) !== 'OK')
      throw new BackbeatError(
        'ROYALTY_CLOSE_BUSY',
        `${opts.period} ${market} is being closed by another process; try again`,
        { retriable: true },
      );
    try {
      out.push(await closeOne(opts.period, market, policy, opts.closedBy, { ...deps, rows }));
    } finally {
      await deps.redis.del(lock);
    }
  }
  return out;
}

type Rows = <T>(query: string, params?: Record<string, unknown>) => Promise<T[]>;

async function closeOne(
  period: string,
  market: string,
  policy: RoyaltyPolicy,
  closedBy: string,
  deps: { clickhouse: ClickHouseClient; logger: Logger; now?: () => number; rows: Rows },
): Promise<CloseResult> {
  const { rows } = deps;
  const p = { p: period, m: market };
  const [pool] = await rows<{
    report_id: string;
    currency: string;
    minor_unit: number;
    pool_minor: string;
    premium_listeners: string;
  }>(
    `SELECT report_id, currency, minor_unit, toString(pool_minor) AS pool_minor, premium_listeners
     FROM royalty_pools WHERE period = {p:String} AND market = {m:String} AND in_force LIMIT 1`,
    p,
  );
  if (!pool) {
    const [c] = await rows<{ n: string }>(
      `SELECT count() AS n FROM royalty_streams WHERE period = {p:String} AND market = {m:String}`,
      p,
    );
    const n = Number(c?.n ?? 0);
    deps.logger.warn({ period, market, streams: n }, 'no revenue report: no statement');
    return { market, status: 'no-report', streams: n };
  }
  const statementPool: StatementPool = {
    report_id: pool.report_id,
    market,
    period,
    currency: pool.currency,
    minor_unit: Number(pool.minor_unit),
    pool_minor: BigInt(pool.pool_minor),
    premium_listeners: Number(pool.premium_listeners),
  };
  const reader = createRoyaltyStatementsReader({ clickhouse: deps.clickhouse });
  const previous = await reader.latest(period, market);
  const computed = await withCloseWork(deps.clickhouse, { period, market, policy }, async (w) => {
    const hash = await w.contentHash(statementPool);
    if (previous?.content_hash === hash) return { hash };
    return { hash, ...(await w.compute(statementPool)) };
  });
  const hash = computed.hash;
  if (!('result' in computed) || !computed.result)
    return {
      market,
      status: 'unchanged',
      statement_id: previous!.statement_id,
      version: previous!.version,
      content_hash: hash,
    };
  const { result, ledgerLines } = computed;
  const version = (previous?.version ?? 0) + 1;
  const statementId = statementIdOf(period, market, version);
  const before = new Map(
    (previous ? await reader.lines(previous.statement_id) : []).map((l) => [lineKey(l), l]),
  );
  const lineRows = result.lines.map((l) => {
    const old = before.get(lineKey(l));
    before.delete(lineKey(l));
    return lineRow(statementId, period, market, version, l, old);
  });
  // Lines of the previous version that are gone now: listed at 0 with their negative delta.
  for (const old of before.values())
    lineRows.push(
      lineRow(
        statementId,
        period,
        market,
        version,
        {
          ...old,
          weighted_streams_bps: 0n,
          streams: 0,
          streamshare_minor: 0n,
          user_centric_minor: 0n,
        },
        old,
      ),
    );
  const watermark = Object.fromEntries(
    (
      await rows<{ k: string; o: string }>(
        `SELECT concat(topic, ':', toString(partition)) AS k, toString(max(offset)) AS o
         FROM sink_offsets WHERE sink = {s:String} GROUP BY topic, partition ORDER BY k`,
        { s: `${ROYALTY_LEDGER}:${ROYALTY_FACTS_TABLE}` },
      )
    ).map((r) => [r.k, Number(r.o)]),
  );
  if (lineRows.length)
    await deps.clickhouse.insert({
      table: 'royalty_statement_lines',
      values: lineRows,
      format: 'JSONEachRow',
    });
  const t = result.totals;
  await deps.clickhouse.insert({
    table: 'royalty_statements',
    values: [
      {
        statement_id: statementId,
        period,
        market,
        version,
        supersedes: previous?.statement_id ?? '',
        report_id: pool.report_id,
        currency: pool.currency,
        minor_unit: Number(pool.minor_unit),
        pool_minor: pool.pool_minor,
        premium_listeners: Number(pool.premium_listeners),
        policy_version: policy.version,
        policy: JSON.stringify(canonicalPolicy(policy)),
        ledger_lines: ledgerLines,
        counted_streams: t.counted_streams,
        watermark: JSON.stringify(watermark),
        content_hash: hash,
        totals: JSON.stringify({
          pool_minor: t.pool_minor.toString(),
          streamshare_minor: t.streamshare_minor.toString(),
          user_centric_minor: t.user_centric_minor.toString(),
          counted_streams: t.counted_streams,
          excluded_streams: t.excluded_streams,
          listeners: t.listeners,
          silent_listeners: t.silent_listeners,
          divisor: t.divisor,
          excluded: result.excluded,
        }),
        closed_at: new Date(deps.now?.() ?? Date.now())
          .toISOString()
          .replace('T', ' ')
          .replace('Z', ''),
        closed_by: closedBy,
      },
    ],
    format: 'JSONEachRow',
  });
  deps.logger.info({ statement_id: statementId, lines: lineRows.length, hash }, 'statement issued');
  return {
    market,
    status: 'issued',
    statement_id: statementId,
    version,
    supersedes: previous?.statement_id ?? '',
    content_hash: hash,
    lines: lineRows.length,
    pool_minor: pool.pool_minor,
  };
}

const lineKey = (l: { label_id: string; rights_holder_id: string; track_id: string }) =>
  `${l.label_id}\u0000${l.rights_holder_id}\u0000${l.track_id}`;

function lineRow(
  statementId: string,
  period: string,
  market: string,
  version: number,
  l: Omit<StatementLine, 'weighted_streams_bps' | 'streamshare_minor' | 'user_centric_minor'> & {
    weighted_streams_bps: bigint | string;
    streamshare_minor: bigint | string;
    user_centric_minor: bigint | string;
  },
  old?: { streamshare_minor: string; user_centric_minor: string },
) {
  const ss = BigInt(l.streamshare_minor);
  const uc = BigInt(l.user_centric_minor);
  return {
    statement_id: statementId,
    period,
    market,
    version,
    label_id: l.label_id,
    rights_holder_id: l.rights_holder_id,
    rights_holder_name: l.rights_holder_name,
    track_id: l.track_id,
    isrc: l.isrc,
    streams: l.streams,
    weighted_streams_bps: String(l.weighted_streams_bps),
    streamshare_minor: ss.toString(),
    user_centric_minor: uc.toString(),
    delta_streamshare_minor: (ss - BigInt(old?.streamshare_minor ?? 0)).toString(),
    delta_user_centric_minor: (uc - BigInt(old?.user_centric_minor ?? 0)).toString(),
  };
}
