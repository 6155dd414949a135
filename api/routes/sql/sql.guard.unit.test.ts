import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAnalystSql } from './sql.guard.js';

const codeOf = (sql: string) => {
  const r = checkAnalystSql(sql);
  return r.ok ? 'ok' : r.code;
};

describe('analyst SQL guard', () => {
  it('given read statements, when checked, then they pass with their kind', () => {
    for (const [sql, kind] of [
      ['SELECT 1', 'SELECT'],
      ['  select count() from plays', 'SELECT'],
      ['WITH x AS (SELECT 1) SELECT * FROM x', 'WITH'],
      ['SHOW TABLES', 'SHOW'],
      ['DESCRIBE TABLE events', 'DESCRIBE'],
      ['desc plays', 'DESC'],
      ['EXPLAIN SELECT 1', 'EXPLAIN'],
      ['-- top tracks\nSELECT 1', 'SELECT'],
      ['/* note */ SELECT 1', 'SELECT'],
    ] as const) {
      const r = checkAnalystSql(sql);
      assert.ok(r.ok, sql);
      assert.equal(r.kind, kind, sql);
    }
  });

  it('given a trailing semicolon or trailing comment, when checked, then the statement is kept without them', () => {
    const r = checkAnalystSql('-- lead\nSELECT 1 ;; -- done');
    assert.deepEqual(r, { ok: true, query: 'SELECT 1', kind: 'SELECT' });
  });

  it('given writes, DDL and session statements, when checked, then not read-only', () => {
    for (const sql of [
      'INSERT INTO events SELECT * FROM events',
      'DROP TABLE events',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'ALTER TABLE events DELETE WHERE 1',
      'TRUNCATE TABLE events',
      'SET readonly = 0',
      'USE system',
      'SYSTEM SHUTDOWN',
      'KILL QUERY WHERE 1',
      'OPTIMIZE TABLE events FINAL',
      'GRANT ALL ON *.* TO analyst',
      '(SELECT 1)',
    ]) {
      assert.equal(codeOf(sql), 'sql-not-read-only', sql);
    }
  });

  it('given a second statement after a semicolon, when checked, then refused', () => {
    assert.equal(codeOf('SELECT 1; DROP TABLE events'), 'sql-multiple-statements');
    assert.equal(codeOf("SELECT ';' AS s; SELECT 2"), 'sql-multiple-statements');
  });

  it('given semicolons and keywords inside strings or comments, when checked, then they are not statements', () => {
    assert.equal(codeOf("SELECT 'a; DROP TABLE events' AS s"), 'ok');
    assert.equal(codeOf('SELECT 1 /* ; DROP TABLE x */'), 'ok');
    assert.equal(codeOf("SELECT 'file(1)' AS f, 'max_result_rows = 1' AS m"), 'ok');
  });

  it('given text the lexer cannot finish, when checked, then it fails closed', () => {
    assert.equal(codeOf("SELECT 'unterminated; DROP TABLE events"), 'sql-unreadable');
    assert.equal(codeOf('SELECT 1 /* open comment'), 'sql-unreadable');
    assert.equal(codeOf('SELECT `x'), 'sql-unreadable');
  });

  it('given nothing but whitespace, comments or semicolons, when checked, then empty', () => {
    for (const sql of ['', '   ', ';', '-- nothing', '/* x */ ;'])
      assert.equal(codeOf(sql), 'sql-empty', sql);
  });

  it('given limit settings in the query, when checked, then refused; other settings pass', () => {
    assert.equal(codeOf('SELECT 1 SETTINGS max_result_rows = 0'), 'sql-protected-setting');
    assert.equal(codeOf('SELECT 1 SETTINGS MAX_EXECUTION_TIME=0'), 'sql-protected-setting');
    assert.equal(
      codeOf("SELECT 1 SETTINGS result_overflow_mode = 'break'"),
      'sql-protected-setting',
    );
    assert.equal(codeOf('SELECT 1 SETTINGS max_threads = 2'), 'ok');
    // readonly is left to ClickHouse, which refuses to lower it (the second, independent layer).
    assert.equal(codeOf('SELECT 1 SETTINGS readonly = 0'), 'ok');
  });

  it('given table functions that reach files, URLs or servers, when checked, then refused', () => {
    for (const sql of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM url('http://169.254.169.254/', 'LineAsString')",
      "SELECT * FROM remote('db:9000', system.one)",
      "SELECT * FROM S3('http://x/y')",
      "SELECT file('/etc/hostname')",
      "DESCRIBE TABLE url('http://x', 'CSV')",
      "SELECT * FROM postgresql('h:5432', 'd', 't', 'u', 'p')",
    ]) {
      assert.equal(codeOf(sql), 'sql-external-access', sql);
    }
    assert.equal(codeOf('SELECT url, file FROM pages'), 'ok');
  });

  it('given INTO OUTFILE or a FORMAT clause, when checked, then refused with the way to choose a format', () => {
    assert.equal(codeOf("SELECT 1 INTO OUTFILE '/tmp/x'"), 'sql-into-outfile');
    const r = checkAnalystSql('SELECT 1 FORMAT CSV');
    assert.ok(!r.ok);
    assert.equal(r.code, 'sql-format-clause');
    assert.match(r.detail, /"format"/);
    assert.equal(codeOf('SELECT 1 FORMAT JSON SETTINGS max_threads = 1'), 'sql-format-clause');
    assert.equal(codeOf('SELECT format FROM t'), 'ok');
    assert.equal(codeOf("SELECT format('{}', 1)"), 'ok');
  });

  it('given Unicode whitespace ClickHouse skips (U+00A0, U+3000, U+FEFF, U+2028), when a limit is assigned, then refused as a protected setting', () => {
    for (const ws of ['\u00a0', '\u3000', '\ufeff', '\u2028', '\u2003', '\u0085'])
      for (const name of ['max_result_rows', 'MAX_EXECUTION_TIME'])
        assert.equal(
          codeOf(`SELECT 1${ws}SETTINGS${ws}${name}${ws}=${ws}0`),
          'sql-protected-setting',
          JSON.stringify(ws),
        );
    assert.equal(codeOf("SELECT * FROM filesystem('/')"), 'sql-external-access');
    assert.equal(codeOf("SELECT * FROM eval('SELECT 1')"), 'sql-external-access');
  });
});
