import path from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type {
  ChdbServerConfig,
  ClickHouseConfig,
  StackConfig,
} from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { tsEntryCommand, type ServiceSpec } from '../../common/process/process-supervisor.js';

/**
 * The chDB server as a local-stack service: `node --import tsx services/chdb-server/chdb-server.main.ts
 * --data=<chdbPath>`, the one process that opens the chDB data folder. Ready when `/ping`
 * answers `Ok.`. Every setting it needs is passed in its environment, so the process serves
 * exactly the stack it was started for, except the passwords (a file, see `prepare`).
 */
export function chdbServerService(config: {
  clickhouse: ClickHouseConfig;
  chdbServer: ChdbServerConfig;
  stack: StackConfig;
  log: { level: string };
}): ServiceSpec {
  const { clickhouse, chdbServer, stack } = config;
  const secretsFile = path.resolve(stack.root, stack.dataDir, 'run', 'chdb-server.secrets.json');
  const host = stack.host;
  const marker = `--data=${clickhouse.chdbPath}`;
  return {
    name: 'clickhouse',
    host,
    ports: [chdbServer.port],
    ...tsEntryCommand(stack.root, 'services/chdb-server/chdb-server.main.ts', [marker]),
    env: {
      BACKBEAT_DATA_DIR: stack.dataDir,
      BACKBEAT_HOST: host,
      LOG_LEVEL: config.log.level,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_DATABASE: clickhouse.database,
      CHDB_PATH: clickhouse.chdbPath,
      CHDB_SERVER_PORT: String(chdbServer.port),
      CHDB_SERVER_SESSIONS: String(chdbServer.sessions),
      CLICKHOUSE_USER: chdbServer.user,
      CLICKHOUSE_ANALYST_USER: chdbServer.analystUser,
      CHDB_SERVER_SECRETS_FILE: secretsFile,
    },
    // The passwords go in a file only this user can read, which the server reads once and
    // unlinks: never in its environment, which /proc/<pid>/environ shows for its whole life.
    prepare: async () => {
      mkdirSync(path.dirname(secretsFile), { recursive: true });
      rmSync(secretsFile, { force: true });
      writeFileSync(
        secretsFile,
        JSON.stringify({
          password: chdbServer.password,
          analystPassword: chdbServer.analystPassword,
        }),
        { mode: 0o600, flag: 'wx' },
      );
    },
    marker,
    readyTimeoutMs: 60_000,
    ready: () => chdbServerReady(`http://${host}:${chdbServer.port}`),
  };
}

/** Resolves when the server at `url` answers `GET /ping` with `Ok.`. */
export async function chdbServerReady(url: string): Promise<void> {
  const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
  const body = await res.text();
  if (res.status !== 200 || body !== 'Ok.\n')
    throw new BackbeatError(
      'CHDB_SERVER_NOT_READY',
      `GET /ping answered ${res.status} ${JSON.stringify(body.slice(0, 80))}`,
      { retriable: true },
    );
}
