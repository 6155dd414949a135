import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  contentTypeFor,
  httpStatusFor,
  ClickHouseServerError,
} from '../../services/chdb-server/clickhouse-protocol.js';
import {
  readExplainAst,
  settingsAssignments,
  assigns,
  dataStart,
  describeStatement,
  firstKeyword,
  insertCuts,
  quoteIdentifier,
  quoteString,
  tokens,
  valuesDataIsSafe,
} from './clickhouse-sql.js';

describe('clickhouse-sql', () => {
  it('skips comments and keeps strings, quoted identifiers and heredocs whole', () => {
    const toks = [
      ...tokens("SELECT /* a /* nested */ b */ 'it''s;' AS `x``y`, $$;$$ -- c ;\n# d ;\n;"),
    ];
    assert.deepEqual(
      toks.map((t) => [t.type, t.value]),
      [
        ['word', 'SELECT'],
        ['string', "it's;"],
        ['word', 'AS'],
        ['quoted', 'x`y'],
        ['op', ','],
        ['string', ';'],
        ['op', ';'],
      ],
    );
  });

  it('finds where INSERT data may begin, and nothing for other statements', () => {
    assert.deepEqual(insertCuts('INSERT INTO t (a, b) FORMAT JSONEachRow'), [
      { end: 39, format: 'JSONEachRow' },
    ]);
    assert.deepEqual(
      insertCuts("INSERT INTO values SETTINGS x = 'FORMAT CSV' VALUES (1)").map((c) => c.format),
      ['Values', 'Values'],
    );
    assert.deepEqual(insertCuts('SELECT 1 FORMAT CSV'), []);
    assert.equal(firstKeyword('  -- c\n insert into t values'), 'INSERT');
  });

  it('starts data after spaces and one line break, as ClickHouse does', () => {
    assert.equal(dataStart('FORMAT CSV \t\r\n1,2', 10), 14);
    assert.equal(dataStart(Buffer.from('CSV\n\n1'), 3), 4);
    assert.equal(dataStart('CSV 1,2', 3), 4);
  });

  it('reads kind, format, settings and calls off a canonical statement', () => {
    const info = describeStatement(
      "SELECT count() FROM file('x') WHERE a = 1 SETTINGS readonly = DEFAULT FORMAT JSONEachRow",
    );
    assert.equal(info.kind, 'SELECT');
    assert.equal(info.format, 'JSONEachRow');
    assert.ok(assigns(info, 'readonly'));
    assert.ok(info.calls.has('file') && info.calls.has('count'));
    assert.equal(describeStatement('SELECT 1').format, undefined);
    assert.ok(describeStatement("SELECT 1 INTO OUTFILE 'x'").intoOutfile);
    assert.ok(describeStatement("INSERT INTO t FROM INFILE 'x' FORMAT CSV").fromInfile);
    assert.ok(describeStatement('CREATE TEMPORARY TABLE t (a UInt8)').temporary);
    assert.ok(describeStatement('SELECT {x:UInt8}').hasParams);
  });

  it('lets Values data through only when no statement can hide in it', () => {
    assert.ok(valuesDataIsSafe("(1, 'a;b'), (2, 'it''s')"));
    assert.ok(valuesDataIsSafe("(1, 'x');  \n"));
    assert.equal(valuesDataIsSafe('(1); DROP TABLE t'), false);
    assert.equal(valuesDataIsSafe("(1) -- '\n; DROP TABLE t"), false);
    assert.equal(valuesDataIsSafe("($$'$$); DROP TABLE t; SELECT '$$"), false);
    assert.equal(valuesDataIsSafe("('unterminated"), false);
  });

  it('quotes strings and identifiers so they cannot break out', () => {
    assert.equal(quoteString("a'b\\"), "'a\\'b\\\\'");
    assert.equal(quoteIdentifier('a`b'), '`a\\`b`');
  });
});

describe('clickhouse-protocol', () => {
  it('maps exception codes to the HTTP status ClickHouse answers', () => {
    assert.equal(httpStatusFor(62), 400);
    assert.equal(httpStatusFor(60), 404);
    assert.equal(httpStatusFor(516), 403);
    assert.equal(httpStatusFor(159), 408);
    assert.equal(httpStatusFor(164), 500);
  });

  it('names content types by format', () => {
    assert.match(contentTypeFor('JSONEachRow'), /^application\/json/);
    assert.match(contentTypeFor('CSVWithNames'), /^text\/csv.*header=present/);
    assert.match(contentTypeFor('TabSeparated'), /^text\/tab-separated-values/);
    assert.equal(contentTypeFor('RowBinary'), 'application/octet-stream');
  });

  it('parses engine errors into code, type and text', () => {
    const e = ClickHouseServerError.fromEngine(
      'Code: 73. DB::Exception: Code: 73. DB::Exception: Unknown format Nope. (UNKNOWN_FORMAT) (version 26.7.2.1). (UNKNOWN_FORMAT)',
    );
    assert.equal(e.errorCode, 73);
    assert.equal(e.type, 'UNKNOWN_FORMAT');
    assert.equal(
      new ClickHouseServerError(164, 'x').text,
      'Code: 164. DB::Exception: x. (READONLY)',
    );
  });

  it('reads SETTINGS and SET assignments off a re-printed statement', () => {
    assert.deepEqual(
      settingsAssignments(
        "SELECT a = 1 FROM t WHERE x IN (SELECT 1 SETTINGS max_threads = 1) SETTINGS max_result_rows = 0, `readonly` = -1, m = [1, 2], s = 'x'",
      ),
      { names: ['max_threads', 'max_result_rows', 'readonly', 'm', 's'], clauses: 2 },
    );
    assert.deepEqual(settingsAssignments('SET a = 1, b = DEFAULT'), {
      names: ['a', 'b'],
      clauses: 1,
    });
    assert.deepEqual(settingsAssignments('SELECT settings FROM t'), { names: [], clauses: 0 });
  });

  it('reads the statement kind, the tables named and dotted identifiers off EXPLAIN AST', () => {
    const select = [
      'SelectWithUnionQuery (children 1)',
      ' ExpressionList (children 1)',
      '  SelectQuery (children 2)',
      '   ExpressionList (children 1)',
      '    Function in (children 1)',
      '     ExpressionList (children 2)',
      '      Identifier p.query',
      '      Identifier system.processes',
      '   TablesInSelectQuery (children 1)',
      '    TablesInSelectQueryElement (children 1)',
      '     TableExpression (children 1)',
      '      TableIdentifier system.query_log (alias p)',
    ].join('\n');
    const f = readExplainAst(select);
    assert.equal(f.root, 'SelectWithUnionQuery');
    assert.deepEqual(f.tables, ['system.query_log']);
    assert.deepEqual(f.dotted, ['p.query', 'system.processes']);
    const exists = readExplainAst(
      'ExistsTableQuery system users (children 2)\n Identifier system\n Identifier users',
    );
    assert.deepEqual([exists.root, exists.tables], ['ExistsTableQuery', ['system.users']]);
    assert.deepEqual(
      readExplainAst('ExistsTableQuery  plays (children 1)\n Identifier plays').tables,
      ['plays'],
    );
    assert.deepEqual(readExplainAst('UseQuery system (children 1)\n Identifier system').tables, [
      'system.',
    ]);
    assert.equal(readExplainAst('ShowProcesslistQuery').root, 'ShowProcesslistQuery');
  });

  it('reads functions, table functions, Set nodes and the FORMAT name off EXPLAIN AST', () => {
    const ast = [
      'SelectWithUnionQuery (children 3)',
      ' ExpressionList (children 1)',
      '  SelectQuery (children 3)',
      '   ExpressionList (children 1)',
      '    Function lower (children 1)',
      '   TablesInSelectQuery (children 1)',
      '    TablesInSelectQueryElement (children 1)',
      '     TableExpression (children 1)',
      '      Function file (alias f) (children 1)',
      '   Set',
      ' Identifier CSV',
      ' Set',
    ].join('\n');
    assert.deepEqual(readExplainAst(ast), {
      functions: [
        { name: 'lower', table: false },
        { name: 'file', table: true },
      ],
      setNodes: 2,
      topIdentifiers: ['CSV'],
      topLiterals: 0,
      root: 'SelectWithUnionQuery',
      tables: [],
      dotted: [],
    });
  });
});
