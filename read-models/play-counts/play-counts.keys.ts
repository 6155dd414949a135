/**
 * Redis keys of the play-counts projection, relative to its namespace (the sink prefixes
 * `bb:play-counts:g<gen>:d:`). Shared by the projection and its reader so they cannot drift.
 * Ids are URI-encoded inside keys, so an id holding ':' or '|' can never collide with another
 * key; chart members are the raw track ids.
 */
export const PLAY_COUNTS = 'play-counts';

/** Live charts keep every track that streamed that day; readers take the top 50. */
export const CHART_SIZE = 50;

/** A stream qualifies for play counts and royalties after 30 s of listening. */
export const QUALIFYING_MS = 30_000;

export const GLOBAL = 'global';

const id = (s: string) => encodeURIComponent(s);

export const playCountsKeys = {
  /** Hash: streams, skips (all-time totals). */
  track: (trackId: string) => `t:${id(trackId)}`,
  /** Hash: <day> -> qualified streams that day (event time, UTC). */
  days: (trackId: string) => `t:${id(trackId)}:days`,
  /** Hash: <market> -> qualified streams in that market. */
  markets: (trackId: string) => `t:${id(trackId)}:markets`,
  /** Hash: <day>|<market> -> qualified streams. */
  dayMarket: (trackId: string) => `t:${id(trackId)}:day-market`,
  /** Hash: <day> -> skips that day. */
  skipDays: (trackId: string) => `t:${id(trackId)}:skip-days`,
  /** Hash: <market> -> skips in that market. */
  skipMarkets: (trackId: string) => `t:${id(trackId)}:skip-markets`,
  /** Hash: <day>|<market> -> skips. */
  skipDayMarket: (trackId: string) => `t:${id(trackId)}:skip-day-market`,
  /** Sorted set: track id -> qualified streams that day, in one market or 'global'. */
  chart: (day: string, market: string) => `chart:${day}:${market === GLOBAL ? GLOBAL : id(market)}`,
} as const;

export const playCountsFields = {
  streams: 'streams',
  skips: 'skips',
  dayMarket: (day: string, market: string) => `${day}|${market}`,
} as const;

/** The UTC calendar day (YYYY-MM-DD) of a ms timestamp. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** ISO 3166-1 alpha-2 shape: the only markets the projection counts. */
export const MARKET_RE = /^[A-Z]{2}$/;

/** Every UTC day from `from` to `to` (YYYY-MM-DD, inclusive), in order. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) out.push(utcDay(t));
  return out;
}
