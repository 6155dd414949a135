import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { readMigrations } from './migrate.js';
import {
  REQUIRED_MIGRATIONS,
  REQUIRED_SCHEMA_VERSION,
  assertSchemaVersion,
} from './schema-version.js';

/** A client whose schema_migrations holds `versions` (or that fails with `error`). */
function fakeClient(versions: number[] | Error): ClickHouseClient {
  return {
    query: async () => {
      if (versions instanceof Error) throw versions;
      return { json: async () => versions.map((version) => ({ version: String(version) })) };
    },
  } as unknown as ClickHouseClient;
}

describe('required ClickHouse schema version', () => {
  it('names every migration file, in order: the required version is the highest', () => {
    const files = readMigrations().map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
    assert.deepEqual(REQUIRED_MIGRATIONS, files);
    assert.equal(REQUIRED_SCHEMA_VERSION, Math.max(...readMigrations().map((m) => m.version)));
  });

  it('given every migration applied, then it answers the version', async () => {
    assert.equal(await assertSchemaVersion(fakeClient([1, 2, 3, 4]), 4), 4);
    assert.equal(await assertSchemaVersion(fakeClient([1, 2, 3, 4, 5]), 4), 5);
  });

  it('given a migration missing, then a retriable error names it and the command', async () => {
    await assert.rejects(assertSchemaVersion(fakeClient([1, 2, 3]), 4), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'SCHEMA_MISSING');
      assert.equal((err as { retriable?: boolean }).retriable, true);
      assert.match(err.message, /0004_tracks_accepted_uploads not applied/);
      assert.match(err.message, /npm run migrate/);
      return true;
    });
  });

  it('given nothing ever migrated (no schema_migrations), then every migration is named', async () => {
    const noTable = Object.assign(new Error('Table schema_migrations does not exist'), {
      code: '60',
    });
    await assert.rejects(assertSchemaVersion(fakeClient(noTable), 2), {
      code: 'SCHEMA_MISSING',
      message: /migrations 0001_pipeline_probe, 0002_events not applied/,
    });
  });

  it('given ClickHouse unreachable, then a retriable CLICKHOUSE_UNAVAILABLE', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    await assert.rejects(assertSchemaVersion(fakeClient(refused)), {
      code: 'CLICKHOUSE_UNAVAILABLE',
      retriable: true,
    });
  });
});
