import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The ClickHouse migrations this code needs, by version: the files of
 * sinks/clickhouse/migrations (`NNNN_name.sql`). A unit test keeps this list equal to that
 * folder, so a new migration must be named here too (processors may not import from infra).
 */
export const REQUIRED_MIGRATIONS: readonly string[] = [
  '0001_pipeline_probe',
  '0002_events',
  '0003_sink_offsets',
  '0004_tracks_accepted_uploads',
  '0005_royalty_ledger',
  '0006_royalty_statements',
  '0007_co_listening',
];
/** The schema version this code needs: its highest migration. */
export const REQUIRED_SCHEMA_VERSION = REQUIRED_MIGRATIONS.length;

/**
 * Checks that the migrations up to `required` are applied (`schema_migrations`, written by
 * `npm run migrate`). Throws a retriable SCHEMA_MISSING naming what is missing (so a role that
 * starts before the migrations waits for them); throws CLICKHOUSE_UNAVAILABLE when ClickHouse
 * cannot be asked. Answers the applied version.
 */
export async function assertSchemaVersion(
  ch: ClickHouseClient,
  required: number = REQUIRED_SCHEMA_VERSION,
): Promise<number> {
  let versions: number[];
  try {
    const rs = await ch.query({
      query: `SELECT version FROM schema_migrations ORDER BY version`,
      format: 'JSONEachRow',
    });
    versions = (await rs.json<{ version: number | string }>()).map((r) => Number(r.version));
  } catch (err) {
    const code = Number((err as { code?: string }).code);
    // 60 UNKNOWN_TABLE: nothing was ever migrated here.
    if (code === 60) versions = [];
    else
      throw new BackbeatError(
        'CLICKHOUSE_UNAVAILABLE',
        `clickhouse: cannot read schema_migrations: ${(err as Error).message}`,
        { retriable: true, cause: err },
      );
  }
  const have = new Set(versions);
  const missing: number[] = [];
  for (let v = 1; v <= required; v++) if (!have.has(v)) missing.push(v);
  if (missing.length) {
    const named = missing
      .map((v) => REQUIRED_MIGRATIONS[v - 1] ?? String(v).padStart(4, '0'))
      .join(', ');
    throw new BackbeatError(
      'SCHEMA_MISSING',
      `ClickHouse schema version ${Math.max(0, ...versions)} is behind the ${required} this needs: ` +
        `migration${missing.length > 1 ? 's' : ''} ${named} not applied (run \`npm run migrate\`)`,
      { retriable: true },
    );
  }
  return Math.max(0, ...versions);
}

/**
 * Waits until the schema this code needs is there (a role started before `npm run migrate`,
 * or ClickHouse still starting), logging what it waits for on every attempt, with a capped
 * backoff. For roles without a start-up waiter of their own (the API, the rebuild CLI).
 */
export async function waitForSchemaVersion(
  ch: ClickHouseClient,
  deps: {
    logger: { warn: (obj: object, msg: string) => void };
    required?: number;
    maxWaitMs?: number;
    stopped?: () => boolean;
  },
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertSchemaVersion(ch, deps.required);
    } catch (err) {
      if (!(err instanceof BackbeatError) || !err.retriable || deps.stopped?.()) throw err;
      const wait = Math.min(deps.maxWaitMs ?? 5000, 250 * 2 ** Math.min(attempt, 8));
      deps.logger.warn(
        { dependency: 'clickhouse schema', attempt, retry_in_ms: wait, err: err.message },
        `waiting for the ClickHouse schema: ${err.message}; next retry in ${wait} ms`,
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
