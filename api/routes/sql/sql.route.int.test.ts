import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../common/config/app.config.js';
import { runTs } from '../../../test/helpers/platform.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import { renderAnalystUserSql } from '../../app/analyst-user.js';
import { scenario, startTestApi, type TestApi } from '../../../test/helpers/api.helper.js';
import { AnalystSqlError, runAnalystQuery } from './sql.executor.js';

const MAX_ROWS = 1000;
const MAX_SECONDS = 2;
const now = Date.now();
let api: TestApi;
let analystToken: string;

before(async () => {
  const config = await useStack();
  api = await startTestApi(config, { now, sqlMaxRows: MAX_ROWS, sqlMaxSeconds: MAX_SECONDS });
  analystToken = api.token('analyst', 'alice');
});
after(() => api?.close());

type Problem = {
  code: string;
  status: number;
  detail?: string;
  clickhouse_code?: number;
  clickhouse_type?: string;
};

function post(body: unknown, opts: { token?: string | null; type?: string; query?: string } = {}) {
  const token = opts.token === undefined ? analystToken : opts.token;
  const type = opts.type ?? (typeof body === 'string' ? 'text/plain' : 'application/json');
  return fetch(`${api.base}/v1/sql${opts.query ?? ''}`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
async function problem(res: Response, status: number): Promise<Problem> {
  assert.equal(
    res.status,
    status,
    `expected ${status}, got ${res.status}: ${await res.clone().text()}`,
  );
  assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
  return (await res.json()) as Problem;
}
const countEvents = async () => {
  const rs = await api.admin.client.query({
    query: 'SELECT count() AS n FROM events',
    format: 'JSONEachRow',
  });
  return Number(((await rs.json()) as { n: string }[])[0]!.n);
};
const PLAYS_BY_TRACK =
  'SELECT track_id, count() AS plays FROM plays GROUP BY track_id ORDER BY track_id';

describe('POST /v1/sql formats', () => {
  it('given JSON, when a SELECT runs, then ClickHouse JSON with meta and data', async () => {
    const res = await post({ query: PLAYS_BY_TRACK, format: 'JSON' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.ok(res.headers.get('x-query-id'));
    const body = (await res.json()) as { data: unknown[]; rows: number; meta: { name: string }[] };
    assert.deepEqual(
      body.meta.map((m) => m.name),
      ['track_id', 'plays'],
    );
    assert.deepEqual(body.data, [
      { track_id: 'track-1', plays: '3' },
      { track_id: 'track-2', plays: '3' },
    ]);
    assert.equal(body.rows, 2);
  });

  it('given text/plain and ?format=JSONEachRow, when a SELECT runs, then one JSON object per line', async () => {
    const res = await post(PLAYS_BY_TRACK, { query: '?format=JSONEachRow' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { track_id: 'track-1', plays: '3' },
      { track_id: 'track-2', plays: '3' },
    ]);
  });

  it('given CSV and TSV, when a SELECT runs, then a header row and the rows', async () => {
    const csv = await post({ query: PLAYS_BY_TRACK, format: 'CSV' });
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(await csv.text(), '"track_id","plays"\n"track-1",3\n"track-2",3\n');
    const tsv = await post({ query: PLAYS_BY_TRACK, format: 'TSV' });
    assert.equal(tsv.headers.get('content-type'), 'text/tab-separated-values; charset=utf-8');
    assert.equal(await tsv.text(), 'track_id\tplays\ntrack-1\t3\ntrack-2\t3\n');
  });

  it('given SHOW, DESCRIBE, EXPLAIN and WITH, when run, then 200', async () => {
    const show = await post({ query: 'SHOW TABLES', format: 'JSONEachRow' });
    const names = (await show.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).name);
    for (const t of ['events', 'plays', 'skips', 'track_daily_streams', 'tracks'])
      assert.ok(names.includes(t), t);
    for (const query of [
      'DESCRIBE TABLE plays',
      'EXPLAIN SELECT count() FROM plays',
      'WITH 2 AS x SELECT x * 3 AS y;',
    ])
      assert.equal((await post({ query })).status, 200, query);
  });
});

describe('POST /v1/sql refuses writes, in two independent layers', () => {
  it('given INSERT, DROP or CREATE, when posted, then the route refuses it and nothing changes', async () => {
    const before = await countEvents();
    for (const query of [
      "INSERT INTO events (event_type) VALUES ('x')",
      'DROP TABLE events',
      'CREATE TABLE evil (a UInt8) ENGINE = Memory',
      'SELECT 1; DROP TABLE events',
    ]) {
      const p = await problem(await post({ query }), 400);
      assert.match(p.code, /^sql-(not-read-only|multiple-statements)$/, query);
    }
    assert.equal(await countEvents(), before);
  });

  it('given the route check bypassed, when INSERT, DROP or CREATE reach ClickHouse as the analyst, then readonly refuses them', async () => {
    const before = await countEvents();
    const analyst = (await import('../../app/analyst-clickhouse.js')).createAnalystClickHouse(
      api.config,
    );
    try {
      for (const query of [
        "INSERT INTO events (event_type, event_id) VALUES ('x', generateUUIDv4())",
        'DROP TABLE events',
        'CREATE TABLE evil (a UInt8) ENGINE = Memory',
      ]) {
        await assert.rejects(
          runAnalystQuery(analyst, {
            query,
            format: 'JSON',
            limits: { maxRows: MAX_ROWS, maxSeconds: MAX_SECONDS },
          }),
          (err: unknown) =>
            err instanceof AnalystSqlError &&
            err.code === 'sql-read-only' &&
            err.clickhouse?.code === 164,
          query,
        );
      }
    } finally {
      await analyst.close();
    }
    assert.equal(await countEvents(), before);
  });

  it('given a SELECT that tries SETTINGS readonly = 0, when posted, then ClickHouse refuses with code 164', async () => {
    const p = await problem(
      await post({ query: 'SELECT count() FROM events SETTINGS readonly = 0' }),
      400,
    );
    assert.equal(p.code, 'sql-read-only');
    assert.equal(p.clickhouse_code, 164);
    assert.equal(p.clickhouse_type, 'READONLY');
  });

  it('given a table function reaching the host, when posted or run directly, then refused by both layers', async () => {
    const query = "SELECT * FROM file('/etc/hostname', 'LineAsString')";
    assert.equal((await problem(await post({ query }), 400)).code, 'sql-external-access');
    const analyst = (await import('../../app/analyst-clickhouse.js')).createAnalystClickHouse(
      api.config,
    );
    try {
      await assert.rejects(
        runAnalystQuery(analyst, {
          query,
          format: 'JSON',
          limits: { maxRows: MAX_ROWS, maxSeconds: MAX_SECONDS },
        }),
        (err: unknown) => err instanceof AnalystSqlError && err.status === 400,
      );
    } finally {
      await analyst.close();
    }
  });
});

describe('POST /v1/sql limits', () => {
  it('given more rows than SQL_MAX_ROWS, when run, then 400 sql-too-many-rows; exactly the limit passes', async () => {
    const p = await problem(
      await post({ query: `SELECT number FROM system.numbers LIMIT ${MAX_ROWS + 1}` }),
      400,
    );
    assert.equal(p.code, 'sql-too-many-rows');
    assert.equal(p.clickhouse_type, 'TOO_MANY_ROWS_OR_BYTES');
    const ok = await post({
      query: `SELECT number FROM system.numbers LIMIT ${MAX_ROWS}`,
      format: 'JSONEachRow',
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.text()).trim().split('\n').length, MAX_ROWS);
  });

  it('given a query longer than SQL_MAX_SECONDS, when run, then 400 sql-timeout soon after the limit', async () => {
    const t0 = Date.now();
    const p = await problem(
      await post({ query: 'SELECT count() FROM system.numbers WHERE sipHash64(number) = 1' }),
      400,
    );
    assert.equal(p.code, 'sql-timeout');
    assert.equal(p.clickhouse_type, 'TIMEOUT_EXCEEDED');
    assert.ok(Date.now() - t0 < (MAX_SECONDS + 8) * 1000, `took ${Date.now() - t0} ms`);
  });

  it('given SETTINGS that would lift a limit, when posted, then refused before ClickHouse', async () => {
    const p = await problem(
      await post({
        query: 'SELECT number FROM system.numbers LIMIT 5000 SETTINGS max_result_rows = 0',
      }),
      400,
    );
    assert.equal(p.code, 'sql-protected-setting');
  });
});

describe('POST /v1/sql holds its limits whatever the spelling (issue 9)', () => {
  const SPACES = ['\u00a0', '\u3000', '\ufeff', '\u2028', '\t', ' /* c */ ', '\n-- c\n'];

  it('given SETTINGS that lift a limit spelled with Unicode whitespace or comments, when posted, then 400 and no limit lifted', async () => {
    for (const ws of SPACES) {
      for (const [setting, query] of [
        ['max_result_rows', `SELECT number FROM system.numbers LIMIT ${MAX_ROWS + 5}`],
        ['max_execution_time', 'SELECT count() FROM system.numbers WHERE sipHash64(number) = 1'],
        ['MAX_RESULT_BYTES', `SELECT number FROM system.numbers LIMIT ${MAX_ROWS + 5}`],
        ['max_memory_usage', `SELECT number FROM system.numbers LIMIT ${MAX_ROWS + 5}`],
      ] as const) {
        const sql = `${query}${ws}SETTINGS${ws}${setting}${ws}=${ws}0`;
        const t0 = Date.now();
        const res = await post({ query: sql });
        const p = await problem(res, 400);
        assert.ok(Date.now() - t0 < (MAX_SECONDS + 8) * 1000, `${JSON.stringify(sql)} ran long`);
        assert.notEqual(p.code, 'ok', JSON.stringify(sql));
      }
    }
  });

  it('given every table function the engine lists that is not allowed, when posted (file /etc/passwd, /proc/self/environ, url, s3, executable, ...), then 400 and nothing read', async () => {
    const rs = await api.admin.client.query({
      query: 'SELECT name FROM system.table_functions',
      format: 'JSONEachRow',
    });
    const names = ((await rs.json()) as { name: string }[]).map((r) => r.name);
    const { ANALYST_TABLE_FUNCTIONS } =
      await import('../../../common/clickhouse/external-functions.js');
    const refused = names.filter((n) => !ANALYST_TABLE_FUNCTIONS.has(n.toLowerCase()));
    assert.ok(refused.includes('file') && refused.includes('filesystem'));
    const analyst = (await import('../../app/analyst-clickhouse.js')).createAnalystClickHouse(
      api.config,
    );
    try {
      for (const name of refused) {
        for (const query of [
          `SELECT * FROM ${name}('/etc/passwd')`,
          `SELECT * FROM ${name}('/proc/self/environ', 'LineAsString')`,
          `SELECT * FROM\u00a0${name.toUpperCase() === name ? name : name}\u3000('/etc/passwd', 'CSV')`,
        ]) {
          const res = await post({ query, format: 'JSONEachRow' });
          const body = await res.text();
          assert.equal(res.status, 400, `${query}: ${res.status} ${body.slice(0, 200)}`);
          assert.doesNotMatch(body, /root:|API_TOKEN_SECRET/);
          // The engine refuses it on its own too, with the API's check bypassed.
          await assert.rejects(
            runAnalystQuery(analyst, {
              query,
              format: 'JSON',
              limits: { maxRows: MAX_ROWS, maxSeconds: MAX_SECONDS },
            }),
            (err: unknown) => err instanceof AnalystSqlError && err.status === 400,
            query,
          );
        }
      }
    } finally {
      await analyst.close();
    }
  });

  it('given several long queries whose clients went away, when SELECT 1 follows, then it answers within the time limit', async (t) => {
    const long = 'SELECT count() FROM system.numbers WHERE sipHash64(number) = 1';
    const gone = Array.from({ length: 8 }, () => new AbortController());
    const sent = gone.map((c) =>
      fetch(`${api.base}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${analystToken}`, 'content-type': 'text/plain' },
        body: long,
        signal: c.signal,
      }).catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const c of gone) c.abort();
    await Promise.all(sent);
    const t0 = Date.now();
    const res = await post({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
    const ms = Date.now() - t0;
    t.diagnostic(`SELECT 1 answered ${ms} ms after 8 abandoned long queries`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(await res.text()), { one: 1 });
    // Queued abandoned queries are dropped unrun; running ones end at SQL_MAX_SECONDS.
    assert.ok(ms < MAX_SECONDS * 1000 + 1500, `SELECT 1 took ${ms} ms after abandoned queries`);
  });
});

describe('POST /v1/sql requests and tokens', () => {
  it('given no token, when posted, then 401 with WWW-Authenticate: Bearer', async () => {
    const res = await post({ query: 'SELECT 1' }, { token: null });
    assert.equal((await problem(res, 401)).code, 'unauthorized');
    assert.match(res.headers.get('www-authenticate')!, /^Bearer/);
  });

  it('given a user or label token, when posted, then 403', async () => {
    for (const token of [api.token('user', 'user-1'), api.token('label', 'label-1')])
      assert.equal(
        (await problem(await post({ query: 'SELECT 1' }, { token }), 403)).code,
        'forbidden',
      );
  });

  it('given bad requests, when posted, then 400/415 naming the problem', async () => {
    assert.equal(
      (await problem(await post({ query: 'SELECT 1', format: 'XML' }), 400)).code,
      'invalid-format',
    );
    assert.equal((await problem(await post({ sql: 'SELECT 1' }), 400)).code, 'invalid-body');
    assert.equal(
      (await problem(await post('{"query": ', { type: 'application/json' }), 400)).code,
      'invalid-json',
    );
    assert.equal(
      (await problem(await post('SELECT 1', { type: 'application/xml' }), 415)).code,
      'unsupported-media-type',
    );
    assert.equal(
      (await problem(await post({ query: 'SELECT 1 FORMAT CSV' }), 400)).code,
      'sql-format-clause',
    );
    const syntax = await problem(await post({ query: 'SELECT FROM WHERE' }), 400);
    assert.equal(syntax.code, 'sql-error');
    assert.equal(syntax.clickhouse_code, 62);
    assert.match(syntax.detail!, /Syntax error/);
  });
});

describe('api/README.md analyst examples', () => {
  const readme = readFileSync(path.join(repoRoot(), 'api/README.md'), 'utf8');
  const examples = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const run = async (query: string) => {
    const res = await post({ query, format: 'JSONEachRow' });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.text())
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const events = scenario(now);

  it('has the three examples', () => assert.equal(examples.length, 3));

  it('top tracks of the last 7 days per market: counts qualified streams per market', async () => {
    assert.deepEqual(
      (await run(examples[0]!)).map((r) => [r.market, r.track_id, r.title, Number(r.streams)]),
      [
        ['NO', 'track-1', 'Northern Lights', 1],
        ['NO', 'track-2', 'Midnight Sun', 1],
        ['SE', 'track-1', 'Northern Lights', 2],
        ['SE', 'track-2', 'Midnight Sun', 0],
      ],
    );
  });

  it('skip rate per track: skips per ended playback', async () => {
    assert.deepEqual(
      (await run(examples[1]!)).map((r) => [
        r.track_id,
        Number(r.plays),
        Number(r.skips),
        r.skip_rate,
      ]),
      [
        ['track-2', 3, 1, 0.333],
        ['track-1', 3, 0, 0],
      ],
    );
  });

  it('daily active listeners: distinct users with a playback per UTC day', async () => {
    // today() - 30, at midnight UTC
    const from = Date.parse(new Date(now).toISOString().slice(0, 10)) - 30 * 86_400_000;
    const byDay = new Map<string, Set<string>>();
    for (const e of events) {
      if (e.type !== 'playback' || e.event.event_time < from) continue;
      const day = new Date(e.event.event_time).toISOString().slice(0, 10);
      byDay.set(day, (byDay.get(day) ?? new Set()).add(e.event.user_id));
    }
    const expected = [...byDay.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([d, u]) => [d, u.size]);
    assert.deepEqual(
      (await run(examples[2]!)).map((r) => [r.day, Number(r.listeners)]),
      expected,
    );
  });
});

describe('npm run sql', () => {
  // Asynchronous: the API under test runs in this process and must keep answering.
  const cli = async (args: string[]) => {
    const r = await runTs('infra/scripts/sql.cli.ts', args, {
      env: { ...process.env, API_TOKEN_SECRET: api.config.api.tokenSecret },
      timeoutMs: 60_000,
    });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  it('given a statement and --format CSV, when run against the API, then it prints the result', async () => {
    const r = await cli([PLAYS_BY_TRACK, '--format', 'CSV', '--url', api.base]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '"track_id","plays"\n"track-1",3\n"track-2",3\n');
  });

  it('given a refused statement, when run, then exit 1 with the problem on stderr', async () => {
    const r = await cli(['DROP TABLE events', '--url', api.base]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /400 sql-not-read-only/);
  });

  it('given a bad flag, when run, then exit 2 naming it', async () => {
    const r = await cli(['SELECT 1', '--fromat', 'CSV']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown flag --fromat/);
  });
});

describe('server-only analyst user SQL', () => {
  it('given the rendered statements, when ClickHouse parses them, then each is valid SQL', async () => {
    const statements = renderAnalystUserSql({
      analystUser: 'analyst',
      analystPassword: "it's; secret",
      database: 'backbeat',
      maxRows: 100_000,
      maxSeconds: 30,
    });
    assert.equal(statements.length, 5);
    for (const q of statements) {
      const rs = await api.admin.client.query({
        query: 'SELECT formatQuerySingleLine({q:String}) AS f',
        query_params: { q },
        format: 'JSONEachRow',
      });
      const [row] = (await rs.json()) as { f: string }[];
      assert.ok(row!.f.length > 0, q);
    }
    assert.ok(statements.some((s) => s.includes("BY 'it\\'s; secret'")));
  });
});
