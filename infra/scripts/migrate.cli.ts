/**
 * Applies the ClickHouse migrations (sinks/clickhouse/migrations) that are not applied yet, and
 * prints each one it applied; idempotent (a second run applies nothing). For deployments whose
 * roles run as separate processes: each role checks at start-up that the schema version it
 * needs is there (sinks/clickhouse/schema-version.ts) and waits for it.
 *   npm run migrate
 * Exit 0 when the schema is current, 1 when ClickHouse cannot be reached or refuses a
 * migration (the message says which), 2 on a bad flag or setting.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { migrate, readMigrations } from '../../sinks/clickhouse/migrate.js';

/** The URL without credentials or query, for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid CLICKHOUSE_URL)';
  }
}

async function main(): Promise<number> {
  const flags = process.argv.slice(2);
  if (flags.length) throw new ConfigError([`unknown flag ${flags[0]} (usage: npm run migrate)`]);
  const config = loadConfig();
  const where = `${safeUrl(config.clickhouse.url)} (database ${config.clickhouse.database})`;
  let ch: ClickHouseHandle;
  try {
    ch = await openClickHouse(config.clickhouse);
  } catch (err) {
    console.error(
      `migrate: ClickHouse at ${where} is unreachable: ${(err as Error).message}. ` +
        'Start it (npm run stack -- up) or set CLICKHOUSE_URL.',
    );
    return 1;
  }
  try {
    const migrations = readMigrations();
    const name = (v: number) =>
      `${String(v).padStart(4, '0')}_${migrations.find((m) => m.version === v)?.name ?? '?'}`;
    const { applied, current } = await migrate(ch.client, migrations);
    for (const v of applied) console.log(`applied ${name(v)}`);
    console.log(
      applied.length
        ? `ClickHouse at ${where}: ${applied.length} migration(s) applied; schema version ${current}`
        : `ClickHouse at ${where}: schema version ${current} is current; nothing to apply`,
    );
    return 0;
  } catch (err) {
    console.error(`migrate: ${(err as Error).message}`);
    return 1;
  } finally {
    await ch.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `migrate: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
