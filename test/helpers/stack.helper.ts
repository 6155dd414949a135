import { loadConfig, type AppConfig } from '../../common/config/app.config.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { createStack } from '../../infra/stack/stack.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';

/**
 * The stack the current test run uses (`npm test` exports a private data folder and ports).
 * `up` is idempotent, so a test file run on its own starts the stack itself and leaves it up
 * for the next run; `npm test` stops it at the end.
 */
export async function useStack(env: NodeJS.ProcessEnv = process.env): Promise<AppConfig> {
  const config = loadConfig(env);
  await createStack(config).up();
  return config;
}

/**
 * useStack, then the ClickHouse migrations (`npm run migrate`), for tests that start a role as
 * its own process: every role waits at start-up for the schema version it needs.
 */
export async function useMigratedStack(env: NodeJS.ProcessEnv = process.env): Promise<AppConfig> {
  const config = await useStack(env);
  const ch = await openClickHouse(config.clickhouse);
  try {
    await migrate(ch.client);
  } finally {
    await ch.close();
  }
  return config;
}
