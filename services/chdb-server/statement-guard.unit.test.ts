import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStatement } from '../../common/clickhouse/clickhouse-sql.js';
import { ErrorCode } from './clickhouse-protocol.js';
import { guardStatement } from './statement-guard.js';

const writer = { user: 'backbeat', readOnlyStatement: false, restricted: false };
const analyst = { user: 'analyst', readOnlyStatement: true, restricted: true };

function guard(sql: string, sess = { readonly: false }, req = writer): void {
  guardStatement(sess, req, describeStatement(sql));
}

describe('guardStatement', () => {
  it('given INTO OUTFILE or FROM INFILE, then refused for every user', () => {
    assert.throws(() => guard("SELECT 1 INTO OUTFILE 'x'"), {
      errorCode: ErrorCode.INTO_OUTFILE_NOT_ALLOWED,
    });
    assert.throws(() => guard("INSERT INTO t FROM INFILE 'x' FORMAT CSV"), {
      errorCode: ErrorCode.UNKNOWN_TYPE_OF_QUERY,
    });
  });

  it("given a change of 'dialect', then BAD_ARGUMENTS", () => {
    assert.throws(() => guard("SET dialect = 'prql'"), { errorCode: ErrorCode.BAD_ARGUMENTS });
  });

  it("given a read-only session, when a statement assigns 'readonly' (even to DEFAULT), then READONLY", () => {
    assert.throws(() => guard('SET readonly = DEFAULT', { readonly: true }), {
      errorCode: ErrorCode.READONLY,
    });
    assert.throws(() => guard('SELECT 1 SETTINGS readonly = 0', { readonly: true }), {
      errorCode: ErrorCode.READONLY,
    });
    assert.doesNotThrow(() => guard('SET readonly = 1', { readonly: false }));
  });

  it('given a read-only request (GET), then only statements that read pass', () => {
    const get = { ...writer, readOnlyStatement: true };
    for (const sql of ['SELECT 1', 'WITH 1 AS x SELECT x', 'SHOW TABLES', 'EXISTS t', 'SET a = 1'])
      assert.doesNotThrow(() => guard(sql, { readonly: false }, get), sql);
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'CREATE TABLE t (a UInt8) ENGINE = Memory',
      'DROP TABLE t',
    ])
      assert.throws(
        () => guard(sql, { readonly: false }, get),
        { errorCode: ErrorCode.READONLY },
        sql,
      );
  });

  it('given the analyst, when the statement calls a function that reaches the host or network, then ACCESS_DENIED', () => {
    assert.throws(() => guard("SELECT * FROM file('x')", { readonly: true }, analyst), {
      errorCode: ErrorCode.ACCESS_DENIED,
    });
    assert.throws(() => guard("SELECT * FROM url('http://x')", { readonly: true }, analyst), {
      errorCode: ErrorCode.ACCESS_DENIED,
    });
    assert.doesNotThrow(() => guard("SELECT * FROM file('x')", { readonly: false }, writer));
    assert.doesNotThrow(() => guard('SELECT count() FROM plays', { readonly: true }, analyst));
  });
});
