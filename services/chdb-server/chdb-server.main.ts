/**
 * The chDB server's composition root: the one process that opens the chDB data folder. Serves
 * ClickHouse's HTTP interface on CHDB_SERVER_PORT until SIGTERM or SIGINT, then lets running
 * queries finish and closes the data folder. Started by the local stack (`npm run stack -- up`).
 *
 *   node --import tsx services/chdb-server/chdb-server.main.ts [--data=<chDB data folder>]
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { createChdbServer } from './chdb-server.js';

const USAGE = 'usage: chdb-server.main [--data=<chDB data folder>]  (default: CHDB_PATH)';

function parseFlags(argv: string[]): { data?: string } {
  const out: { data?: string } = {};
  for (const a of argv) {
    const m = /^--data=(.+)$/.exec(a);
    if (m) out.data = m[1]!;
    else throw new ConfigError([`unknown flag ${a}\n${USAGE}`]);
  }
  return out;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config.log, 'backbeat-chdb-server');
  const registry = createMetricsRegistry('backbeat-chdb-server');
  const dataPath = path.resolve(flags.data ?? config.clickhouse.chdbPath);
  mkdirSync(dataPath, { recursive: true });
  const { chdbServer } = config;
  const secrets = readSecrets(chdbServer);

  const server = await createChdbServer(
    {
      host: config.stack.host,
      port: chdbServer.port,
      path: dataPath,
      sessions: chdbServer.sessions,
      users: [
        { name: chdbServer.user, password: secrets.password, access: 'write' },
        { name: chdbServer.analystUser, password: secrets.analystPassword, access: 'read' },
      ],
      analystLimits: {
        maxRows: config.api.sqlMaxRows,
        maxSeconds: config.api.sqlMaxSeconds,
        maxMemoryBytes: config.api.sqlMaxMemoryBytes,
        maxResultBytes: config.api.sqlMaxResultBytes,
      },
    },
    { log, registry },
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing running queries, closing the data folder');
    try {
      await server.close();
      log.info('chdb server stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const { port } = await server.listen();
  log.info(
    {
      url: `http://${config.stack.host}:${port}`,
      data: dataPath,
      version: server.engine.version,
      sessions: chdbServer.sessions,
      users: [chdbServer.user, `${chdbServer.analystUser} (readonly)`],
    },
    'chdb server listening',
  );
}

/**
 * The two passwords: from the file named by CHDB_SERVER_SECRETS_FILE (JSON
 * {"password", "analystPassword"}, mode 0600, written by the stack), read once and unlinked so
 * that neither the process environment (/proc/<pid>/environ) nor the disk keeps them; without
 * that variable, from CLICKHOUSE_PASSWORD and CLICKHOUSE_ANALYST_PASSWORD as before.
 */
function readSecrets(c: { password: string; analystPassword: string }): {
  password: string;
  analystPassword: string;
} {
  const file = process.env.CHDB_SERVER_SECRETS_FILE;
  if (!file) return c;
  let parsed: { password?: unknown; analystPassword?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } finally {
    rmSync(file, { force: true });
  }
  if (typeof parsed.password !== 'string' || typeof parsed.analystPassword !== 'string')
    throw new ConfigError([`${file}: needs {"password": "...", "analystPassword": "..."}`]);
  return { password: parsed.password, analystPassword: parsed.analystPassword };
}

main().catch((err) => {
  console.error(
    err instanceof ConfigError ? err.message : `chdb-server: ${(err as Error).message}`,
  );
  process.exit(err instanceof ConfigError ? 2 : 1);
});
