/**
 * The anchor of figure 5: a bare node:http handler doing the same Redis reads as the API's two
 * hot routes, through the same readers, with the same token check, and nothing else (no
 * framework, no request logs or metrics, no ETag). Run by bench/benchmarks/api-reads.ts as its
 * own process, like the API: node --import tsx bench/servers/bare-reads.server.ts <port>
 */
import { createServer, type ServerResponse } from 'node:http';
import { createLogger } from '../../common/logging/logger.js';
import { connectRedis, createRedisConnection } from '../../context/redis-connection.js';
import { loadConfig } from '../../common/config/app.config.js';
import { verifyToken } from '../../api/app/auth/api-token.js';
import { publicTrack } from '../../api/routes/tracks/tracks.route.js';
import { createReadModels } from '../../read-models/read-models.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: bare-reads.server.ts <port>');
  process.exit(2);
}
const config = loadConfig();
// The API's own Redis option set, so the peers read as the API does.
const redis = createRedisConnection(config.redis, {
  logger: createLogger({ level: 'warn' }, 'bench-reads'),
});
await connectRedis(redis);
const { catalogue, playCounts, userState } = createReadModels({ redis });

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const TRACK = /^\/v1\/tracks\/([^/?]+)$/;

const server = createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
    const m = TRACK.exec(url.pathname);
    if (m) {
      const id = decodeURIComponent(m[1] as string);
      const track = await catalogue.track(id);
      if (!track) return json(res, 404, { code: 'track-not-found' });
      return json(res, 200, publicTrack(track, await playCounts.trackTotals(id)));
    }
    if (url.pathname === '/v1/me/recently-played') {
      const auth = req.headers.authorization ?? '';
      const v = verifyToken(
        auth.startsWith('Bearer ') ? auth.slice(7) : '',
        config.api.tokenSecret,
      );
      if (!v.ok || v.claims.role !== 'user') return json(res, 401, { code: 'unauthorized' });
      const limit = Number(url.searchParams.get('limit') ?? 20);
      return json(res, 200, await userState.recent(v.claims.sub, { limit }));
    }
    json(res, 404, { code: 'not-found' });
  })().catch((err: Error) => json(res, 503, { code: 'store-unavailable', detail: err.message }));
});
server.listen(port, config.stack.host);
const stop = () => {
  server.close();
  server.closeAllConnections();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
