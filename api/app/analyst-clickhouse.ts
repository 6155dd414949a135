import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { AppConfig } from '../../common/config/app.config.js';

/**
 * A ClickHouse client logged in as the read-only analyst user (CLICKHOUSE_ANALYST_USER) at the
 * same ClickHouse as Backbeat's own processes: the local chDB server, or the server named by
 * CLICKHOUSE_URL (where sinks/clickhouse/server-only/0001_analyst_user.sql creates the user).
 * Its request timeout outlasts SQL_MAX_SECONDS, so ClickHouse, not the client, reports a
 * query that runs too long.
 */
export function createAnalystClickHouse(
  config: Pick<AppConfig, 'clickhouse' | 'chdbServer' | 'api'>,
): ClickHouseClient {
  const url = new URL(config.clickhouse.url);
  url.username = '';
  url.password = '';
  return createClient({
    url: url.toString(),
    username: config.chdbServer.analystUser,
    password: config.chdbServer.analystPassword,
    database: config.clickhouse.database,
    request_timeout: (config.api.sqlMaxSeconds + 15) * 1000,
    application: 'backbeat-api-sql',
    // Analyst errors are answers (400 problem+json), logged once by the route; not client errors.
    log: { level: ClickHouseLogLevel.OFF },
  });
}
