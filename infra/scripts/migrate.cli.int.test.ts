/**
 * `npm run migrate` against the stack's chDB server: it applies every migration and names each,
 * a second run applies nothing (exit 0 both times), the roles' schema check then passes, and
 * with ClickHouse unreachable it exits 1 naming the address.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import {
  REQUIRED_MIGRATIONS,
  REQUIRED_SCHEMA_VERSION,
  assertSchemaVersion,
} from '../../sinks/clickhouse/schema-version.js';
import { runTs } from '../../test/helpers/platform.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';

describe('npm run migrate', () => {
  let ch: ClickHouseHandle;
  const database = `bb_migrate_${randomUUID().slice(0, 8)}`;
  const env = { ...process.env, CLICKHOUSE_DATABASE: database };
  before(async () => {
    const config = await useStack();
    ch = await openClickHouse({ url: config.clickhouse.url, database });
  });
  after(async () => {
    await ch?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });

  it('applies each migration once and names it, then has nothing to apply; the schema check passes after', async () => {
    await assert.rejects(assertSchemaVersion(ch.client), { code: 'SCHEMA_MISSING' });
    const first = await runTs('infra/scripts/migrate.cli.ts', [], { env, timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.stderr);
    for (const m of REQUIRED_MIGRATIONS) assert.match(first.stdout, new RegExp(`applied ${m}\\n`));
    const second = await runTs('infra/scripts/migrate.cli.ts', [], { env, timeoutMs: 60_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /applied \d{4}_/);
    assert.match(second.stdout, new RegExp(`schema version ${REQUIRED_SCHEMA_VERSION} is current`));
    assert.equal(await assertSchemaVersion(ch.client), REQUIRED_SCHEMA_VERSION);
  });

  it('given ClickHouse unreachable, then exit 1 with a message naming where', async () => {
    const r = await runTs('infra/scripts/migrate.cli.ts', [], {
      env: { ...env, CLICKHOUSE_URL: 'http://127.0.0.1:1' },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ClickHouse at http:\/\/127\.0\.0\.1:1\/ .* is unreachable/);
  });
});
