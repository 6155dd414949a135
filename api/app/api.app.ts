import type { ClickHouseClient } from '@clickhouse/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createOpsRouter, type ReadinessCheck } from '../../common/http/ops.router.js';
import { sendProblem } from '../../common/http/problem.js';
import type { Logger } from '../../common/logging/logger.js';
import type { CatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { createRecsReader, type RecsReader } from '../../read-models/co-listening/recs.reader.js';
import type { PlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import type { UserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { catalogueOpenApi, createCatalogueRouter } from '../routes/catalogue/catalogue.route.js';
import { chartsOpenApi, createChartsRouter } from '../routes/charts/charts.route.js';
import { createLabelsRouter, labelsOpenApi } from '../routes/labels/labels.route.js';
import { listenerMarketFrom } from '../routes/recs/listener-market.js';
import { createRecsRouter, recsOpenApi } from '../routes/recs/recs.route.js';
import { createPlaylistsRouter, playlistsOpenApi } from '../routes/playlists/playlists.route.js';
import {
  createPlaylistsReader,
  type PlaylistsReader,
} from '../../read-models/playlists/playlists.reader.js';
import { createRoyaltiesRouter, royaltiesOpenApi } from '../routes/royalties/royalties.route.js';
import { createSqlRouter, sqlOpenApi } from '../routes/sql/sql.route.js';
import { createTracksRouter, tracksOpenApi } from '../routes/tracks/tracks.route.js';
import {
  createUserStateRouter,
  defaultUserStateRouteConfig,
  userStateOpenApi,
} from '../routes/user-state/user-state.route.js';
import { buildApiOpenApi } from './api.openapi.js';
import { optionalUserToken, requireToken } from './auth/auth.middleware.js';
import { httpObservability } from '../../common/http/http-observability.js';
import { methodGuard } from './method-guard.js';

export interface ApiAppConfig {
  api: AppConfig['api'];
  /** Where clients reach this API (the OpenAPI `servers` entry). */
  publicUrl: string;
  /** Cache-Control max-age of public reads, in seconds (default 5). */
  publicMaxAgeSeconds?: number;
  /** The daily mix's per-artist cap (RECS_MIX_PER_ARTIST, default 2). */
  recs?: Pick<AppConfig['recs'], 'mixPerArtist'>;
}

export interface ApiReaders {
  userState: UserStateReader;
  playCounts: PlayCountsReader;
  catalogue: CatalogueReader;
  /** The neighbour refresh's lists (default: read from `redis`). */
  recs?: RecsReader;
  /** The playlists projection (default: read from `redis`). */
  playlists?: PlaylistsReader;
}

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  redis: Redis;
  /** ClickHouse as Backbeat's own user (readiness, the royalty ledger and statements). */
  clickhouse: ClickHouseClient;
  /** ClickHouse as the read-only analyst user (POST /v1/sql). */
  analystClickHouse: ClickHouseClient;
  readers: ApiReaders;
  /** Extra readiness checks (the defaults are Redis and ClickHouse). */
  readiness?: readonly ReadinessCheck[];
  /** Clock for token expiry, default date ranges and the label rate limit. */
  now?: () => number;
}

/**
 * The read API: ops endpoints, /openapi.json, token checks for /v1/me (user), /v1/sql
 * (analyst), /v1/label (label) and /v1/operator (operator), the feature routers, and
 * problem+json for every error (no stack trace leaves).
 */
export function createApiApp(config: ApiAppConfig, deps: ApiDeps) {
  const now = deps.now ?? Date.now;
  const openapi = buildApiOpenApi(
    {
      userState: userStateOpenApi,
      tracks: tracksOpenApi,
      charts: chartsOpenApi,
      catalogue: catalogueOpenApi,
      sql: sqlOpenApi,
      labels: labelsOpenApi,
      royalties: royaltiesOpenApi,
      recs: recsOpenApi,
      playlists: playlistsOpenApi,
    },
    { serverUrl: config.publicUrl },
  );
  const openapiJson = JSON.stringify(openapi);

  const app = express();
  app.disable('x-powered-by');
  // Routes set their own validators where caching helps; no automatic ETags on private data.
  app.set('etag', false);
  app.use(httpObservability({ logger: deps.logger, registry: deps.registry }));
  app.use(methodGuard(openapi.paths));
  app.use(
    createOpsRouter({
      registry: deps.registry,
      readiness: [
        { name: 'redis', check: async () => void (await deps.redis.ping()) },
        {
          name: 'clickhouse',
          check: async () => {
            const rs = await deps.clickhouse.query({ query: 'SELECT 1', format: 'JSONEachRow' });
            await rs.json();
          },
        },
        ...(deps.readiness ?? []),
      ],
    }),
  );
  app.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').type('application/json').send(openapiJson);
  });

  const secret = { secret: config.api.tokenSecret, now };
  app.use('/v1/me', requireToken(secret, ['user']));
  app.use('/v1/sql', requireToken(secret, ['analyst']));
  app.use('/v1/label', requireToken(secret, ['label']));
  app.use('/v1/operator', requireToken(secret, ['operator']));
  // Public playlists need no token; a token sent is checked (it may open private ones).
  app.use('/v1/playlists', optionalUserToken(secret));

  const { userState, playCounts, catalogue } = deps.readers;
  const publicConfig = { maxAgeSeconds: config.publicMaxAgeSeconds ?? 5 };
  app.use(
    createUserStateRouter(
      { ...defaultUserStateRouteConfig, publicMaxAgeSeconds: publicConfig.maxAgeSeconds },
      {
        reader: userState,
        artistExists: async (id) => (await catalogue.artistTracks(id)).length > 0,
      },
    ),
  );
  app.use(
    createRecsRouter(
      { ...publicConfig, mixPerArtist: config.recs?.mixPerArtist ?? 2 },
      {
        recs: deps.readers.recs ?? createRecsReader({ redis: deps.redis }),
        catalogue,
        playCounts,
        userState,
        listenerMarket: listenerMarketFrom(deps.clickhouse, { now }),
        now,
      },
    ),
  );
  app.use(
    createPlaylistsRouter(publicConfig, {
      reader: deps.readers.playlists ?? createPlaylistsReader({ redis: deps.redis }),
    }),
  );
  app.use(createTracksRouter(publicConfig, { catalogue, playCounts, now }));
  app.use(createChartsRouter(publicConfig, { catalogue, playCounts }));
  app.use(createCatalogueRouter(publicConfig, { catalogue, playCounts }));
  app.use(
    createSqlRouter(
      {
        maxRows: config.api.sqlMaxRows,
        maxSeconds: config.api.sqlMaxSeconds,
        maxMemoryBytes: config.api.sqlMaxMemoryBytes,
        maxResultBytes: config.api.sqlMaxResultBytes,
      },
      { clickhouse: deps.analystClickHouse, logger: deps.logger, registry: deps.registry },
    ),
  );
  app.use(
    createLabelsRouter(
      {
        rateLimit: {
          ratePerSecond: config.api.labelRatePerS,
          burst: config.api.labelRateBurst,
        },
      },
      { clickhouse: deps.clickhouse, catalogue, now },
    ),
  );
  app.use(
    createRoyaltiesRouter({
      clickhouse: deps.clickhouse,
      redis: deps.redis,
      logger: deps.logger,
      now,
    }),
  );

  app.use((req, res) =>
    sendProblem(res, {
      status: 404,
      code: 'not-found',
      title: 'No such endpoint',
      detail: `${req.method} ${req.path} is not part of this API (see /openapi.json)`,
    }),
  );
  app.use(errorHandler(deps.logger));
  return { app, openapi };
}

const OUTAGE =
  /MaxRetriesPerRequest|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|LOADING/;

/** The last resort: body-reader errors keep their 4xx, outages are 503, the rest 500. */
function errorHandler(logger: Logger) {
  return (
    err: Error & { type?: string; status?: number; code?: string },
    req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    if (res.headersSent) return next(err);
    if (err.type === 'entity.too.large')
      return sendProblem(res, {
        status: 413,
        code: 'body-too-large',
        title: 'The body is too large',
      });
    if (err.type === 'entity.parse.failed')
      return sendProblem(res, {
        status: 400,
        code: 'invalid-json',
        title: 'The body is not valid JSON',
      });
    if (err.status && err.status >= 400 && err.status < 500)
      return sendProblem(res, {
        status: err.status,
        code: 'bad-request',
        title: 'Bad request',
        detail: err.message,
      });
    if (
      (err instanceof BackbeatError && err.retriable) ||
      OUTAGE.test(`${err.name} ${err.message} ${err.code ?? ''}`)
    ) {
      logger.warn({ err, path: req.path, request_id: res.locals.requestId }, 'store unavailable');
      return sendProblem(
        res,
        { status: 503, code: 'store-unavailable', title: 'A store is unavailable; retry shortly' },
        { 'Retry-After': '1' },
      );
    }
    logger.error({ err, path: req.path, request_id: res.locals.requestId }, 'unexpected API error');
    sendProblem(res, {
      status: 500,
      code: 'internal',
      title: 'Internal error',
      detail: `request ${String(res.locals.requestId ?? '')}`.trim(),
    });
  };
}
