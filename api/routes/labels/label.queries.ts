import type { ClickHouseClient } from '@clickhouse/client';
import type { OffsetPage } from './label-http.js';

/**
 * The ClickHouse reads of the label endpoints, always filtered by the credential's label: the
 * qualified streams with the split they used (royalty_stream_splits), the upload history
 * (royalty_uploads) and each statement's per-label totals (royalty_statement_lines).
 */
export interface LabelStreamRow {
  track_id: string;
  isrc: string;
  day: string;
  market: string;
  streams: number;
}

export interface UploadRow {
  upload_id: string;
  track_id: string;
  isrc: string;
  title: string;
  release_id: string | null;
  duration_ms: number;
  artists: string[];
  label_name: string;
  event_time: string;
  holders: { rights_holder_id: string; name: string; role: string; share_bps: number }[];
}

type RawHolder =
  | { rights_holder_id: string; name: string; role: string; share_bps: number | string }
  | [string, string, string, number | string];

interface RawUpload extends Omit<UploadRow, 'holders' | 'duration_ms' | 'release_id'> {
  release_id: string;
  duration_ms: number | string;
  holders: RawHolder[];
}

const UPLOAD_COLUMNS = `toString(upload_id) AS upload_id, track_id, isrc, title, release_id,
  duration_ms, artists, label_name, holders,
  formatDateTime(event_time, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS event_time`;

function upload(r: RawUpload): UploadRow {
  return {
    ...r,
    release_id: r.release_id === '' ? null : r.release_id,
    duration_ms: Number(r.duration_ms),
    holders: r.holders.map((h) =>
      Array.isArray(h)
        ? { rights_holder_id: h[0], name: h[1], role: h[2], share_bps: Number(h[3]) }
        : { ...h, share_bps: Number(h.share_bps) },
    ),
  };
}

export function createLabelQueries(deps: { clickhouse: ClickHouseClient }) {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await (
      await deps.clickhouse.query({ query, query_params: params, format: 'JSONEachRow' })
    ).json()) as T[];

  return {
    /** Qualified streams by track, UTC day and market in [from, toExclusive) (epoch ms). */
    async streams(
      label: string,
      range: { from: number; toExclusive: number; trackId?: string; market?: string },
      page: OffsetPage,
    ): Promise<LabelStreamRow[]> {
      const out = await rows<LabelStreamRow & { streams: string }>(
        `SELECT track_id, any(isrc) AS isrc, toString(toDate(event_time, 'UTC')) AS day, market,
                count() AS streams
         FROM royalty_stream_splits
         WHERE label_id = {label:String}
           AND event_time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
           AND event_time < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
           ${range.trackId !== undefined ? 'AND track_id = {track:String}' : ''}
           ${range.market !== undefined ? 'AND market = {market:String}' : ''}
         GROUP BY track_id, day, market
         ORDER BY track_id, day, market
         LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        {
          label,
          from: range.from,
          to: range.toExclusive,
          track: range.trackId ?? '',
          market: range.market ?? '',
          limit: page.limit + 1,
          offset: page.offset,
        },
      );
      return out.map((r) => ({ ...r, streams: Number(r.streams) }));
    },

    /** The label's uploads, newest first (of one track when `trackId` is given). */
    async uploads(label: string, trackId: string | undefined, page: OffsetPage) {
      const out = await rows<RawUpload>(
        `SELECT ${UPLOAD_COLUMNS} FROM royalty_uploads
         WHERE label_id = {label:String} ${trackId !== undefined ? 'AND track_id = {track:String}' : ''}
         ORDER BY event_time DESC, upload_id DESC
         LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        { label, track: trackId ?? '', limit: page.limit + 1, offset: page.offset },
      );
      return out.map(upload);
    },

    /** The latest upload of each track (ties: the greater upload id). */
    async latestUploads(trackIds: readonly string[]): Promise<Map<string, UploadRow>> {
      if (!trackIds.length) return new Map();
      const out = await rows<RawUpload>(
        `SELECT ${UPLOAD_COLUMNS} FROM royalty_uploads
         WHERE track_id IN {tracks:Array(String)}
         ORDER BY track_id, royalty_uploads.event_time DESC, toString(royalty_uploads.upload_id) DESC
         LIMIT 1 BY track_id`,
        { tracks: [...new Set(trackIds)] },
      );
      return new Map(out.map((r) => [r.track_id, upload(r)]));
    },

    /** The label's name as its latest upload gives it ('' when it has none). */
    async labelName(label: string): Promise<string> {
      const [r] = await rows<{ label_name: string }>(
        `SELECT label_name FROM royalty_uploads WHERE label_id = {label:String}
         ORDER BY event_time DESC, toString(upload_id) DESC LIMIT 1`,
        { label },
      );
      return r?.label_name ?? '';
    },

    /**
     * Per statement, this label's streams (each track's once, not once per rights holder), lines
     * and amounts in both models (minor units, as strings).
     */
    async statementTotals(label: string, statementIds: readonly string[]) {
      if (!statementIds.length) return new Map<string, LabelTotals>();
      const out = await rows<LabelTotals & { statement_id: string }>(
        `SELECT statement_id, toString(sum(s)) AS streams, toUInt32(sum(n)) AS lines,
                toString(sum(ss)) AS streamshare_minor, toString(sum(uc)) AS user_centric_minor
         FROM (
           SELECT statement_id, track_id, max(streams) AS s, count() AS n,
                  sum(streamshare_minor) AS ss, sum(user_centric_minor) AS uc
           FROM royalty_statement_lines FINAL
           WHERE label_id = {label:String} AND statement_id IN {ids:Array(String)}
           GROUP BY statement_id, track_id)
         GROUP BY statement_id`,
        { label, ids: [...statementIds] },
      );
      return new Map(
        out.map(({ statement_id, ...t }) => [
          statement_id,
          { ...t, streams: Number(t.streams), lines: Number(t.lines) },
        ]),
      );
    },
  };
}

export interface LabelTotals {
  streams: number;
  lines: number;
  streamshare_minor: string;
  user_centric_minor: string;
}

export type LabelQueries = ReturnType<typeof createLabelQueries>;
