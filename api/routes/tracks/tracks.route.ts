import express, { type Router } from 'express';
import type {
  CatalogueReader,
  CatalogueTrack,
} from '../../../read-models/catalogue/catalogue.reader.js';
import type { PlayCountsReader } from '../../../read-models/play-counts/play-counts.reader.js';
import { utcDay } from '../../../read-models/play-counts/play-counts.keys.js';
import {
  parseDay,
  parseId,
  parseMarket,
  readErrorHandler,
  sendBadParam,
  sendCachedJson,
  sendNotFound,
  type PublicReadRouteConfig,
} from './public-read.http.js';
import {
  cachedJson,
  countSchema,
  daySchema,
  ifNoneMatch,
  marketSchema,
  notModified,
  pathId,
  problem,
  ref,
  sharedSchemas,
  unavailable,
} from './public-read.openapi.js';

export interface TracksRouteDeps {
  catalogue: CatalogueReader;
  playCounts: PlayCountsReader;
  /** Clock for the default date range (today, UTC). */
  now?: () => number;
}

/** Longest daily series one request may ask for, in days. */
export const MAX_RANGE_DAYS = 366;
/** Days in the default series (ending today, UTC). */
export const DEFAULT_RANGE_DAYS = 30;

const ISRC_RE = /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/;
const DAY_MS = 86_400_000;

/** The public view of a track: its catalogue entry (without royalty shares) and counts. */
export function publicTrack(t: CatalogueTrack, counts: { streams: number; skips: number }) {
  return {
    track_id: t.track_id,
    isrc: t.isrc,
    title: t.title,
    artists: t.artists,
    label_id: t.label_id,
    label_name: t.label_name,
    release_id: t.release_id,
    duration_ms: t.duration_ms,
    markets: t.markets,
    updated_at: new Date(t.updated_at).toISOString(),
    streams: counts.streams,
    skips: counts.skips,
  };
}

/**
 * Public track reads: a track with its totals, its daily series (optionally in one market),
 * its per-market counts, and the look-up by ISRC. No token; answers are cacheable for 5 s.
 */
export function createTracksRouter(config: PublicReadRouteConfig, deps: TracksRouteDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;

  /** The catalogue entry of :trackId, or an answer already sent (400/404). */
  async function known(trackIdRaw: unknown, res: express.Response) {
    const id = parseId(trackIdRaw);
    if (!id.ok) return sendBadParam(res, 'trackId', id.reason);
    const track = await deps.catalogue.track(id.value);
    if (!track) return sendNotFound(res, 'track-not-found', `no track ${id.value}`);
    return track;
  }

  router.get('/v1/tracks/:trackId', async (req, res) => {
    const track = await known(req.params.trackId, res);
    if (!track) return;
    const counts = await deps.playCounts.trackTotals(track.track_id);
    sendCachedJson(req, res, publicTrack(track, counts), config);
  });

  router.get('/v1/tracks/:trackId/streams', async (req, res) => {
    const q = req.query;
    const today = utcDay(now());
    // Defaults: to = today (UTC), from = DEFAULT_RANGE_DAYS days ending on `to`.
    const to = parseDay(q.to ?? today);
    if (!to.ok) return sendBadParam(res, 'to', to.reason);
    const from = parseDay(
      q.from ?? utcDay(Date.parse(to.value) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS),
    );
    if (!from.ok) return sendBadParam(res, 'from', from.reason);
    if (from.value > to.value)
      return sendBadParam(res, 'from', `must not be after to (${to.value})`);
    const span = (Date.parse(to.value) - Date.parse(from.value)) / DAY_MS + 1;
    if (span > MAX_RANGE_DAYS) {
      return sendBadParam(res, 'to', `from..to spans ${span} days; at most ${MAX_RANGE_DAYS}`);
    }
    const market = q.market === undefined ? undefined : parseMarket(q.market);
    if (market && !market.ok) return sendBadParam(res, 'market', market.reason);
    const track = await known(req.params.trackId, res);
    if (!track) return;
    const days = await deps.playCounts.trackDaily(track.track_id, {
      from: from.value,
      to: to.value,
      ...(market ? { market: market.value } : {}),
    });
    sendCachedJson(
      req,
      res,
      {
        track_id: track.track_id,
        market: market?.value ?? null,
        from: from.value,
        to: to.value,
        streams: days.reduce((s, d) => s + d.streams, 0),
        skips: days.reduce((s, d) => s + d.skips, 0),
        days,
      },
      config,
    );
  });

  router.get('/v1/tracks/:trackId/markets', async (req, res) => {
    const track = await known(req.params.trackId, res);
    if (!track) return;
    const markets = await deps.playCounts.trackMarkets(track.track_id);
    sendCachedJson(req, res, { track_id: track.track_id, markets }, config);
  });

  router.get('/v1/isrc/:isrc', async (req, res) => {
    const isrc = req.params.isrc.toUpperCase();
    if (!ISRC_RE.test(isrc)) {
      return sendBadParam(
        res,
        'isrc',
        'must be an ISRC: 12 characters, CC-XXX-YY-NNNNN without dashes',
      );
    }
    const track = await deps.catalogue.trackByIsrc(isrc);
    if (!track) return sendNotFound(res, 'isrc-not-found', `no track with ISRC ${isrc}`);
    const counts = await deps.playCounts.trackTotals(track.track_id);
    sendCachedJson(req, res, publicTrack(track, counts), config);
  });

  router.use(readErrorHandler);
  return router;
}

const trackIdParam = pathId('trackId', 'Backbeat track id');
const errors = {
  '400': problem('A parameter is invalid (named in `parameter`).'),
  '404': problem('No such track.'),
  '503': unavailable,
};

/** OpenAPI 3.1 fragment: paths and component schemas of the public track reads. */
export const tracksOpenApi = {
  paths: {
    '/v1/tracks/{trackId}': {
      get: {
        summary: 'A track: catalogue metadata, total qualified streams and skips',
        tags: ['tracks'],
        security: [],
        parameters: [trackIdParam, ifNoneMatch],
        responses: {
          '200': cachedJson('Track', 'The track'),
          '304': notModified,
          ...errors,
        },
      },
    },
    '/v1/tracks/{trackId}/streams': {
      get: {
        summary: 'Daily qualified streams and skips of a track (UTC days, event time)',
        description: `from must not be after to, and from..to spans at most ${MAX_RANGE_DAYS} days (both inclusive); otherwise 400 naming the parameter.`,
        tags: ['tracks'],
        security: [],
        parameters: [
          trackIdParam,
          {
            name: 'from',
            in: 'query',
            required: false,
            description: `First day (default: ${DEFAULT_RANGE_DAYS - 1} days before to); must not be after to`,
            schema: daySchema,
          },
          {
            name: 'to',
            in: 'query',
            required: false,
            description: `Last day, inclusive (default: today, UTC); not before from, and at most ${MAX_RANGE_DAYS} days from..to`,
            schema: daySchema,
          },
          {
            name: 'market',
            in: 'query',
            required: false,
            description: 'Only streams in this market',
            schema: marketSchema,
          },
          ifNoneMatch,
        ],
        responses: {
          '200': cachedJson('TrackStreams', 'One entry per day of the range, zeros included'),
          '304': notModified,
          ...errors,
        },
      },
    },
    '/v1/tracks/{trackId}/markets': {
      get: {
        summary: 'Qualified streams and skips of a track per market, most streamed first',
        tags: ['tracks'],
        security: [],
        parameters: [trackIdParam, ifNoneMatch],
        responses: {
          '200': cachedJson('TrackMarkets', 'Per-market counts'),
          '304': notModified,
          ...errors,
        },
      },
    },
    '/v1/isrc/{isrc}': {
      get: {
        summary: 'The track delivered with an ISRC (case-insensitive)',
        tags: ['tracks'],
        security: [],
        parameters: [
          {
            name: 'isrc',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z]{2}[A-Za-z0-9]{3}[0-9]{7}$' },
          },
          ifNoneMatch,
        ],
        responses: {
          '200': cachedJson('Track', 'The track'),
          '304': notModified,
          '400': errors['400'],
          '404': problem('No track with this ISRC.'),
          '503': unavailable,
        },
      },
    },
  },
  components: {
    schemas: {
      ...sharedSchemas,
      Track: {
        type: 'object',
        additionalProperties: false,
        required: [
          'track_id',
          'isrc',
          'title',
          'artists',
          'label_id',
          'label_name',
          'release_id',
          'duration_ms',
          'markets',
          'updated_at',
          'streams',
          'skips',
        ],
        properties: {
          track_id: { type: 'string' },
          isrc: { type: 'string' },
          title: { type: 'string' },
          artists: { type: 'array', items: ref('ArtistCredit'), description: 'Main artist first' },
          label_id: { type: 'string' },
          label_name: { type: 'string' },
          release_id: { type: ['string', 'null'] },
          duration_ms: countSchema,
          markets: { type: 'array', items: marketSchema },
          updated_at: {
            type: 'string',
            format: 'date-time',
            description: 'Event time of the upload this metadata comes from',
          },
          streams: { ...countSchema, description: 'All-time qualified streams (>= 30 s)' },
          skips: { ...countSchema, description: 'All-time skips' },
        },
      },
      DayCounts: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'streams', 'skips'],
        properties: { day: daySchema, streams: countSchema, skips: countSchema },
      },
      TrackStreams: {
        type: 'object',
        additionalProperties: false,
        required: ['track_id', 'market', 'from', 'to', 'streams', 'skips', 'days'],
        properties: {
          track_id: { type: 'string' },
          market: { oneOf: [marketSchema, { type: 'null' }] },
          from: daySchema,
          to: daySchema,
          streams: { ...countSchema, description: 'Sum over the range' },
          skips: { ...countSchema, description: 'Sum over the range' },
          days: { type: 'array', maxItems: MAX_RANGE_DAYS, items: ref('DayCounts') },
        },
      },
      MarketCounts: {
        type: 'object',
        additionalProperties: false,
        required: ['market', 'streams', 'skips'],
        properties: { market: marketSchema, streams: countSchema, skips: countSchema },
      },
      TrackMarkets: {
        type: 'object',
        additionalProperties: false,
        required: ['track_id', 'markets'],
        properties: {
          track_id: { type: 'string' },
          markets: { type: 'array', items: ref('MarketCounts') },
        },
      },
    },
  },
};
