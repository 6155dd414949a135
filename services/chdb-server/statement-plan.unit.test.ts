import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';
import { SqlCache } from './sql-cache.js';
import {
  canonicalStatement,
  planStatement,
  resolveStatement,
  type ParsingSession,
} from './statement-plan.js';

/** A session whose parser re-prints by upper-casing and squeezing spaces; counts its calls. */
function parser(reprint: (sql: string) => string = (s) => s.replace(/\s+/g, ' ').trim()) {
  const calls: string[] = [];
  const sess: ParsingSession = {
    rows: async <T>(sql: string) => {
      calls.push(sql);
      const m = /^SELECT formatQuerySingleLine\('(.*)'\) AS q$/s.exec(sql);
      assert.ok(m, `unexpected query ${sql}`);
      const text = m[1]!.replace(/\\'/g, "'").replace(/\\\\/g, '\\');
      return [{ q: reprint(text) }] as T[];
    },
  };
  return { sess, calls };
}

describe('planStatement', () => {
  it('given a query parameter and a body, then the statement is the parameter, a line break and the body', () => {
    const p = planStatement('SELECT', Buffer.from('1'));
    assert.deepEqual(p, { mode: 'query', sql: 'SELECT\n1' });
    assert.deepEqual(planStatement('SELECT 1', Buffer.alloc(0)), {
      mode: 'query',
      sql: 'SELECT 1',
    });
  });

  it('given an INSERT in the query parameter, then its data is the rest of the parameter and the body', () => {
    const p = planStatement('INSERT INTO t FORMAT CSV 1,2', Buffer.from('\n3,4\n'));
    assert.equal(p.mode, 'insert');
    if (p.mode !== 'insert') return;
    const cut = p.cuts.find((c) => c.format === 'CSV');
    assert.ok(cut);
    assert.equal(cut.prefix, 'INSERT INTO t FORMAT CSV');
    assert.equal(cut.data().toString(), '1,2\n\n3,4\n');
  });

  it('given an INSERT head in the body, then the data is the body after the format name', () => {
    const p = planStatement(undefined, Buffer.from('INSERT INTO t FORMAT JSONEachRow\n{"a":1}\n'));
    assert.equal(p.mode, 'insert');
    if (p.mode !== 'insert') return;
    const cut = p.cuts.find((c) => c.format === 'JSONEachRow');
    assert.ok(cut);
    assert.equal(cut.prefix, 'INSERT INTO t FORMAT JSONEachRow');
    assert.equal(cut.data().toString(), '{"a":1}\n');
  });

  it('given a body that is not an INSERT, then the whole body is the statement', () => {
    assert.deepEqual(planStatement(undefined, Buffer.from('SELECT 1')), {
      mode: 'query',
      sql: 'SELECT 1',
    });
  });
});

describe('canonicalStatement', () => {
  it('given the same text twice, then the engine parses it once (the cache answers the second)', async () => {
    const { sess, calls } = parser();
    const cache = new SqlCache();
    assert.equal(await canonicalStatement(sess, 'SELECT   1', cache), 'SELECT 1');
    assert.equal(await canonicalStatement(sess, 'SELECT   1', cache), 'SELECT 1');
    assert.equal(calls.length, 1);
  });

  it('given an empty or blank text, then a SYNTAX_ERROR without asking the engine', async () => {
    const { sess, calls } = parser();
    await assert.rejects(canonicalStatement(sess, '  \n', new SqlCache()), (err) => {
      assert.ok(err instanceof ClickHouseServerError);
      assert.equal(err.errorCode, ErrorCode.SYNTAX_ERROR);
      return true;
    });
    assert.equal(calls.length, 0);
  });

  it("given a parse error, then it is reported for the client's statement, not for the wrapper", async () => {
    const sess: ParsingSession = {
      rows: async () => {
        throw new Error(
          "Code: 62. DB::Exception: Syntax error: failed at position 8 (FROM): FROM. Expected one of: ...: In scope SELECT formatQuerySingleLine('SELECT FROM') AS q. (SYNTAX_ERROR)",
        );
      },
    };
    await assert.rejects(canonicalStatement(sess, 'SELECT FROM', new SqlCache()), (err) => {
      assert.ok(err instanceof ClickHouseServerError);
      assert.equal(err.errorCode, 62);
      assert.equal(err.type, 'SYNTAX_ERROR');
      assert.doesNotMatch(err.text, /formatQuerySingleLine/);
      assert.match(err.text, /Expected one of: \.\.\. \(SYNTAX_ERROR\)$/);
      return true;
    });
  });
});

describe('resolveStatement', () => {
  it('given an INSERT with a FORMAT, then the cut whose format the engine confirms is chosen', async () => {
    const { sess } = parser();
    const r = await resolveStatement(
      sess,
      planStatement(undefined, Buffer.from('INSERT INTO t FORMAT CSV\n1,2\n')),
      new SqlCache(),
    );
    assert.equal(r.info.kind, 'INSERT');
    assert.deepEqual(r.insert, {
      prefix: 'INSERT INTO t FORMAT CSV',
      data: Buffer.from('1,2\n'),
      format: 'CSV',
    });
  });

  it('given a statement that re-prints as an INSERT with inline data, then NOT_IMPLEMENTED (never run as a script)', async () => {
    const { sess } = parser(() => 'INSERT INTO t FORMAT CSV');
    await assert.rejects(
      resolveStatement(
        sess,
        { mode: 'query', sql: 'INSERT /* */ INTO t FORMAT CSV 1' },
        new SqlCache(),
      ),
      { errorCode: ErrorCode.NOT_IMPLEMENTED },
    );
  });

  it('given a SELECT, then its re-printed form and description come back', async () => {
    const { sess } = parser();
    const r = await resolveStatement(
      sess,
      { mode: 'query', sql: 'SELECT  1  FORMAT JSON' },
      new SqlCache(),
    );
    assert.equal(r.canonical, 'SELECT 1 FORMAT JSON');
    assert.equal(r.info.kind, 'SELECT');
    assert.equal(r.info.format, 'JSON');
    assert.equal(r.insert, undefined);
  });
});
