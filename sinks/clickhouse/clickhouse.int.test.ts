import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, readMigrations } from './migrate.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { openClickHouse, openEmbeddedChdb, type ClickHouseHandle } from './clickhouse.client.js';

// The same client code against the two ways of reaching ClickHouse: the stack's chDB server
// over HTTP (what every Backbeat process uses), and chDB inside this test process on a folder
// of its own (for single-process tools).
const modes: Record<'server' | 'chdb', () => Promise<{ ch: ClickHouseHandle; database: string }>> =
  {
    server: async () => {
      const config = await useStack();
      const database = `bb_test_${randomUUID().slice(0, 8)}`;
      return { ch: await openClickHouse({ url: config.clickhouse.url, database }), database };
    },
    chdb: async () => {
      const ch = await openEmbeddedChdb(tempDir('bb-chdb-'), 'bb_test');
      return { ch, database: 'bb_test' };
    },
  };

for (const [mode, open] of Object.entries(modes) as [
  keyof typeof modes,
  () => Promise<{ ch: ClickHouseHandle; database: string }>,
][]) {
  describe(`ClickHouse through @clickhouse/client (${mode})`, () => {
    let ch: ClickHouseHandle;
    let database: string;
    before(async () => {
      ({ ch, database } = await open());
    });
    after(async () => {
      if (mode === 'server')
        await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await ch.close();
    });

    it('opens in the configured database', async () => {
      assert.equal(ch.mode, mode);
      const rs = await ch.client.query({
        query: 'SELECT currentDatabase() AS db, version() AS v',
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ db: string; v: string }>();
      assert.equal(row!.db, database);
      assert.match(row!.v, /^\d+\.\d+/);
    });

    it('creates a table, inserts rows and selects them back', async () => {
      await ch.client.command({
        query:
          'CREATE TABLE test_plays (track_id String, ms UInt32, day Date) ENGINE = MergeTree ORDER BY (day, track_id)',
      });
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        track_id: `t${i % 10}`,
        ms: 30_000 + i,
        day: '2026-11-24',
      }));
      await ch.client.insert({ table: 'test_plays', values: rows, format: 'JSONEachRow' });
      const rs = await ch.client.query({
        query:
          'SELECT track_id, count() AS n, sum(ms) AS total FROM test_plays WHERE day = {d:Date} GROUP BY track_id ORDER BY track_id',
        query_params: { d: '2026-11-24' },
        format: 'JSONEachRow',
      });
      const got = await rs.json<{ track_id: string; n: string; total: string }>();
      assert.equal(got.length, 10);
      assert.deepEqual(got[0], {
        track_id: 't0',
        n: '100',
        total: String(rows.filter((r) => r.track_id === 't0').reduce((a, r) => a + r.ms, 0)),
      });
    });

    it('a retried insert with the same dedup token lands once', async () => {
      await ch.client.command({
        query:
          'CREATE TABLE dedup (k UInt32) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
      });
      for (let i = 0; i < 3; i++) {
        await ch.client.insert({
          table: 'dedup',
          values: [{ k: 1 }, { k: 2 }],
          format: 'JSONEachRow',
          clickhouse_settings: { insert_deduplication_token: 'batch-1' },
        });
      }
      const rs = await ch.client.query({
        query: 'SELECT count() AS n FROM dedup',
        format: 'JSONEachRow',
      });
      assert.deepEqual(await rs.json(), [{ n: '2' }]);
    });

    it('applies migrations once, records them, and refuses an edited one', async () => {
      const first = await migrate(ch.client);
      assert.deepEqual(
        first.applied,
        readMigrations().map((m) => m.version),
      );
      const second = await migrate(ch.client);
      assert.deepEqual(second.applied, []);
      const rs = await ch.client.query({
        query: 'SELECT version, name FROM schema_migrations ORDER BY version',
        format: 'JSONEachRow',
      });
      assert.deepEqual(
        (await rs.json<{ version: number }>()).map((r) => Number(r.version)),
        readMigrations().map((m) => m.version),
      );

      const dir = tempDir('bb-mig-');
      writeFileSync(
        path.join(dir, '0001_pipeline_probe.sql'),
        'CREATE TABLE IF NOT EXISTS other (x UInt8) ENGINE = Memory;\n',
      );
      await assert.rejects(
        () => migrate(ch.client, readMigrations(dir)),
        /was applied and has since been edited/,
      );
    });
  });
}
