/**
 * Figure 5's library comparison: the API's two hot routes on fastify instead of express, doing
 * the same per-request work as the API (an X-Request-Id, `http_requests_total` and
 * `http_request_duration_seconds`, a JSON log line at info, the track's weak ETag with
 * Cache-Control and 304, the user token check, problem+json errors) through the same readers.
 * Bench only: it tells whether moving the API to fastify would clear figure 5's target.
 * Run by bench/benchmarks/api-reads.ts: node --import tsx bench/servers/fastify-reads.server.ts <port>
 */
import Fastify from 'fastify';
import { connectRedis, createRedisConnection } from '../../context/redis-connection.js';
import { loadConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { createHttpMetrics } from '../../common/http/http-metrics.js';
import { verifyToken } from '../../api/app/auth/api-token.js';
import { requestIdOf } from '../../common/http/http-observability.js';
import { problemBody } from '../../common/http/problem.js';
import { MAX_LIMIT } from '../../read-models/user-state/user-state.cursor.js';
import { publicTrack } from '../../api/routes/tracks/tracks.route.js';
import { cacheControl, etagMatches, weakEtag } from '../../api/routes/tracks/public-read.http.js';
import { createReadModels } from '../../read-models/read-models.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: fastify-reads.server.ts <port>');
  process.exit(2);
}
const config = loadConfig();
const logger = createLogger(config.log, 'fastify-reads');
const registry = createMetricsRegistry('fastify-reads');
// The API's own Redis option set, so the peers read as the API does.
const redis = createRedisConnection(config.redis, {
  logger: createLogger({ level: 'warn' }, 'bench-reads'),
});
await connectRedis(redis);
const { catalogue, playCounts, userState } = createReadModels({ redis });

const { requests, latency } = createHttpMetrics(registry);

const app = Fastify({
  logger: false,
  genReqId: (req) => {
    const given = req.headers['x-request-id'];
    return requestIdOf(typeof given === 'string' ? given : undefined);
  },
});
const started = Symbol('started');
app.addHook('onRequest', async (req, reply) => {
  (req as unknown as Record<symbol, bigint>)[started] = process.hrtime.bigint();
  void reply.header('x-request-id', req.id);
});
app.addHook('onResponse', async (req, reply) => {
  const seconds =
    Number(process.hrtime.bigint() - (req as unknown as Record<symbol, bigint>)[started]!) / 1e9;
  const route = req.routeOptions.url ?? 'unmatched';
  requests.inc({ route, method: req.method, status: String(reply.statusCode) });
  latency.observe({ route, method: req.method }, seconds);
  if (logger.isLevelEnabled('info'))
    logger.info(
      {
        request_id: req.id,
        method: req.method,
        route,
        status: reply.statusCode,
        ms: seconds * 1e3,
      },
      'request',
    );
});
const problem = (status: number, code: string, detail: string) =>
  problemBody({ status, title: code, code, detail });
app.setErrorHandler((err: Error, _req, reply) => {
  void reply
    .code(503)
    .header('retry-after', '1')
    .type('application/problem+json')
    .send(problem(503, 'store-unavailable', err.message));
});

app.get('/healthz', async () => ({ status: 'ok' }));
app.get<{ Params: { trackId: string } }>('/v1/tracks/:trackId', async (req, reply) => {
  const id = req.params.trackId;
  if (id.length > 256)
    return reply
      .code(400)
      .type('application/problem+json')
      .send(problem(400, 'invalid-parameter', 'trackId: at most 256 characters'));
  const track = await catalogue.track(id);
  if (!track)
    return reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'track-not-found', `no track ${id}`));
  const json = JSON.stringify(publicTrack(track, await playCounts.trackTotals(id)));
  const etag = weakEtag(json);
  void reply.header('etag', etag).header('cache-control', cacheControl({}));
  if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json').send(json);
});
app.get<{ Querystring: { limit?: string; cursor?: string } }>(
  '/v1/me/recently-played',
  async (req, reply) => {
    const auth = req.headers.authorization ?? '';
    const v = verifyToken(auth.startsWith('Bearer ') ? auth.slice(7) : '', config.api.tokenSecret);
    if (!v.ok || v.claims.role !== 'user')
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('application/problem+json')
        .send(problem(401, 'unauthorized', 'a user token is required'));
    const raw = req.query.limit;
    const limit = raw === undefined ? undefined : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (limit !== undefined && !(limit >= 1 && limit <= MAX_LIMIT))
      return reply
        .code(400)
        .type('application/problem+json')
        .send(problem(400, 'invalid-parameter', `limit: an integer from 1 to ${MAX_LIMIT}`));
    void reply.header('cache-control', 'private, no-store');
    return userState.recent(v.claims.sub, { limit, cursor: req.query.cursor });
  },
);

await app.listen({ port, host: config.stack.host });
const stop = async () => {
  await app.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
