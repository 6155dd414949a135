import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import type { ClickHouseConfig } from '../../common/config/app.config.js';

export type { ClickHouseClient };

export interface ClickHouseHandle {
  client: ClickHouseClient;
  /** 'chdb' when the engine runs inside this process (it then owns the data folder). */
  mode: 'chdb' | 'server';
  /** Where it lives: the chDB data folder, or the server URL without credentials. */
  location: string;
  close: () => Promise<void>;
}

/**
 * Opens ClickHouse over HTTP through `@clickhouse/client`: the local chDB server (which owns
 * the chDB data folder) unless CLICKHOUSE_URL names another ClickHouse server. Every Backbeat
 * process uses this, so any number of them share one ClickHouse. The Backbeat database is
 * created when missing and selected, so every query can use bare table names.
 */
export async function openClickHouse(
  config: Pick<ClickHouseConfig, 'url' | 'database'>,
  opts: { requestTimeoutMs?: number } = {},
): Promise<ClickHouseHandle> {
  // The client's own logger prints every failed request to stderr as multi-line text; callers
  // get the error, and classify and log it as structured JSON themselves.
  const log = { level: ClickHouseLogLevel.OFF };
  const bootstrap = createClient({ url: config.url, log });
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}` });
  } finally {
    await bootstrap.close();
  }
  const client = createClient({
    url: config.url,
    database: config.database,
    log,
    // The client's default (30 s) unless a caller runs long batch queries (a royalty close).
    ...(opts.requestTimeoutMs ? { request_timeout: opts.requestTimeoutMs } : {}),
  });
  const u = new URL(config.url);
  return {
    client,
    mode: 'server',
    location: `${u.protocol}//${u.host}${u.pathname}`,
    close: () => client.close(),
  };
}

/**
 * Opens chDB inside this process on `path` (this process then owns the folder: no other may
 * open it while it runs). For single-process tools and tests only: `chdb/connection` applies
 * `clickhouse_settings` as session-wide `SET`s, so a setting given to one query stays for the
 * next. Platform processes use {@link openClickHouse} and the chDB server instead.
 */
export async function openEmbeddedChdb(path: string, database: string): Promise<ClickHouseHandle> {
  mkdirSync(path, { recursive: true });
  // chDB ignores the client's `database` option; `USE` selects it for this session instead.
  // chDB types its Connection against @clickhouse/client-common, the client against its own
  // bundled copy of the same interface; the shapes match, the declarations do not.
  type Connection = NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const connection = createChdbConnection({ path }) as unknown as Connection;
  const client = createClient({ connection });
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({ query: `USE ${database}` });
  // A ClickHouse server quotes 64-bit integers in JSON by default; chDB does not. Match the
  // server so that results have one shape in both modes (and no precision is lost).
  await client.command({ query: 'SET output_format_json_quote_64bit_integers = 1' });
  return { client, mode: 'chdb', location: path, close: () => client.close() };
}
