/**
 * The ClickHouse reads of the neighbour refresh, over the co-listening views (migration 0007)
 * and, for "fans also like", the royalty streams (qualified streams, once per event) and the
 * analyst catalogue view `tracks` (migrations 0004, 0005). Every read is over the months
 * `month >= fromMonth` (YYYY-MM strings order like months); sums over months are exact because
 * a session never straddles a UTC month.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ArtistOverlap, PairCount } from './neighbours-refresh.lists.js';
import type { ChangedRow } from './neighbours-refresh.plan.js';

/**
 * Track ids per query parameter array: the client sends parameters in the URL, so a chunk is
 * kept well under a server's 16 KB request-line limit.
 */
export const IDS_PER_QUERY = 200;

async function rows<T>(
  ch: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** N: listener-sessions over the window. */
export async function totalSessions(ch: ClickHouseClient, fromMonth: string): Promise<number> {
  const r = await rows<{ n: string | number }>(
    ch,
    `SELECT sum(sessions) AS n FROM co_listening_month_sessions WHERE month >= {from:String}`,
    { from: fromMonth },
  );
  return Number(r[0]?.n ?? 0);
}

/** Pair and track-session rows updated after `since` (ms since the epoch). */
export async function changedRows(
  ch: ClickHouseClient,
  fromMonth: string,
  since: number,
): Promise<ChangedRow[]> {
  const params = { from: fromMonth, since };
  const after = `updated_at > fromUnixTimestamp64Milli(toInt64({since:Int64}), 'UTC')`;
  const pairs = await rows<{ a: string; b: string; t: string | number }>(
    ch,
    `SELECT track_a AS a, track_b AS b, toUnixTimestamp64Milli(max(updated_at)) AS t
     FROM co_listening WHERE month >= {from:String} AND ${after} GROUP BY a, b`,
    params,
  );
  const tracks = await rows<{ id: string; t: string | number }>(
    ch,
    `SELECT track_id AS id, toUnixTimestamp64Milli(max(updated_at)) AS t
     FROM co_listening_track_sessions WHERE month >= {from:String} AND ${after} GROUP BY id`,
    params,
  );
  return [
    ...pairs.map((p) => ({ trackA: p.a, trackB: p.b, updatedAt: Number(p.t) })),
    ...tracks.map((t) => ({ track: t.id, updatedAt: Number(t.t) })),
  ];
}

/** ClickHouse's clock (ms since the epoch): the clock that stamps `updated_at`. */
export async function serverNow(ch: ClickHouseClient): Promise<number> {
  const r = await rows<{ t: string | number }>(
    ch,
    `SELECT toUnixTimestamp64Milli(now64(3)) AS t`,
    {},
  );
  return Number(r[0]!.t);
}

/**
 * Every pair touching one of `tracks` (all pairs when `tracks` is undefined), with the sessions
 * n of every track at either end.
 */
export async function pairsAndSessions(
  ch: ClickHouseClient,
  fromMonth: string,
  tracks: readonly string[] | undefined,
): Promise<{ pairs: PairCount[]; sessions: Map<string, number> }> {
  const pairs: PairCount[] = [];
  const sessions = new Map<string, number>();
  const chunks: (readonly string[] | undefined)[] = [];
  if (tracks === undefined) chunks.push(undefined);
  else
    for (let i = 0; i < tracks.length; i += IDS_PER_QUERY)
      chunks.push(tracks.slice(i, i + IDS_PER_QUERY));
  const seen = new Set<string>();
  for (const ids of chunks) {
    const touching = ids
      ? `AND (track_a IN {ids:Array(String)} OR track_b IN {ids:Array(String)})`
      : '';
    const params = { from: fromMonth, ...(ids ? { ids } : {}) };
    const pairQuery = `SELECT track_a, track_b, sum(sessions) AS c FROM co_listening
       WHERE month >= {from:String} ${touching} GROUP BY track_a, track_b`;
    for (const p of await rows<{ track_a: string; track_b: string; c: string | number }>(
      ch,
      pairQuery,
      params,
    )) {
      // A pair both of whose ends are in different chunks comes back once per chunk.
      const key = `${p.track_a}\u0000${p.track_b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push({ trackA: p.track_a, trackB: p.track_b, coListens: Number(p.c) });
    }
    const ends = ids
      ? `AND track_id IN (SELECT arrayJoin([track_a, track_b]) FROM co_listening
           WHERE month >= {from:String} ${touching})`
      : '';
    for (const s of await rows<{ track_id: string; n: string | number }>(
      ch,
      `SELECT track_id, sum(sessions) AS n FROM co_listening_track_sessions
       WHERE month >= {from:String} ${ends} GROUP BY track_id`,
      params,
    ))
      sessions.set(s.track_id, Number(s.n));
  }
  return { pairs, sessions };
}

/**
 * Fans of each artist over the window: distinct listeners of the artist's catalogued tracks by
 * qualified streams; and per artist pair the listeners they share (computed in ClickHouse).
 */
export async function artistFans(
  ch: ClickHouseClient,
  fromMonth: string,
): Promise<{ fans: Map<string, number>; overlaps: ArtistOverlap[] }> {
  const fanRows = `SELECT DISTINCT t.artist_id AS artist_id, s.user_id AS user_id
    FROM royalty_streams AS s
    INNER JOIN (SELECT track_id, tupleElement(a, 'artist_id') AS artist_id
                FROM tracks ARRAY JOIN artists AS a) AS t ON s.track_id = t.track_id
    WHERE s.period >= {from:String} AND s.user_id != ''`;
  const params = { from: fromMonth };
  const fans = new Map<string, number>();
  for (const r of await rows<{ artist_id: string; n: string | number }>(
    ch,
    `SELECT artist_id, count() AS n FROM (${fanRows}) GROUP BY artist_id`,
    params,
  ))
    fans.set(r.artist_id, Number(r.n));
  const overlaps = (
    await rows<{ a: string; b: string; o: string | number }>(
      ch,
      `WITH f AS (${fanRows})
       SELECT x.artist_id AS a, y.artist_id AS b, count() AS o
       FROM f AS x INNER JOIN f AS y ON x.user_id = y.user_id
       WHERE x.artist_id < y.artist_id GROUP BY a, b`,
      params,
    )
  ).map((r) => ({ artistA: r.a, artistB: r.b, overlap: Number(r.o) }));
  return { fans, overlaps };
}
