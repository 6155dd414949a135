import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Reads closed royalty statements (tables royalty_statements and royalty_statement_lines,
 * written by processors/royalty-statements). A statement exists once its header does; its
 * lines are written first. Reads use FINAL, so a close retried after a failure (the same rows
 * again) never shows twice. With a `label`, only statements with lines of that label are seen,
 * and only those lines: another label's statement is simply not there.
 */
export interface StatementHeader {
  statement_id: string;
  period: string;
  market: string;
  version: number;
  supersedes: string;
  report_id: string;
  currency: string;
  minor_unit: number;
  pool_minor: string;
  premium_listeners: number;
  policy_version: number;
  policy: Record<string, unknown>;
  ledger_lines: number;
  counted_streams: number;
  watermark: Record<string, number>;
  content_hash: string;
  totals: Record<string, unknown>;
  closed_at: string;
  closed_by: string;
}

export interface StoredLine {
  label_id: string;
  rights_holder_id: string;
  rights_holder_name: string;
  track_id: string;
  isrc: string;
  streams: number;
  weighted_streams_bps: string;
  streamshare_minor: string;
  user_centric_minor: string;
  delta_streamshare_minor: string;
  delta_user_centric_minor: string;
}

interface RawHeader extends Omit<StatementHeader, 'policy' | 'watermark' | 'totals'> {
  policy: string;
  watermark: string;
  totals: string;
}

const HEADER_COLUMNS = `statement_id, period, market, version, supersedes, report_id, currency,
  minor_unit, toString(pool_minor) AS pool_minor, premium_listeners, policy_version, policy,
  ledger_lines, counted_streams, watermark, content_hash, totals,
  toString(closed_at) AS closed_at, closed_by`;

const LINE_COLUMNS = `label_id, rights_holder_id, rights_holder_name, track_id, isrc, streams,
  toString(weighted_streams_bps) AS weighted_streams_bps,
  toString(streamshare_minor) AS streamshare_minor, toString(user_centric_minor) AS user_centric_minor,
  toString(delta_streamshare_minor) AS delta_streamshare_minor,
  toString(delta_user_centric_minor) AS delta_user_centric_minor`;

function header(r: RawHeader): StatementHeader {
  return {
    ...r,
    version: Number(r.version),
    minor_unit: Number(r.minor_unit),
    premium_listeners: Number(r.premium_listeners),
    policy_version: Number(r.policy_version),
    ledger_lines: Number(r.ledger_lines),
    counted_streams: Number(r.counted_streams),
    // DateTime64(3, 'UTC') text ("2026-12-02 03:06:11.700") as ISO 8601 in UTC.
    closed_at: `${r.closed_at.replace(' ', 'T')}Z`,
    policy: JSON.parse(r.policy) as Record<string, unknown>,
    watermark: JSON.parse(r.watermark) as Record<string, number>,
    totals: JSON.parse(r.totals) as Record<string, unknown>,
  };
}

const line = (r: StoredLine): StoredLine => ({ ...r, streams: Number(r.streams) });

export function createRoyaltyStatementsReader(deps: { clickhouse: ClickHouseClient }) {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await (
      await deps.clickhouse.query({ query, query_params: params, format: 'JSONEachRow' })
    ).json()) as T[];

  return {
    /** Headers, newest period first; with `label`, only those with lines of that label. */
    async list(opts: { label?: string; limit: number; offset: number }) {
      const where = opts.label
        ? `WHERE statement_id IN (SELECT statement_id FROM royalty_statement_lines FINAL WHERE label_id = {label:String})`
        : '';
      const out = await rows<RawHeader>(
        `SELECT ${HEADER_COLUMNS} FROM royalty_statements FINAL ${where}
         ORDER BY period DESC, market, version DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        { label: opts.label ?? '', limit: opts.limit + 1, offset: opts.offset },
      );
      return { items: out.slice(0, opts.limit).map(header), more: out.length > opts.limit };
    },

    /** One statement with its lines (with `label`: that label's lines; none → undefined). */
    async get(statementId: string, opts: { label?: string } = {}) {
      const [h] = await rows<RawHeader>(
        `SELECT ${HEADER_COLUMNS} FROM royalty_statements FINAL WHERE statement_id = {id:String} LIMIT 1`,
        { id: statementId },
      );
      if (!h) return undefined;
      const lines = await this.lines(statementId, opts);
      if (opts.label && !lines.length) return undefined;
      return { header: header(h), lines };
    },

    async lines(statementId: string, opts: { label?: string } = {}) {
      const out = await rows<StoredLine>(
        `SELECT ${LINE_COLUMNS} FROM royalty_statement_lines FINAL
         WHERE statement_id = {id:String} ${opts.label ? 'AND label_id = {label:String}' : ''}
         ORDER BY label_id, rights_holder_id, track_id`,
        { id: statementId, label: opts.label ?? '' },
      );
      return out.map(line);
    },

    /** The latest issued version of a market and period, if any. */
    async latest(period: string, market: string) {
      const [h] = await rows<RawHeader>(
        `SELECT ${HEADER_COLUMNS} FROM royalty_statements FINAL
         WHERE period = {period:String} AND market = {market:String}
         ORDER BY version DESC LIMIT 1`,
        { period, market },
      );
      return h ? header(h) : undefined;
    },
  };
}

export type RoyaltyStatementsReader = ReturnType<typeof createRoyaltyStatementsReader>;

/** `<period>-<market>-v<version>`, e.g. 2026-11-SE-v1. */
export const statementIdOf = (period: string, market: string, version: number) =>
  `${period}-${market}-v${version}`;

export const STATEMENT_ID_RE = /^\d{4}-(0[1-9]|1[0-2])-[A-Z]{2}-v[1-9]\d{0,5}$/;
