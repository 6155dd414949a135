import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { assertProperty } from '../../../test/helpers/fuzz.helper.js';
import { ANALYST_TABLE_FUNCTIONS } from '../../../common/clickhouse/external-functions.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import { startTestApi, type TestApi } from '../../../test/helpers/api.helper.js';

// Generated analyst SQL against the real API and the stack's chDB server. Invariants: no 5xx,
// the API stays up, the row and time limits hold, and no table function off the allow list
// runs. Bounded: a fixed number of runs, each query bounded by SQL_MAX_SECONDS.
const MAX_ROWS = 50;
const MAX_SECONDS = 1;
const RUNS = Number(process.env.SQL_FUZZ_RUNS ?? 150);
let api: TestApi;
let token: string;
let tableFunctions: string[] = [];

before(async () => {
  const config = await useStack();
  api = await startTestApi(config, {
    now: Date.now(),
    sqlMaxRows: MAX_ROWS,
    sqlMaxSeconds: MAX_SECONDS,
  });
  token = api.token('analyst', 'fuzz');
  const rs = await api.admin.client.query({
    query: 'SELECT name FROM system.table_functions',
    format: 'JSONEachRow',
  });
  tableFunctions = ((await rs.json()) as { name: string }[]).map((r) => r.name);
});
after(() => api?.close());

/** What ClickHouse reads as whitespace, and comments, between any two tokens. */
const gap = fc
  .array(
    fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\u00a0',
      '\u3000',
      '\ufeff',
      '\u2028',
      '\u2003',
      '/* c */',
      '/* /* nested */ */',
      '-- line\n',
      '# hash\n',
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((xs) => xs.join(''));

/** A keyword or name in random letter case. */
const cased = (w: string) =>
  fc
    .array(fc.boolean(), { minLength: w.length, maxLength: w.length })
    .map((flags) => [...w].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

const LIMIT_SETTINGS = [
  'max_result_rows',
  'max_execution_time',
  'max_result_bytes',
  'max_memory_usage',
  'result_overflow_mode',
  'timeout_overflow_mode',
  'readonly',
  'max_rows_to_read',
];

type Case = { sql: string; kind: 'rows' | 'slow' | 'tablefn' | 'plain'; fn?: string };

const caseArb = (): fc.Arbitrary<Case> => {
  const settings = fc
    .tuple(gap, cased('SETTINGS'), gap, fc.constantFrom(...LIMIT_SETTINGS), gap, gap)
    .chain(([g1, kw, g2, name, g3, g4]) =>
      fc
        .tuple(cased(name), fc.constantFrom('0', "'break'", '1000000000', 'DEFAULT'))
        .map(([n, v]) => `${g1}${kw}${g2}${n}${g3}=${g4}${v}`),
    );
  const maybeSettings = fc.option(settings, { nil: '' });
  const rows = fc
    .tuple(cased('SELECT'), gap, cased('number'), gap, cased('FROM'), gap, maybeSettings)
    .map(([s, g1, n, g2, f, g3, st]) => ({
      sql: `${s}${g1}${n}${g2}${f}${g3}system.numbers LIMIT ${MAX_ROWS * 20}${st}`,
      kind: 'rows' as const,
    }));
  const slow = fc.tuple(cased('SELECT'), gap, maybeSettings).map(([s, g, st]) => ({
    sql: `${s}${g}count() FROM system.numbers WHERE sipHash64(number) = 1${st}`,
    kind: 'slow' as const,
  }));
  const tablefn = fc
    .tuple(
      cased('SELECT'),
      gap,
      cased('FROM'),
      gap,
      fc.constantFrom(...tableFunctions),
      gap,
      fc.constantFrom(
        "'/etc/passwd'",
        "'/proc/self/environ', 'LineAsString'",
        "'http://127.0.0.1:1/'",
        '',
      ),
      fc.boolean(),
    )
    .map(([s, g1, f, g2, fn, g3, args, quoted]) => ({
      sql: `${s}${g1}* ${f}${g2}${quoted ? `\`${fn}\`` : fn}${g3}(${args}) LIMIT 5`,
      kind: 'tablefn' as const,
      fn,
    }));
  const plain = fc
    .tuple(cased('SELECT'), gap, fc.integer({ min: 0, max: 1000 }), gap, maybeSettings)
    .map(([s, g1, n, g2, st]) => ({ sql: `${s}${g1}${n} AS x${g2}${st}`, kind: 'plain' as const }));
  return fc.oneof(rows, slow, tablefn, plain);
};

describe('analyst SQL fuzz (fast-check, real API and chDB server)', () => {
  it('answers every generated query without 5xx, and no limit or allow list is lifted', async () => {
    assert.ok(tableFunctions.length > 50);
    await assertProperty(
      fc.asyncProperty(caseArb(), async (c) => {
        const t0 = Date.now();
        const res = await fetch(`${api.base}/v1/sql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: c.sql, format: 'JSONEachRow' }),
        });
        const body = await res.text();
        const ms = Date.now() - t0;
        const what = `${JSON.stringify(c.sql)} -> ${res.status} ${body.slice(0, 160)}`;
        assert.ok(res.status < 500, what);
        // The time limit holds (plus the engine's own slack and a loaded machine).
        assert.ok(ms < (MAX_SECONDS + 10) * 1000, `${what} took ${ms} ms`);
        if (res.status === 200) {
          const lines = body.split('\n').filter(Boolean);
          assert.ok(lines.length <= MAX_ROWS, `${what}: ${lines.length} rows`);
          assert.notEqual(c.kind, 'slow', `${what}: the slow query finished`);
          if (c.kind === 'tablefn')
            assert.ok(ANALYST_TABLE_FUNCTIONS.has(c.fn!.toLowerCase()), `${what}: ran ${c.fn}`);
          assert.doesNotMatch(body, /root:x:0|API_TOKEN_SECRET|CLICKHOUSE_PASSWORD/, what);
        } else {
          assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 90_000 },
    );
    // Still up and answering.
    const ok = await fetch(`${api.base}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'SELECT 1',
    });
    assert.equal(ok.status, 200);
  });
});
