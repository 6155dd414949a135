/**
 * The read API as its own process: waits for Redis and ClickHouse (as Backbeat's user for
 * readiness, as the read-only analyst user for /v1/sql), builds the read models' readers and
 * serves on API_PORT until SIGTERM/SIGINT, then closes everything it opened. It reads only:
 * the processors write the projections, `npm run migrate` (or the main job) applies
 * migrations. Against a ClickHouse server (CLICKHOUSE_URL) it first creates or updates the
 * read-only analyst user (sinks/clickhouse/server-only/0001_analyst_user.sql).
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createAppContext } from '../../context/app-context.js';
import { runRoleMain, shutdownWith } from '../../context/role-main.js';
import { startApi } from './api.wiring.js';

runRoleMain('api', async () => {
  if (process.argv.length > 2)
    throw new ConfigError([
      `unknown argument ${process.argv[2]} (the API takes its settings from the environment)`,
    ]);
  const ctx = createAppContext(loadConfig(), { service: 'backbeat-api' });
  const shutdown = shutdownWith(ctx);
  try {
    const api = await startApi(ctx);
    ctx.startup.started = true;
    console.log(
      `Backbeat API on ${api.url}  (${api.url}/openapi.json, ${api.url}/metrics, ${api.url}/readyz)`,
    );
  } catch (err) {
    ctx.logger.error({ err }, 'api failed to start');
    console.error(`api: ${(err as Error).message}`);
    await shutdown(1, 'start-up failed');
  }
});
