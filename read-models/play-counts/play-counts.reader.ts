import type { Redis } from 'ioredis';
import { readPrefix } from '../../sinks/redis/redis-generation.js';
import { createCatalogueReader, type CatalogueReader } from '../catalogue/catalogue.reader.js';
import {
  CHART_SIZE,
  GLOBAL,
  PLAY_COUNTS,
  dayRange,
  playCountsFields as F,
  playCountsKeys as K,
} from './play-counts.keys.js';

export interface Counts {
  streams: number;
  skips: number;
}
export interface DayCounts extends Counts {
  day: string;
}
export interface MarketCounts extends Counts {
  market: string;
}
export interface ChartEntry {
  /** 1-based position: streams descending, ties by track id ascending. */
  rank: number;
  track_id: string;
  streams: number;
}
export interface ArtistStreams {
  artist_id: string;
  streams: number;
  tracks: { track_id: string; streams: number }[];
}

export interface PlayCountsReader {
  /** All-time qualified streams and skips of a track (0 when it never played). */
  trackTotals(trackId: string): Promise<Counts>;
  /** Totals of many tracks in one round trip. */
  totals(trackIds: readonly string[]): Promise<Map<string, Counts>>;
  /** One entry per day from..to (inclusive, YYYY-MM-DD), zeros included; in one market if given. */
  trackDaily(
    trackId: string,
    range: { from: string; to: string; market?: string },
  ): Promise<DayCounts[]>;
  /** Per market, streams descending then market code. */
  trackMarkets(trackId: string): Promise<MarketCounts[]>;
  trackDayMarket(trackId: string, day: string, market: string): Promise<Counts>;
  /** The day's live chart, globally or in one market: at most 50 entries. */
  chart(day: string, market: string, limit?: number): Promise<ChartEntry[]>;
  /** Streams of every track crediting the artist (catalogue x per-track counts, at read time). */
  artistStreams(artistId: string): Promise<ArtistStreams>;
}

const num = (v: string | null | undefined) => (v ? Number(v) : 0);
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** [member, score, member, score...] -> pairs. */
function pairs(flat: string[]): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}

/**
 * Reads the play-counts projection of the generation readers currently use (resolved on each
 * call). Per-artist counts are computed here from the catalogue's artist -> tracks index and
 * the exact per-track totals, so no cross-topic ordering can make them drift.
 */
export function createPlayCountsReader(deps: {
  redis: Redis;
  name?: string;
  catalogue?: CatalogueReader;
}): PlayCountsReader {
  const { redis } = deps;
  const name = deps.name ?? PLAY_COUNTS;
  const catalogue = deps.catalogue ?? createCatalogueReader({ redis });
  const prefix = () => readPrefix(redis, name);

  async function totals(trackIds: readonly string[]): Promise<Map<string, Counts>> {
    const unique = [...new Set(trackIds)];
    const out = new Map<string, Counts>();
    if (!unique.length) return out;
    const p = await prefix();
    const pipe = redis.pipeline();
    for (const t of unique) pipe.hmget(p + K.track(t), F.streams, F.skips);
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, v], i) => {
      if (err) throw err;
      const [streams, skips] = v as (string | null)[];
      out.set(unique[i]!, { streams: num(streams), skips: num(skips) });
    });
    return out;
  }

  return {
    async trackTotals(trackId) {
      return (await totals([trackId])).get(trackId)!;
    },
    totals,
    async trackDaily(trackId, { from, to, market }) {
      const days = dayRange(from, to);
      if (!days.length) return [];
      const p = await prefix();
      const fields = market ? days.map((d) => F.dayMarket(d, market)) : days;
      const [streams, skips] = await Promise.all([
        redis.hmget(p + (market ? K.dayMarket(trackId) : K.days(trackId)), ...fields),
        redis.hmget(p + (market ? K.skipDayMarket(trackId) : K.skipDays(trackId)), ...fields),
      ]);
      return days.map((day, i) => ({ day, streams: num(streams[i]), skips: num(skips[i]) }));
    },
    async trackMarkets(trackId) {
      const p = await prefix();
      const [streams, skips] = await Promise.all([
        redis.hgetall(p + K.markets(trackId)),
        redis.hgetall(p + K.skipMarkets(trackId)),
      ]);
      return [...new Set([...Object.keys(streams), ...Object.keys(skips)])]
        .map((market) => ({ market, streams: num(streams[market]), skips: num(skips[market]) }))
        .sort((a, b) => b.streams - a.streams || byBytes(a.market, b.market));
    },
    async trackDayMarket(trackId, day, market) {
      const p = await prefix();
      const field = F.dayMarket(day, market);
      const [streams, skips] = await Promise.all([
        redis.hget(p + K.dayMarket(trackId), field),
        redis.hget(p + K.skipDayMarket(trackId), field),
      ]);
      return { streams: num(streams), skips: num(skips) };
    },
    async chart(day, market, limit = CHART_SIZE) {
      const n = Math.min(Math.max(Math.trunc(limit), 1), CHART_SIZE);
      const key = (await prefix()) + K.chart(day, market === GLOBAL ? GLOBAL : market);
      const top = pairs(await redis.zrevrange(key, 0, n - 1, 'WITHSCORES'));
      if (!top.length) return [];
      // Redis orders equal scores by member descending in ZREVRANGE; the chart wants ties by
      // track id ascending. Everything above the boundary score, plus the first ties at it in
      // ascending order, read atomically: scores only grow, so this is the exact top n.
      const boundary = top[top.length - 1]![1];
      const res = await redis
        .multi()
        .zrangebyscore(key, `(${boundary}`, '+inf', 'WITHSCORES')
        .zrangebyscore(key, boundary, boundary, 'LIMIT', 0, n)
        .exec();
      const [[e1, above], [e2, ties]] = res as [[Error | null, string[]], [Error | null, string[]]];
      if (e1 || e2) throw e1 ?? e2;
      const entries = pairs(above)
        .sort((a, b) => b[1] - a[1] || byBytes(a[0], b[0]))
        .concat(ties.map((m): [string, number] => [m, boundary]))
        .slice(0, n);
      return entries.map(([track_id, streams], i) => ({ rank: i + 1, track_id, streams }));
    },
    async artistStreams(artistId) {
      const tracks = await catalogue.artistTracks(artistId);
      const counts = await totals(tracks.map((t) => t.track_id));
      const rows = tracks.map((t) => ({
        track_id: t.track_id,
        streams: counts.get(t.track_id)?.streams ?? 0,
      }));
      return {
        artist_id: artistId,
        streams: rows.reduce((s, r) => s + r.streams, 0),
        tracks: rows,
      };
    },
  };
}
