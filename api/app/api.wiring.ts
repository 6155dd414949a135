import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import type { AppContext } from '../../context/app-context.js';
import { createReadModels } from '../../read-models/read-models.js';
import { createAnalystClickHouse } from './analyst-clickhouse.js';
import { applyAnalystUser } from './analyst-user.js';
import { createApiApp } from './api.app.js';

/**
 * The read API role over a shared context: waits for Redis and ClickHouse (schema migrated),
 * makes sure the read-only analyst user exists on a ClickHouse server (CLICKHOUSE_URL), builds
 * the read models' readers and serves on API_PORT. Used by the API's own process and by the
 * main job; what it opens closes with the context.
 */
export async function startApi(ctx: AppContext) {
  const { config, logger, registry } = ctx;
  const redis = await ctx.redis();
  const clickhouse = await ctx.clickhouse();
  if (!config.clickhouse.local) {
    const n = await applyAnalystUser(clickhouse.client, {
      analystUser: config.chdbServer.analystUser,
      analystPassword: config.chdbServer.analystPassword,
      database: config.clickhouse.database,
      maxRows: config.api.sqlMaxRows,
      maxSeconds: config.api.sqlMaxSeconds,
      maxMemoryBytes: config.api.sqlMaxMemoryBytes,
      maxResultBytes: config.api.sqlMaxResultBytes,
    }).catch((err: Error) => {
      throw new BackbeatError(
        'ANALYST_USER_FAILED',
        `could not create the analyst user on ${clickhouse.location} (the CLICKHOUSE_URL user needs access management): ${err.message}`,
        { cause: err },
      );
    });
    logger.info({ statements: n }, 'analyst user applied');
  }
  const analyst = createAnalystClickHouse(config);
  ctx.onClose(() => analyst.close());
  const publicUrl = `http://${config.stack.host}:${config.api.port}`;
  const { app } = createApiApp(
    { api: config.api, publicUrl, recs: config.recs },
    {
      logger,
      registry,
      redis,
      clickhouse: clickhouse.client,
      analystClickHouse: analyst,
      readers: createReadModels({ redis }),
    },
  );
  const server = await listen(app, config.api.port, config.stack.host);
  ctx.onClose(server.close);
  const url = `http://${config.stack.host}:${server.port}`;
  logger.info({ url, clickhouse: clickhouse.location }, 'api listening');
  return { url, port: server.port, clickhouse: clickhouse.location };
}
