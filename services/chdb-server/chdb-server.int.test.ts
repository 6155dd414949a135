import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ANALYST_FORMATS,
  ANALYST_TABLE_FUNCTIONS,
  REVIEWED_REFUSED_TABLE_FUNCTIONS,
} from '../../common/clickhouse/external-functions.js';
import { repoRoot, type AppConfig } from '../../common/config/app.config.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { portOpen } from '../../common/process/process-supervisor.js';
import { createStack } from '../../infra/stack/stack.js';

// Everything here goes through @clickhouse/client over HTTP to the stack's chDB server, as
// every Backbeat process does; nothing opens the chDB data folder itself.
const db = `chdb_it_${randomUUID().slice(0, 8)}`;
let config: AppConfig;
let base: string;
let writer: ClickHouseClient;
let analyst: ClickHouseClient;
const clients: ClickHouseClient[] = [];

function client(opts: ClickHouseClientConfigOptions & { user?: string; pass?: string } = {}) {
  const { user, pass, ...rest } = opts;
  const c = createClient({
    url: base,
    username: user ?? config.chdbServer.user,
    password: pass ?? config.chdbServer.password,
    database: db,
    log: { level: ClickHouseLogLevel.OFF },
    ...rest,
  });
  clients.push(c);
  return c;
}

/** Runs `fn` and returns the ClickHouseError it throws (failing if it does not). */
async function chError(fn: () => Promise<unknown>): Promise<ClickHouseError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ClickHouseError, `expected a ClickHouseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ClickHouseError');
}

async function rows<T>(c: ClickHouseClient, query: string): Promise<T[]> {
  return (await c.query({ query, format: 'JSONEachRow' })).json<T>();
}

before(async () => {
  config = await useStack();
  base = `http://${config.stack.host}:${config.chdbServer.port}`;
  const bootstrap = client({ database: 'default' });
  await bootstrap.command({ query: `CREATE DATABASE ${db}` });
  writer = client();
  analyst = client({
    user: config.chdbServer.analystUser,
    pass: config.chdbServer.analystPassword,
  });
  await writer.command({
    query: `CREATE TABLE plays (track_id String, ms UInt32, day Date, big UInt64)
      ENGINE = MergeTree ORDER BY (day, track_id)
      SETTINGS non_replicated_deduplication_window = 100`,
  });
});

after(async () => {
  await writer?.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
  await Promise.all(clients.map((c) => c.close()));
});

describe('chDB server: the ClickHouse HTTP interface over the chDB data folder', () => {
  it('answers ping, GET / and /ping with "Ok.", and serves /metrics', async () => {
    assert.deepEqual(await writer.ping(), { success: true });
    assert.equal((await writer.ping({ select: true })).success, true);
    for (const p of ['/', '/ping']) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'Ok.\n');
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^backbeat_chdb_queries_total\{.*outcome="ok".*\} \d+/m);
    assert.match(metrics, /^process_resident_memory_bytes\{service="backbeat-chdb-server"\} \d+/m);
  });

  it('creates, inserts and selects, with the summary ClickHouse sends', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => ({
      track_id: `t${i % 10}`,
      ms: 30_000 + i,
      day: '2026-11-24',
      big: '18446744073709551615',
    }));
    const ins = await writer.insert({ table: 'plays', values, format: 'JSONEachRow' });
    assert.equal(ins.summary?.written_rows, '1000');
    const got = await rows<{ track_id: string; n: string; big: string }>(
      writer,
      "SELECT track_id, count() AS n, max(big) AS big FROM plays WHERE day = '2026-11-24' GROUP BY track_id ORDER BY track_id",
    );
    assert.equal(got.length, 10);
    // 64-bit integers are quoted in JSON, as a ClickHouse server does by default.
    assert.deepEqual(got[0], { track_id: 't0', n: '100', big: '18446744073709551615' });
  });

  it('answers JSONEachRow, JSON, CSV and TabSeparated with matching headers', async () => {
    const q = "SELECT 1 AS n, 'a,b' AS s";
    const each = await writer.query({ query: q, format: 'JSONEachRow' });
    assert.equal(each.response_headers['x-clickhouse-format'], 'JSONEachRow');
    assert.match(String(each.response_headers['content-type']), /^application\/json/);
    assert.deepEqual(await each.json(), [{ n: 1, s: 'a,b' }]);

    const json = await writer.query({ query: q, format: 'JSON' });
    const body = await json.json<{ n: number; s: string }>();
    assert.deepEqual(body.data, [{ n: 1, s: 'a,b' }]);
    assert.deepEqual(
      body.meta?.map((m) => m.name),
      ['n', 's'],
    );

    const csv = await writer.query({ query: q, format: 'CSV' });
    assert.match(String(csv.response_headers['content-type']), /^text\/csv/);
    assert.equal(await csv.text(), '1,"a,b"\n');

    const tsv = await writer.query({ query: q, format: 'TabSeparatedWithNames' });
    assert.match(String(tsv.response_headers['content-type']), /^text\/tab-separated-values/);
    assert.equal(await tsv.text(), 'n\ts\n1\ta,b\n');
    assert.ok(tsv.query_id);
    assert.equal(tsv.response_headers['x-clickhouse-query-id'], tsv.query_id);
  });

  it('binds query_params server-side, values never entering the SQL', async () => {
    const tricky = "it's a\ttab; DROP TABLE plays -- \\ back";
    const rs = await writer.query({
      query: `SELECT {s:String} AS s, {a:Array(String)} AS a, {n:Nullable(UInt8)} AS n,
        {d:Date} AS d, {u:UInt64} AS u`,
      query_params: {
        s: tricky,
        a: ["x'y", 'z\\', 'q\nr'],
        n: null,
        d: '2026-11-24',
        u: 18446744073709551615n,
      },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<Record<string, unknown>>();
    assert.deepEqual(row, {
      s: tricky,
      a: ["x'y", 'z\\', 'q\nr'],
      n: null,
      d: '2026-11-24',
      u: '18446744073709551615',
    });
    const byName = await writer.query({
      query: 'SELECT count() AS n FROM {t:Identifier}',
      query_params: { t: 'plays' },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await byName.json(), [{ n: '1000' }]);
    // Parameters too long for a URL travel as multipart/form-data.
    const long = 'x'.repeat(10_000);
    const multipart = await client({ use_multipart_params: true }).query({
      query: 'SELECT length({s:String}) AS n',
      query_params: { s: long },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await multipart.json(), [{ n: '10000' }]);
  });

  it('applies settings to one query only: a dedup token does not stick to the next insert', async () => {
    await writer.command({
      query:
        'CREATE TABLE dedup (k UInt32) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
    });
    const batch = [{ k: 1 }, { k: 2 }];
    for (let i = 0; i < 3; i++) {
      await writer.insert({
        table: 'dedup',
        values: batch,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'batch-1' },
      });
    }
    assert.deepEqual(await rows(writer, 'SELECT count() AS n FROM dedup'), [{ n: '2' }]);
    // Different rows without a token: had the token leaked, this insert would be dropped.
    await writer.insert({ table: 'dedup', values: [{ k: 3 }], format: 'JSONEachRow' });
    assert.deepEqual(await rows(writer, 'SELECT count() AS n FROM dedup'), [{ n: '3' }]);

    // A limit given to one query is gone for the next, on every session of the pool.
    const limited = await chError(() =>
      writer.query({
        query: 'SELECT number FROM numbers(10)',
        clickhouse_settings: { max_result_rows: '2' },
      }),
    );
    assert.equal(limited.code, '396');
    for (let i = 0; i < 8; i++)
      assert.equal((await rows(writer, 'SELECT number FROM numbers(10)')).length, 10);
    // So is a SET statement sent without a session.
    await writer.command({ query: 'SET max_result_rows = 1' });
    for (let i = 0; i < 8; i++)
      assert.equal((await rows(writer, 'SELECT number FROM numbers(3)')).length, 3);
  });

  it('keeps SET for the HTTP session that made it (session_id), and only there', async () => {
    const session_id = randomUUID();
    await writer.command({ query: 'SET max_result_rows = 1', session_id });
    const e = await chError(() =>
      writer.query({ query: 'SELECT number FROM numbers(5)', session_id, format: 'JSONEachRow' }),
    );
    assert.equal(e.type, 'TOO_MANY_ROWS_OR_BYTES');
    assert.equal((await rows(writer, 'SELECT number FROM numbers(5)')).length, 5);
  });

  it('lets the analyst read and change settings, never write', async () => {
    assert.deepEqual(await rows(analyst, 'SELECT count() AS n FROM plays'), [{ n: '1000' }]);
    for (const [what, run] of [
      [
        'INSERT',
        () => analyst.insert({ table: 'plays', values: [{ ms: 1 }], format: 'JSONEachRow' }),
      ],
      ['CREATE', () => analyst.command({ query: 'CREATE TABLE nope (x UInt8) ENGINE = Memory' })],
      ['DROP', () => analyst.command({ query: 'DROP TABLE plays' })],
      ['SET readonly', () => analyst.command({ query: 'SET readonly = DEFAULT' })],
      [
        'SETTINGS readonly',
        () =>
          analyst.command({
            query: "INSERT INTO plays SETTINGS readonly = DEFAULT VALUES ('x', 1, '2026-01-01', 1)",
          }),
      ],
      [
        'readonly=0',
        () => analyst.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } }),
      ],
    ] as const) {
      const e = await chError(run);
      assert.equal(e.code, '164', `${what}: ${e.message}`);
      assert.equal(e.type, 'READONLY');
    }
    assert.deepEqual(await rows(analyst, 'SELECT count() AS n FROM plays'), [{ n: '1000' }]);

    const tooMany = await chError(() =>
      analyst.query({
        query: 'SELECT number FROM numbers(100)',
        clickhouse_settings: { max_result_rows: '10' },
      }),
    );
    assert.equal(tooMany.code, '396');
    const t0 = Date.now();
    const slow = await chError(() =>
      analyst.query({
        query: 'SELECT count() FROM numbers_mt(1000000000000)',
        clickhouse_settings: { max_execution_time: 1 },
      }),
    );
    assert.equal(slow.code, '159');
    assert.equal(slow.type, 'TIMEOUT_EXCEEDED');
    assert.ok(Date.now() - t0 < 10_000);
    // Neither limit outlives its query.
    assert.equal((await rows(analyst, 'SELECT number FROM numbers(100)')).length, 100);
    // The analyst cannot reach the server's files or the network through table functions.
    const file = await chError(() =>
      analyst.query({ query: "SELECT * FROM file('/etc/hostname', 'LineAsString')" }),
    );
    assert.equal(file.type, 'ACCESS_DENIED');
  });

  it('classifies every table function the engine lists: allowed, or reviewed and refused', async () => {
    const names = (
      await rows<{ name: string }>(writer, 'SELECT name FROM system.table_functions')
    ).map((r) => r.name);
    assert.ok(names.length > 50, `only ${names.length} table functions listed`);
    const unclassified = names.filter(
      (n) =>
        !ANALYST_TABLE_FUNCTIONS.has(n.toLowerCase()) &&
        !REVIEWED_REFUSED_TABLE_FUNCTIONS.has(n.toLowerCase()),
    );
    assert.deepEqual(
      unclassified,
      [],
      'new table functions: classify them in common/clickhouse/external-functions.ts',
    );
    const formats = new Set(
      (await rows<{ name: string }>(writer, 'SELECT name FROM system.formats WHERE is_output')).map(
        (r) => r.name.toLowerCase(),
      ),
    );
    for (const f of ANALYST_FORMATS)
      assert.ok(formats.has(f), `format ${f} is not an output format`);
  });

  it("refuses the analyst every table function off the allow list, checked on the engine's parse", async () => {
    const names = (
      await rows<{ name: string }>(writer, 'SELECT name FROM system.table_functions')
    ).map((r) => r.name);
    const refused = names.filter((n) => !ANALYST_TABLE_FUNCTIONS.has(n.toLowerCase()));
    for (const name of refused) {
      for (const query of [
        `SELECT * FROM ${name}('/etc/passwd')`,
        `SELECT * FROM \`${name}\`('/proc/self/environ', 'LineAsString')`,
        `SELECT 1 FROM numbers(1) WHERE 1 IN (SELECT 1 FROM /* c */ ${name}\u00a0('x'))`,
      ]) {
        const e = await chError(() => analyst.query({ query }));
        assert.ok(
          ['ACCESS_DENIED', 'SYNTAX_ERROR'].includes(e.type ?? ''),
          `${query}: ${e.type} ${e.message}`,
        );
      }
    }
    // Scalar file() too, and the allowed generators still work.
    assert.equal(
      (await chError(() => analyst.query({ query: "SELECT file('/etc/passwd')" }))).type,
      'ACCESS_DENIED',
    );
    assert.equal(
      (await rows(analyst, 'SELECT * FROM numbers(3) UNION ALL SELECT * FROM zeros(2)')).length,
      5,
    );
  });

  it("refuses the analyst ClickHouse's own tables and statements off the allow list, however the table is named", async () => {
    for (const query of [
      'SELECT query FROM system.processes',
      'SELECT * FROM `system`.`query_log`',
      'SELECT * FROM system . processes',
      'SELECT 1 FROM plays WHERE track_id IN system.processes',
      'SELECT * FROM view(SELECT * FROM system.processes)',
      'SELECT * FROM plays AS p JOIN (SELECT query AS track_id FROM system.processes) AS q USING track_id',
      'SELECT * FROM information_schema.tables',
      'DESCRIBE TABLE system.processes',
      'EXISTS system.users',
      'SHOW CREATE TABLE system.query_log',
      'SHOW PROCESSLIST',
      'SHOW USERS',
      'SHOW GRANTS',
      'USE system',
    ]) {
      const e = await chError(() => analyst.command({ query }));
      assert.equal(e.type, 'ACCESS_DENIED', `${query}: ${e.type} ${e.message}`);
    }
    // A request naming a built-in database as its own does not open its tables either.
    const sys = client({
      user: config.chdbServer.analystUser,
      pass: config.chdbServer.analystPassword,
      database: 'system',
    });
    assert.equal(
      (await chError(() => sys.query({ query: 'SELECT * FROM processes' }))).type,
      'ACCESS_DENIED',
    );
    // Schema discovery, generators and the analyst's own tables still answer.
    assert.ok(
      (await rows(analyst, `SELECT name FROM system.tables WHERE database = '${db}'`)).length >= 1,
    );
    assert.ok(
      (await rows(analyst, `SELECT name FROM system.columns WHERE table = 'plays'`)).length >= 1,
    );
    assert.equal((await rows(analyst, 'SELECT * FROM system.one')).length, 1);
    assert.equal((await rows(analyst, 'SELECT p.track_id FROM plays AS p LIMIT 2')).length, 2);
    assert.ok((await rows(analyst, 'SHOW TABLES')).length >= 1);
    assert.equal((await rows(sys, 'SELECT * FROM one')).length, 1);
  });

  it('holds the analyst limits whatever the spelling: SETTINGS off the allow list are refused', async () => {
    for (const ws of [' ', '\u00a0', '\u3000', '\ufeff', '\u2028', '\t', '/**/', '--x\n']) {
      for (const setting of [
        'max_result_rows',
        'MAX_EXECUTION_TIME',
        'max_memory_usage',
        'max_result_bytes',
        'result_overflow_mode',
      ]) {
        const query = `SELECT number FROM numbers(10)${ws}SETTINGS${ws}${setting}${ws}=${ws}0`;
        const e = await chError(() => analyst.query({ query }));
        assert.ok(
          ['SETTING_CONSTRAINT_VIOLATION', 'SYNTAX_ERROR', 'UNKNOWN_SETTING', 'READONLY'].includes(
            e.type ?? '',
          ),
          `${JSON.stringify(query)}: ${e.type} ${e.message}`,
        );
      }
    }
    // A request parameter may lower a cap, not lift it; the caps hold without any parameter.
    const lift = await chError(() =>
      analyst.query({ query: 'SELECT 1', clickhouse_settings: { max_result_rows: '0' } }),
    );
    assert.equal(lift.type, 'SETTING_CONSTRAINT_VIOLATION');
    const [caps] = await rows<Record<string, string>>(
      analyst,
      "SELECT getSettingOrDefault('max_result_rows', 0) AS r, getSettingOrDefault('max_execution_time', 0) AS t, getSettingOrDefault('max_memory_usage', 0) AS m, getSettingOrDefault('max_result_bytes', 0) AS b",
    );
    assert.deepEqual(Object.values(caps!).map(Number), [
      config.api.sqlMaxRows,
      config.api.sqlMaxSeconds,
      config.api.sqlMaxMemoryBytes,
      config.api.sqlMaxResultBytes,
    ]);
    // An allowed setting passes.
    assert.equal((await rows(analyst, 'SELECT 1 AS x SETTINGS max_threads = 1')).length, 1);
  });

  it("keeps the passwords and the token secret out of the chDB server's environment", async () => {
    const pid = readFileSync(
      path.join(config.stack.dataDir, 'run', 'clickhouse.pid'),
      'utf8',
    ).trim();
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
    for (const name of ['API_TOKEN_SECRET', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_ANALYST_PASSWORD'])
      assert.ok(!env.split('\0').some((kv) => kv.startsWith(`${name}=`)), name);
    // (The default passwords are short words that occur in other values; long ones must not.)
    for (const secret of [
      config.chdbServer.password,
      config.chdbServer.analystPassword,
      config.api.tokenSecret,
    ].filter((x) => x.length >= 16))
      assert.ok(!env.includes(secret), 'a secret value is in the environment');
    // ... and the secrets file is gone once read.
    assert.equal(
      (await import('node:fs')).existsSync(
        path.join(config.stack.dataDir, 'run', 'chdb-server.secrets.json'),
      ),
      false,
    );
  });

  it('refuses wrong or missing credentials with 516 AUTHENTICATION_FAILED', async () => {
    for (const [user, pass] of [
      [config.chdbServer.user, 'wrong'],
      ['nobody', config.chdbServer.password],
      [config.chdbServer.analystUser, config.chdbServer.password],
    ]) {
      const e = await chError(() => client({ user, pass }).query({ query: 'SELECT 1' }));
      assert.equal(e.code, '516');
      assert.equal(e.type, 'AUTHENTICATION_FAILED');
    }
    const anonymous = await fetch(`${base}/?query=SELECT%201`);
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers.get('x-clickhouse-exception-code'), '516');
    assert.match(
      await anonymous.text(),
      /^Code: 516\. DB::Exception: default: Authentication failed/,
    );
  });

  it('answers errors with ClickHouse codes and types, one statement per request', async () => {
    const unknown = await chError(() => writer.query({ query: 'SELECT * FROM no_such_table' }));
    assert.equal(unknown.code, '60');
    assert.equal(unknown.type, 'UNKNOWN_TABLE');
    const syntax = await chError(() => writer.query({ query: 'SELEC 1' }));
    assert.equal(syntax.code, '62');
    assert.equal(syntax.type, 'SYNTAX_ERROR');
    const noDb = await chError(() =>
      client({ database: 'no_such_db' }).query({ query: 'SELECT 1' }),
    );
    assert.equal(noDb.type, 'UNKNOWN_DATABASE');
    for (const query of [
      'SELECT 1; DROP TABLE dedup',
      'INSERT INTO dedup VALUES (9); DROP TABLE dedup',
      "SELECT 1 INTO OUTFILE '/tmp/chdb-server-it.txt'",
    ]) {
      await chError(() => writer.command({ query }));
    }
    assert.deepEqual(await rows(writer, 'EXISTS TABLE dedup'), [{ result: 1 }]);

    const raw = await fetch(`${base}/?query=${encodeURIComponent('SELECT * FROM no_such_table')}`, {
      headers: {
        'X-ClickHouse-User': config.chdbServer.user,
        'X-ClickHouse-Key': config.chdbServer.password,
      },
    });
    assert.equal(raw.status, 404);
    assert.equal(raw.headers.get('x-clickhouse-exception-code'), '60');
    assert.match(
      await raw.text(),
      /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [\d.]+ \(chDB\)\)\n$/s,
    );

    // GET implies readonly, as on a ClickHouse server.
    const write = await fetch(
      `${base}/?query=${encodeURIComponent('INSERT INTO dedup VALUES (7)')}`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(`${config.chdbServer.user}:${config.chdbServer.password}`).toString('base64')}`,
        },
      },
    );
    assert.equal(write.headers.get('x-clickhouse-exception-code'), '164');
  });

  it('compresses both ways with gzip when asked', async () => {
    const gz = client({ compression: { request: true, response: true } });
    await gz.insert({ table: 'dedup', values: [{ k: 100 }, { k: 101 }], format: 'JSONEachRow' });
    assert.deepEqual(await rows(gz, 'SELECT k FROM dedup WHERE k >= 100 ORDER BY k'), [
      { k: 100 },
      { k: 101 },
    ]);
    const res = await fetch(
      `${base}/?enable_http_compression=1&database=${db}&query=${encodeURIComponent('SELECT k FROM dedup WHERE k >= 100 ORDER BY k FORMAT CSV')}`,
      {
        headers: {
          'Accept-Encoding': 'gzip',
          'X-ClickHouse-User': config.chdbServer.user,
          'X-ClickHouse-Key': config.chdbServer.password,
        },
      },
    );
    // fetch decodes gzip itself; the header says what came over the wire.
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.equal(await res.text(), '100\n101\n');
  });

  it('serves two client processes writing and reading at the same time', async () => {
    await writer.command({
      query: 'CREATE TABLE concurrent (who String, i UInt32) ENGINE = MergeTree ORDER BY (who, i)',
    });
    const batches = 20;
    const childCode = `
      import { createClient } from '@clickhouse/client';
      const c = createClient({ url: process.env.CH_URL, username: process.env.CH_USER, password: process.env.CH_PASS, database: process.env.CH_DB });
      let reads = 0;
      for (let b = 0; b < ${batches}; b++) {
        await c.insert({ table: 'concurrent', values: Array.from({ length: 50 }, (_, i) => ({ who: 'child', i: b * 50 + i })), format: 'JSONEachRow' });
        const rs = await c.query({ query: 'SELECT count() AS n FROM concurrent', format: 'JSONEachRow' });
        reads += Number((await rs.json())[0].n) >= 0 ? 1 : 0;
      }
      await c.close();
      console.log(JSON.stringify({ reads }));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', childCode], {
      cwd: repoRoot(),
      env: {
        ...process.env,
        CH_URL: base,
        CH_USER: config.chdbServer.user,
        CH_PASS: config.chdbServer.password,
        CH_DB: db,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let b = 0; b < batches; b++) {
      await writer.insert({
        table: 'concurrent',
        values: Array.from({ length: 50 }, (_, i) => ({ who: 'parent', i: b * 50 + i })),
        format: 'JSONEachRow',
      });
      await rows(analyst, 'SELECT who, count() FROM concurrent GROUP BY who');
    }
    assert.equal(await exited, 0, out);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { reads: batches });
    assert.deepEqual(
      await rows(
        writer,
        'SELECT who, count() AS n, uniqExact(i) AS u FROM concurrent GROUP BY who ORDER BY who',
      ),
      [
        { who: 'child', n: String(batches * 50), u: String(batches * 50) },
        { who: 'parent', n: String(batches * 50), u: String(batches * 50) },
      ],
    );
  });

  it('keeps its data through kill -9 and a restart (MergeTree on disk)', async () => {
    const stack = createStack(config);
    const before = stack.status().services.find((s) => s.name === 'clickhouse');
    assert.ok(before?.running && before.pid, JSON.stringify(before));
    process.kill(before.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while ((await portOpen(config.stack.host, config.chdbServer.port)) && Date.now() < deadline)
      await sleep(100);
    await stack.up();
    const afterRestart = stack.status().services.find((s) => s.name === 'clickhouse');
    assert.notEqual(afterRestart?.pid, before.pid);
    const fresh = client();
    assert.deepEqual(await rows(fresh, 'SELECT count() AS n FROM plays'), [{ n: '1000' }]);
    assert.deepEqual(await rows(fresh, 'SELECT count() AS n FROM dedup'), [{ n: '5' }]);
    assert.deepEqual(await rows(fresh, 'SELECT count() AS n FROM concurrent'), [{ n: '2000' }]);
  });
});
