import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStatement } from '../../common/clickhouse/clickhouse-sql.js';
import {
  analystRequestSettings,
  checkAnalystStatement,
  checkAnalystTables,
  type ExplainingSession,
} from './analyst-guard.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

const limits = { maxRows: 1000, maxSeconds: 10, maxMemoryBytes: 1 << 30, maxResultBytes: 1 << 20 };

const denied = (what: string) => new ClickHouseServerError(ErrorCode.ACCESS_DENIED, what);

describe('analystRequestSettings', () => {
  it('given no settings, then every cap is added and overflow modes stay throw', () => {
    assert.deepEqual(
      new Map(analystRequestSettings([], limits)),
      new Map([
        ['max_result_rows', '1000'],
        ['max_execution_time', '10'],
        ['max_memory_usage', String(1 << 30)],
        ['max_result_bytes', String(1 << 20)],
        ['result_overflow_mode', 'throw'],
        ['timeout_overflow_mode', 'throw'],
      ]),
    );
  });

  it('given a cap lowered, then the lower value is kept', () => {
    const out = new Map(analystRequestSettings([['MAX_RESULT_ROWS', '5']], limits));
    assert.equal(out.get('max_result_rows'), '5');
    assert.equal(out.get('max_execution_time'), '10');
  });

  it('given a cap lifted, or 0 ("no limit"), or not a number, then SETTING_CONSTRAINT_VIOLATION', () => {
    for (const v of ['1001', '0', '-1', 'lots', 'Infinity'])
      assert.throws(
        () => analystRequestSettings([['max_result_rows', v]], limits),
        { errorCode: ErrorCode.SETTING_CONSTRAINT_VIOLATION },
        v,
      );
  });

  it("given an overflow mode other than 'throw', or a setting off the allow list, then refused", () => {
    assert.throws(() => analystRequestSettings([['result_overflow_mode', 'break']], limits), {
      errorCode: ErrorCode.SETTING_CONSTRAINT_VIOLATION,
    });
    assert.throws(() => analystRequestSettings([['allow_ddl', '1']], limits), {
      errorCode: ErrorCode.SETTING_CONSTRAINT_VIOLATION,
    });
  });
});

describe('checkAnalystTables', () => {
  /** The check of a statement naming `tables` (and dotted identifiers), run in `db`. */
  const inDb =
    (db: string, tables: string[], dotted: string[] = []) =>
    () =>
      checkAnalystTables(db, { tables, dotted }, denied);
  const DENIED = { errorCode: ErrorCode.ACCESS_DENIED };

  it("given Backbeat's tables, then they pass in any database", () => {
    assert.doesNotThrow(inDb('backbeat', ['plays', 'backbeat.plays'], ['p.track_id']));
  });

  it('given a system table off the allow list, named or reached by a dotted identifier, then denied', () => {
    assert.throws(inDb('default', ['system.processes']), DENIED);
    assert.throws(inDb('default', [], ['system.users']), DENIED);
    assert.throws(inDb('default', ['information_schema.tables']), DENIED);
  });

  it('given an unqualified name while the current database is system, then it is read as a system table', () => {
    assert.throws(inDb('system', ['processes']), DENIED);
    assert.doesNotThrow(inDb('system', ['numbers']));
  });

  it('given USE system (the database itself), then denied', () => {
    assert.throws(inDb('default', ['system.']), DENIED);
  });
});

describe('checkAnalystStatement', () => {
  /** A session whose EXPLAIN AST prints `ast`. */
  const explaining = (ast: string): ExplainingSession => ({
    logicalDb: 'default',
    query: async () => ({ bytes: Buffer.from(ast) }),
  });
  const req = { user: 'analyst' };
  const select = [
    'SelectWithUnionQuery (children 1)',
    ' ExpressionList (children 1)',
    '  SelectQuery (children 2)',
  ];

  it('given a plain SELECT of a table, then it passes', async () => {
    const ast = [
      ...select,
      '   TablesInSelectQuery (children 1)',
      '    TablesInSelectQueryElement (children 1)',
      '     TableExpression (children 1)',
      '      TableIdentifier plays',
    ].join('\n');
    await checkAnalystStatement(
      explaining(ast),
      req,
      'SELECT * FROM plays',
      describeStatement('SELECT * FROM plays'),
    );
  });

  it('given a format off the allow list, then denied before the engine is asked', async () => {
    const sess: ExplainingSession = {
      logicalDb: 'default',
      query: async () => assert.fail('asked the engine'),
    };
    await assert.rejects(
      checkAnalystStatement(
        sess,
        req,
        'SELECT 1 FORMAT Native',
        describeStatement('SELECT 1 FORMAT Native'),
      ),
      { errorCode: ErrorCode.ACCESS_DENIED },
    );
  });

  it('given a statement kind the analyst may not run, then READONLY if it writes', async () => {
    const sql = 'CREATE TABLE t (a UInt8) ENGINE = Memory';
    await assert.rejects(
      checkAnalystStatement(
        explaining('CreateQuery t (children 1)'),
        req,
        sql,
        describeStatement(sql),
      ),
      { errorCode: ErrorCode.READONLY },
    );
  });

  it('given a table function off the allow list in the tree, then denied', async () => {
    const ast = [
      ...select,
      '   TablesInSelectQuery (children 1)',
      '    TablesInSelectQueryElement (children 1)',
      '     TableExpression (children 1)',
      '      Function s3 (children 1)',
    ].join('\n');
    await assert.rejects(
      checkAnalystStatement(
        explaining(ast),
        req,
        "SELECT * FROM s3('x')",
        describeStatement('SELECT 1'),
      ),
      (err) =>
        err instanceof ClickHouseServerError &&
        err.errorCode === ErrorCode.ACCESS_DENIED &&
        /s3/.test(err.message),
    );
  });

  it("given the engine cannot explain the statement, then the engine's code with the reason", async () => {
    const sess: ExplainingSession = {
      logicalDb: 'default',
      query: async () => {
        throw new Error('Code: 60. DB::Exception: Unknown table default.nope. (UNKNOWN_TABLE)');
      },
    };
    await assert.rejects(
      checkAnalystStatement(
        sess,
        req,
        'SELECT * FROM nope',
        describeStatement('SELECT * FROM nope'),
      ),
      (err) =>
        err instanceof ClickHouseServerError &&
        err.errorCode === 60 &&
        /could not check/.test(err.message),
    );
  });
});
