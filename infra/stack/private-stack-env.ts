/**
 * The environment of a private stack: every port at base+N, its own data folder, and none of
 * the suite's own addresses (they would point its clients at the shared stack).
 */
export function privateStackEnv(
  base: number,
  dataDir: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BACKBEAT_DATA_DIR: dataDir,
    KAFKA_PORT: String(base + 92),
    KAFKA_CONTROLLER_PORT: String(base + 93),
    REDIS_PORT: String(base + 79),
    SCHEMA_REGISTRY_PORT: String(base + 81),
    CHDB_SERVER_PORT: String(base + 23),
    METRICS_PORT: String(base + 64),
    GATEWAY_PORT: String(base + 90),
    API_PORT: String(base + 80),
    LOG_LEVEL: 'warn',
    ...extra,
  };
  for (const k of [
    'KAFKA_BROKERS',
    'REDIS_URL',
    'CLICKHOUSE_URL',
    'SCHEMA_REGISTRY_URL',
    'CHDB_PATH',
  ])
    delete env[k];
  return env;
}
