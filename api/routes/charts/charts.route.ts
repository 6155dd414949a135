import express, { type Router } from 'express';
import type { CatalogueReader } from '../../../read-models/catalogue/catalogue.reader.js';
import { CHART_SIZE, GLOBAL } from '../../../read-models/play-counts/play-counts.keys.js';
import type { PlayCountsReader } from '../../../read-models/play-counts/play-counts.reader.js';
import {
  parseDay,
  parseLimit,
  parseMarket,
  readErrorHandler,
  sendBadParam,
  sendCachedJson,
  type PublicReadRouteConfig,
} from '../tracks/public-read.http.js';
import {
  cachedJson,
  countSchema,
  daySchema,
  ifNoneMatch,
  marketSchema,
  notModified,
  problem,
  ref,
  sharedSchemas,
  unavailable,
} from '../tracks/public-read.openapi.js';

export interface ChartsRouteDeps {
  playCounts: PlayCountsReader;
  catalogue: CatalogueReader;
}

/**
 * The live daily charts: the top 50 tracks of a UTC day by qualified streams, globally or in
 * one market, ties by track id, joined with title and artists from the catalogue (null and []
 * for a track that streamed before its upload arrived). A day without streams has an empty chart.
 */
export function createChartsRouter(config: PublicReadRouteConfig, deps: ChartsRouteDeps): Router {
  const router = express.Router();

  async function answer(
    req: express.Request,
    res: express.Response,
    marketRaw: string | undefined,
  ) {
    const day = parseDay(req.params.day);
    if (!day.ok) return sendBadParam(res, 'day', day.reason);
    const market =
      marketRaw === undefined || marketRaw === GLOBAL ? undefined : parseMarket(marketRaw);
    if (market && !market.ok) return sendBadParam(res, 'market', market.reason);
    const limit = parseLimit(req.query.limit, 1, CHART_SIZE, CHART_SIZE);
    if (!limit.ok) return sendBadParam(res, 'limit', limit.reason);
    const scope = market?.value ?? GLOBAL;
    const entries = await deps.playCounts.chart(day.value, scope, limit.value);
    const tracks = await deps.catalogue.tracks(entries.map((e) => e.track_id));
    const items = entries.map((e) => ({
      ...e,
      title: tracks.get(e.track_id)?.title ?? null,
      artists: tracks.get(e.track_id)?.artists ?? [],
    }));
    sendCachedJson(req, res, { day: day.value, market: scope, items }, config);
  }

  router.get('/v1/charts/:day', (req, res) => answer(req, res, undefined));
  router.get('/v1/charts/:day/:market', (req, res) => answer(req, res, req.params.market));
  router.use(readErrorHandler);
  return router;
}

const dayParam = {
  name: 'day',
  in: 'path',
  required: true,
  description: 'UTC day (event time)',
  schema: daySchema,
};
const limitParam = {
  name: 'limit',
  in: 'query',
  required: false,
  description: `How many entries (default ${CHART_SIZE})`,
  schema: { type: 'integer', minimum: 1, maximum: CHART_SIZE, default: CHART_SIZE },
};
const responses = {
  '200': cachedJson('Chart', 'The chart, rank 1 first'),
  '304': notModified,
  '400': problem('A parameter is invalid (named in `parameter`).'),
  '503': unavailable,
};

/** OpenAPI 3.1 fragment: paths and component schemas of the live charts. */
export const chartsOpenApi = {
  paths: {
    '/v1/charts/{day}': {
      get: {
        summary: 'Global top 50 of a day by qualified streams',
        tags: ['charts'],
        security: [],
        parameters: [dayParam, limitParam, ifNoneMatch],
        responses,
      },
    },
    '/v1/charts/{day}/{market}': {
      get: {
        summary: 'Top 50 of a day in one market (or "global")',
        tags: ['charts'],
        security: [],
        parameters: [
          dayParam,
          {
            name: 'market',
            in: 'path',
            required: true,
            schema: { oneOf: [marketSchema, { const: GLOBAL }] },
          },
          limitParam,
          ifNoneMatch,
        ],
        responses,
      },
    },
  },
  components: {
    schemas: {
      ...sharedSchemas,
      ChartEntry: {
        type: 'object',
        additionalProperties: false,
        required: ['rank', 'track_id', 'streams', 'title', 'artists'],
        properties: {
          rank: { type: 'integer', minimum: 1, maximum: CHART_SIZE },
          track_id: { type: 'string' },
          streams: { ...countSchema, minimum: 1 },
          title: {
            type: ['string', 'null'],
            description: 'null until the track is in the catalogue',
          },
          artists: { type: 'array', items: ref('ArtistCredit') },
        },
      },
      Chart: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'market', 'items'],
        properties: {
          day: daySchema,
          market: { oneOf: [marketSchema, { const: GLOBAL }] },
          items: { type: 'array', maxItems: CHART_SIZE, items: ref('ChartEntry') },
        },
      },
    },
  },
};
