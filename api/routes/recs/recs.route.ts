import express, { type Request, type Response, type Router } from 'express';
import {
  DEFAULT_MIX_SIZE,
  chartMix,
  neighbourMix,
  type ChartInput,
  type MixItem,
  type MixRules,
  type MixTrack,
} from '../../../processors/co-listening/daily-mix.model.js';
import type { CatalogueReader } from '../../../read-models/catalogue/catalogue.reader.js';
import type { RecsReader } from '../../../read-models/co-listening/recs.reader.js';
import { CHART_SIZE, GLOBAL, utcDay } from '../../../read-models/play-counts/play-counts.keys.js';
import type { PlayCountsReader } from '../../../read-models/play-counts/play-counts.reader.js';
import { RECENT_CAP } from '../../../read-models/user-state/user-state.keys.js';
import type { UserStateReader } from '../../../read-models/user-state/user-state.reader.js';
import { sendProblem } from '../../../common/http/problem.js';
import {
  etagMatches,
  parseId,
  parseLimit,
  readErrorHandler,
  sendBadParam,
  sendCachedJson,
  sendNotFound,
  weakEtag,
  type Parsed,
  type PublicReadRouteConfig,
} from '../tracks/public-read.http.js';

export { recsOpenApi } from './recs.openapi.js';

export const RECS_PAGE_DEFAULT = 20;
export const RECS_PAGE_MAX = 100;
/** Cache-Control max-age of a listener's daily mix (private: one listener's answer). */
export const MIX_MAX_AGE_SECONDS = 60;
const DAY_MS = 86_400_000;

export interface RecsRouteConfig extends PublicReadRouteConfig {
  /** Most tracks per artist in a daily mix (RECS_MIX_PER_ARTIST, default 2). */
  mixPerArtist?: number;
  /** Tracks in a daily mix (default 50). */
  mixSize?: number;
}

export interface RecsRouteDeps {
  recs: RecsReader;
  catalogue: CatalogueReader;
  playCounts: PlayCountsReader;
  userState: UserStateReader;
  /** The market of the listener's latest qualified play, if any (the fallback chart's market). */
  listenerMarket?: (userId: string) => Promise<string | undefined>;
  /** Clock of the mix's day (UTC). */
  now?: () => number;
}

/** Opaque page cursor of these lists: base64url of "r1:<offset>". */
export const encodeOffset = (offset: number) => Buffer.from(`r1:${offset}`).toString('base64url');

export function decodeOffset(raw: unknown): Parsed<number> {
  if (raw === undefined) return { ok: true, value: 0 };
  const text =
    typeof raw === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(raw)
      ? Buffer.from(raw, 'base64url').toString('latin1')
      : '';
  const m = /^r1:(\d{1,6})$/.exec(text);
  return m && encodeOffset(Number(m[1])) === raw
    ? { ok: true, value: Number(m[1]) }
    : { ok: false, reason: 'is not a cursor this API returned' };
}

/** limit and cursor of a page, or an answer already sent (400 naming the parameter). */
function pageOf(req: Request, res: Response): { limit: number; offset: number } | undefined {
  const limit = parseLimit(req.query.limit, 1, RECS_PAGE_MAX, RECS_PAGE_DEFAULT);
  if (!limit.ok) return void sendBadParam(res, 'limit', limit.reason);
  const offset = decodeOffset(req.query.cursor);
  if (!offset.ok) return void sendBadParam(res, 'cursor', offset.reason);
  return { limit: limit.value, offset: offset.value };
}

function slice<T>(all: readonly T[], p: { limit: number; offset: number }) {
  const end = p.offset + p.limit;
  return {
    items: all.slice(p.offset, end),
    next_cursor: end < all.length ? encodeOffset(end) : null,
  };
}

const artistName = (tracks: readonly MixTrack[], artistId: string): string | null =>
  tracks.flatMap((t) => t.artists).find((a) => a.artist_id === artistId)?.name ?? null;

/**
 * Recommendations: a track's similar tracks and an artist's "fans also like" (public, from the
 * lists the neighbour refresh keeps in Redis; cacheable), and the listener's daily mix (user
 * token; built per request from their recently played and those lists, the same all UTC day).
 */
export function createRecsRouter(config: RecsRouteConfig, deps: RecsRouteDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const rules: MixRules = {
    perArtist: config.mixPerArtist ?? 2,
    size: config.mixSize ?? DEFAULT_MIX_SIZE,
  };

  router.get('/v1/tracks/:trackId/similar', async (req, res) => {
    const id = parseId(req.params.trackId);
    if (!id.ok) return sendBadParam(res, 'trackId', id.reason);
    const page = pageOf(req, res);
    if (!page) return;
    const track = await deps.catalogue.track(id.value);
    if (!track) return sendNotFound(res, 'track-not-found', `no track ${id.value}`);
    const list = await deps.recs.similar(track.track_id);
    const p = slice(list?.neighbours ?? [], page);
    const meta = await deps.catalogue.tracks(p.items.map((n) => n.track_id));
    sendCachedJson(
      req,
      res,
      {
        track_id: track.track_id,
        title: track.title,
        metric: list?.metric ?? null,
        sessions: list?.sessions ?? 0,
        refreshed_at: list?.refreshed_at ?? null,
        items: p.items.map((n) => ({
          track_id: n.track_id,
          title: meta.get(n.track_id)?.title ?? null,
          artists: meta.get(n.track_id)?.artists ?? [],
          score: n.score,
          co_listens: n.co_listens,
          because: {
            track_id: track.track_id,
            score: n.score,
            co_listens: n.co_listens,
            text: `co-listened with ${track.title} in ${n.co_listens} session${n.co_listens === 1 ? '' : 's'}`,
          },
        })),
        next_cursor: p.next_cursor,
      },
      config,
    );
  });

  router.get('/v1/artists/:artistId/fans-also-like', async (req, res) => {
    const id = parseId(req.params.artistId);
    if (!id.ok) return sendBadParam(res, 'artistId', id.reason);
    const page = pageOf(req, res);
    if (!page) return;
    const own = await deps.catalogue.artistTracks(id.value);
    if (!own.length) return sendNotFound(res, 'artist-not-found', `no artist ${id.value}`);
    const name = artistName(own, id.value);
    const list = await deps.recs.fans(id.value);
    const p = slice(list?.artists ?? [], page);
    const names = await Promise.all(
      p.items.map(async (a) =>
        artistName(await deps.catalogue.artistTracks(a.artist_id), a.artist_id),
      ),
    );
    const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
    sendCachedJson(
      req,
      res,
      {
        artist_id: id.value,
        name,
        fans: list?.fans ?? 0,
        refreshed_at: list?.refreshed_at ?? null,
        items: p.items.map((a, i) => ({
          artist_id: a.artist_id,
          name: names[i] ?? null,
          score: a.score,
          overlap: a.overlap,
          share_of_fans: a.share_of_fans,
          share_of_their_fans: a.share_of_their_fans,
          because: {
            text: `${a.overlap} listener${a.overlap === 1 ? '' : 's'} play both: ${pct(a.share_of_fans)} of ${name ?? id.value}'s fans, ${pct(a.share_of_their_fans)} of ${names[i] ?? a.artist_id}'s`,
          },
        })),
        next_cursor: p.next_cursor,
      },
      config,
    );
  });

  /** The first non-empty chart of the market, then global: today, then yesterday (UTC). */
  async function fallbackChart(market: string, day: string): Promise<ChartInput> {
    const yesterday = utcDay(Date.parse(day) - DAY_MS);
    const scopes = market === GLOBAL ? [GLOBAL] : [market, GLOBAL];
    for (const scope of scopes)
      for (const d of [day, yesterday]) {
        const entries = await deps.playCounts.chart(d, scope, CHART_SIZE);
        if (entries.length) return { market: scope, day: d, entries };
      }
    return { market, day, entries: [] };
  }

  router.get('/v1/me/daily-mix', async (req, res) => {
    const userId: unknown = res.locals.userId;
    if (typeof userId !== 'string' || !userId) {
      return sendProblem(
        res,
        { status: 401, code: 'unauthorized', title: 'A user token is required' },
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    const page = pageOf(req, res);
    if (!page) return;
    const day = utcDay(now());
    const recent = (await deps.userState.recent(userId, { limit: RECENT_CAP })).items;
    const sources = [...new Set(recent.map((p) => p.track_id))];
    const similar = await deps.recs.similarMany(sources);
    const wanted = new Set(sources);
    for (const l of similar.values()) for (const n of l.neighbours) wanted.add(n.track_id);
    const catalogue = await deps.catalogue.tracks([...wanted]);
    let items: MixItem[] = neighbourMix({ userId, day, recent, similar, catalogue, rules });
    let source: 'neighbours' | 'chart' = 'neighbours';
    let market: string | null = null;
    if (!items.length) {
      source = 'chart';
      const m = (await deps.listenerMarket?.(userId)) ?? GLOBAL;
      const chart = await fallbackChart(m, day);
      market = chart.market;
      const chartTracks = await deps.catalogue.tracks(chart.entries.map((e) => e.track_id));
      items = chartMix({ chart, recent, catalogue: chartTracks, rules });
    }
    const body = JSON.stringify({ user_id: userId, day, source, market, ...slice(items, page) });
    const etag = weakEtag(body);
    res.set({ ETag: etag, 'Cache-Control': `private, max-age=${MIX_MAX_AGE_SECONDS}` });
    if (etagMatches(req.get('If-None-Match'), etag)) return void res.status(304).end();
    res.status(200).type('application/json').send(body);
  });

  router.use(readErrorHandler);
  return router;
}
