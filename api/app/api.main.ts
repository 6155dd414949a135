/**
 * The read API as its own process: validates config, opens Redis and ClickHouse (as Backbeat's
 * user for readiness, as the read-only analyst user for /v1/sql), builds the projection
 * readers and serves on API_PORT until SIGTERM/SIGINT, then closes everything it opened.
 * It reads only: the processors write the projections, the main job applies migrations. Against
 * a ClickHouse server (CLICKHOUSE_URL) it first creates or updates the read-only analyst user
 * (sinks/clickhouse/server-only/0001_analyst_user.sql).
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { createStartupState, waitForDependency } from '../../context/startup-wait.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { waitForSchemaVersion } from '../../sinks/clickhouse/schema-version.js';
import { createAnalystClickHouse } from './analyst-clickhouse.js';
import { createApiApp } from './api.app.js';
import { applyAnalystUser } from './analyst-user.js';

const SERVICE = 'backbeat-api';

async function main(): Promise<void> {
  if (process.argv.length > 2)
    throw new ConfigError([
      `unknown argument ${process.argv[2]} (the API takes its settings from the environment)`,
    ]);
  const config = loadConfig();
  const logger = createLogger(config.log, SERVICE);
  const registry = createMetricsRegistry(SERVICE);
  const closers: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ code }, 'shutting down');
    for (const close of closers.reverse())
      await close().catch((err) => logger.warn({ err }, 'close failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    // Reads fail fast while Redis is away (503 with Retry-After), instead of queueing.
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    closers.push(async () => void redis.disconnect());
    redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
    // A store that is not there yet is waited for (warn lines with the next retry), not fatal.
    const startup = createStartupState();
    const wait = <T>(dependency: string, attempt: () => Promise<T>) =>
      waitForDependency(dependency, attempt, {
        logger,
        state: startup,
        retry: { initialMs: 500, maxMs: 5000 },
      });
    await wait('redis', async () => {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      await redis.ping();
    });
    const clickhouse = await wait('clickhouse', () => openClickHouse(config.clickhouse));
    closers.push(clickhouse.close);
    await waitForSchemaVersion(clickhouse.client, { logger });
    if (!config.clickhouse.local) {
      // A ClickHouse server: make sure the analyst user exists with the current limits.
      const n = await applyAnalystUser(clickhouse.client, {
        analystUser: config.chdbServer.analystUser,
        analystPassword: config.chdbServer.analystPassword,
        database: config.clickhouse.database,
        maxRows: config.api.sqlMaxRows,
        maxSeconds: config.api.sqlMaxSeconds,
        maxMemoryBytes: config.api.sqlMaxMemoryBytes,
        maxResultBytes: config.api.sqlMaxResultBytes,
      }).catch((err: Error) => {
        throw new Error(
          `could not create the analyst user on ${clickhouse.location} (the CLICKHOUSE_URL user needs access management): ${err.message}`,
        );
      });
      logger.info({ statements: n }, 'analyst user applied');
    }
    const analyst = createAnalystClickHouse(config);
    closers.push(() => analyst.close());

    const catalogue = createCatalogueReader({ redis });
    const { app } = createApiApp(
      { api: config.api, publicUrl: `http://${config.stack.host}:${config.api.port}` },
      {
        logger,
        registry,
        redis,
        clickhouse: clickhouse.client,
        analystClickHouse: analyst,
        readers: {
          userState: createUserStateReader({ redis }),
          catalogue,
          playCounts: createPlayCountsReader({ redis, catalogue }),
        },
      },
    );
    const server = await listen(app, config.api.port, config.stack.host);
    closers.push(server.close);
    const url = `http://${config.stack.host}:${server.port}`;
    logger.info({ url, clickhouse: clickhouse.location }, 'api listening');
    console.log(`Backbeat API on ${url}  (${url}/openapi.json, ${url}/metrics, ${url}/readyz)`);
  } catch (err) {
    logger.error({ err }, 'api failed to start');
    console.error(`api: ${(err as Error).message}`);
    await stop(1);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `api: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
