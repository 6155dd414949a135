import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { readMigrations } from './migrate.js';

function dirWith(files: Record<string, string>): string {
  const dir = tempDir('bb-mig-');
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe('readMigrations', () => {
  it('orders by version and splits statements at line-ending semicolons, dropping comments', () => {
    const dir = dirWith({
      '0002_b.sql': "CREATE TABLE b (x String DEFAULT ';') ENGINE = Memory;\n",
      '0001_a.sql':
        '-- first\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n\nINSERT INTO a VALUES (1);\n',
    });
    const ms = readMigrations(dir);
    assert.deepEqual(
      ms.map((m) => [m.version, m.name, m.statements.length]),
      [
        [1, 'a', 2],
        [2, 'b', 1],
      ],
    );
    assert.equal(ms[0]!.statements[0], 'CREATE TABLE a (x UInt8) ENGINE = Memory');
    assert.equal(ms[1]!.statements[0], "CREATE TABLE b (x String DEFAULT ';') ENGINE = Memory");
  });

  it('rejects badly named and duplicate migrations', () => {
    assert.throws(
      () => readMigrations(dirWith({ 'create.sql': 'SELECT 1;' })),
      /must be named NNNN_snake_name.sql/,
    );
    assert.throws(
      () => readMigrations(dirWith({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 2;' })),
      /two migrations have version 1/,
    );
  });

  it('the repository migrations parse', () => {
    const ms = readMigrations();
    assert.ok(ms.length >= 1);
    assert.deepEqual(
      ms.map((m) => m.version),
      [...ms.map((m) => m.version)].sort((a, b) => a - b),
    );
  });
});
