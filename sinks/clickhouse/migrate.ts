import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const MIGRATIONS_DIR = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  'migrations',
);

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** Reads `NNNN_name.sql` files in version order; statements are separated by `;` at line end. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m)
      throw new BackbeatError(
        'MIGRATION_NAME',
        `migration file ${file} must be named NNNN_snake_name.sql`,
      );
    const version = Number(m[1]);
    if (seen.has(version))
      throw new BackbeatError('MIGRATION_DUPLICATE', `two migrations have version ${version}`);
    seen.add(version);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    const statements = sql
      .split(/;\s*$/m)
      .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
      .filter(Boolean);
    return {
      version,
      name: m[2]!,
      checksum: createHash('sha256').update(sql).digest('hex'),
      statements,
    };
  });
}

/**
 * Applies each migration once, in order, and records it in `schema_migrations`. A recorded
 * migration whose file changed afterwards stops the run: migrations are append-only.
 */
export async function migrate(
  client: ClickHouseClient,
  migrations = readMigrations(),
): Promise<{ applied: number[]; current: number }> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3) DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY version`,
  });
  const rs = await client.query({
    query: 'SELECT version, checksum FROM schema_migrations ORDER BY version',
    format: 'JSONEachRow',
  });
  const done = new Map(
    (await rs.json<{ version: number; checksum: string }>()).map((r) => [
      Number(r.version),
      r.checksum,
    ]),
  );
  const applied: number[] = [];
  for (const m of migrations) {
    const recorded = done.get(m.version);
    if (recorded !== undefined) {
      if (recorded !== m.checksum) {
        throw new BackbeatError(
          'MIGRATION_CHANGED',
          `migration ${m.version}_${m.name} was applied and has since been edited; add a new migration instead`,
        );
      }
      continue;
    }
    for (const statement of m.statements) await client.command({ query: statement });
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  return { applied, current: Math.max(0, ...migrations.map((m) => m.version)) };
}
