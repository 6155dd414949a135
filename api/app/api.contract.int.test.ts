import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedLabelLedger } from '../../test/helpers/label-ledger.helper.js';
import { SCENARIO_PLAYLISTS as PL } from '../../test/helpers/playlist.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { scenarioNow, startTestApi, type TestApi } from '../../test/helpers/api.helper.js';
import {
  createContractChecker,
  type Checked,
  type OpenApiDoc,
} from '../../test/helpers/contract.helper.js';

/**
 * The API against its own OpenAPI document, on a real Redis and ClickHouse: every documented
 * path is called (answers and errors), every response must have a documented status and
 * content type, and every body must validate against its schema.
 */
const now = scenarioNow();
const today = new Date(now).toISOString().slice(0, 10);
let api: TestApi;
let down: TestApi;
let doc: OpenApiDoc;
let checker: ReturnType<typeof createContractChecker>;
const seen: Checked[] = [];

before(async () => {
  const config = await useStack();
  api = await startTestApi(config, { now, sqlMaxRows: 1000, sqlMaxSeconds: 5 });
  down = await startTestApi(config, { now, outage: true });
  await seedLabelLedger(api.admin.client, config.redis.url);
  doc = (await (await fetch(`${api.base}/openapi.json`)).json()) as OpenApiDoc;
  checker = createContractChecker(doc);
});
after(async () => {
  await api?.close();
  await down?.close();
});

interface Call {
  method?: string;
  path: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
}

async function call(c: Call, base = api.base) {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  let body: string | undefined;
  if (c.body !== undefined) {
    body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    headers['content-type'] ??= typeof c.body === 'string' ? 'text/plain' : 'application/json';
  }
  const method = c.method ?? 'GET';
  const res = await fetch(base + c.path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const etag = res.headers.get('etag');
  const checked = await checker.check(method, c.path, res);
  assert.equal(
    checked.status,
    c.status,
    `${method} ${c.path}: expected ${c.status}, got ${checked.status} ${JSON.stringify(checked.body)?.slice(0, 300)}`,
  );
  seen.push(checked);
  return { ...checked, etag, headers: res.headers };
}

const u1 = () => api.token('user', 'user-1');
const long = 'x'.repeat(300);

describe('contract: every documented path, answers and errors', () => {
  it('ops: health, readiness, metrics, the document itself', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      await call({ path, status: 200 });
  });

  it("/v1/me/...: the token user's state, 401 without or with a bad token, 403 for other roles, 400 bad parameters", async () => {
    const me = await call({ path: '/v1/me', token: u1(), status: 200 });
    assert.equal((me.body as { user_id: string }).user_id, 'user-1');
    assert.equal(me.headers.get('cache-control'), 'private, no-store');
    await call({ path: '/v1/me', status: 401 });
    await call({ path: '/v1/me', token: api.token('analyst', 'alice'), status: 403 });
    await call({ path: '/v1/me/devices', token: u1(), status: 200 });
    await call({ path: '/v1/me/devices', token: api.token('label', 'label-1'), status: 403 });
    await call({ path: '/v1/me/now-playing', token: u1(), status: 200 });
    await call({ path: '/v1/me/now-playing', token: 'not.a-token', status: 401 });
    const first = await call({ path: '/v1/me/recently-played?limit=1', token: u1(), status: 200 });
    const cursor = (first.body as { next_cursor: string | null }).next_cursor;
    assert.ok(cursor, 'user-1 has more than one play');
    await call({
      path: `/v1/me/recently-played?limit=1&cursor=${encodeURIComponent(cursor)}`,
      token: u1(),
      status: 200,
    });
    await call({ path: '/v1/me/recently-played?limit=0', token: u1(), status: 400 });
    await call({ path: '/v1/me/recently-played?cursor=garbage!', token: u1(), status: 400 });
    await call({ path: '/v1/me/following?type=artist', token: u1(), status: 200 });
    await call({ path: '/v1/me/following?type=user&limit=5', token: u1(), status: 200 });
    await call({ path: '/v1/me/following?type=label', token: u1(), status: 400 });
    await call({ path: '/v1/me/followers', token: u1(), status: 200 });
    await call({ path: '/v1/me/followers?limit=101', token: u1(), status: 400 });
    await call({ path: '/v1/me/friend-activity', token: u1(), status: 200 });
    await call({ path: '/v1/me/friend-activity?limit=x', token: u1(), status: 400 });
    await call({ path: '/v1/me/settings', token: u1(), status: 200 });
    await call({ path: '/v1/me/settings', status: 401 });
  });

  it('tracks: a track, its daily series and markets, ISRC look-up; 304, 400, 404', async () => {
    const t = await call({ path: '/v1/tracks/track-1', status: 200 });
    assert.equal((t.body as { streams: number }).streams, 3);
    await call({ path: '/v1/tracks/track-1', headers: { 'if-none-match': t.etag! }, status: 304 });
    await call({ path: '/v1/tracks/no-such-track', status: 404 });
    await call({ path: `/v1/tracks/${long}`, status: 400 });
    await call({ path: '/v1/tracks/track-1/streams', status: 200 });
    await call({
      path: `/v1/tracks/track-1/streams?from=${today}&to=${today}&market=SE`,
      status: 200,
    });
    await call({ path: '/v1/tracks/track-1/streams?from=2026-02-30', status: 400 });
    await call({ path: '/v1/tracks/no-such-track/streams', status: 404 });
    await call({ path: '/v1/tracks/track-1/markets', status: 200 });
    await call({ path: '/v1/tracks/no-such-track/markets', status: 404 });
    await call({ path: `/v1/tracks/${long}/markets`, status: 400 });
    await call({ path: '/v1/isrc/seabc2600001', status: 200 });
    await call({ path: '/v1/isrc/not-an-isrc', status: 400 });
    await call({ path: '/v1/isrc/SEABC2699999', status: 404 });
  });

  it('charts: global and per market; 304, 400', async () => {
    const c = await call({ path: `/v1/charts/${today}`, status: 200 });
    assert.ok((c.body as { items: unknown[] }).items.length > 0);
    await call({ path: `/v1/charts/${today}`, headers: { 'if-none-match': c.etag! }, status: 304 });
    await call({ path: '/v1/charts/2026-13-01', status: 400 });
    await call({ path: `/v1/charts/${today}?limit=51`, status: 400 });
    await call({ path: `/v1/charts/${today}/SE?limit=10`, status: 200 });
    await call({ path: `/v1/charts/${today}/sweden`, status: 400 });
  });

  it('catalogue: artists, their followers, label tracks; 304, 400, 404', async () => {
    const a = await call({ path: '/v1/artists/artist-1', status: 200 });
    await call({
      path: '/v1/artists/artist-1',
      headers: { 'if-none-match': a.etag! },
      status: 304,
    });
    await call({ path: '/v1/artists/nobody', status: 404 });
    await call({ path: `/v1/artists/${long}`, status: 400 });
    const f = await call({ path: '/v1/artists/artist-1/followers', status: 200 });
    assert.equal((f.body as { count: number }).count, 1);
    await call({
      path: '/v1/artists/artist-1/followers',
      headers: { 'if-none-match': f.etag! },
      status: 304,
    });
    await call({ path: '/v1/artists/nobody/followers', status: 404 });
    await call({ path: '/v1/artists/artist-1/followers?limit=0', status: 400 });
    const l = await call({ path: '/v1/labels/label-1/tracks?limit=1', status: 200 });
    const next = (l.body as { next_cursor: string | null }).next_cursor;
    assert.ok(next);
    await call({
      path: `/v1/labels/label-1/tracks?limit=1&cursor=${encodeURIComponent(next)}`,
      status: 200,
    });
    await call({
      path: '/v1/labels/label-1/tracks?limit=1',
      headers: { 'if-none-match': l.etag! },
      status: 304,
    });
    await call({ path: '/v1/labels/no-label/tracks', status: 404 });
    await call({ path: '/v1/labels/label-1/tracks?limit=500', status: 400 });
  });

  it('recs: similar tracks, fans also like, the daily mix; 304, 400, 401, 404', async () => {
    const s = await call({ path: '/v1/tracks/track-1/similar', status: 200 });
    await call({
      path: '/v1/tracks/track-1/similar',
      headers: { 'if-none-match': s.etag! },
      status: 304,
    });
    await call({ path: '/v1/tracks/no-such-track/similar', status: 404 });
    await call({ path: '/v1/tracks/track-1/similar?limit=101', status: 400 });
    await call({ path: '/v1/artists/artist-1/fans-also-like', status: 200 });
    await call({ path: '/v1/artists/nobody/fans-also-like', status: 404 });
    await call({ path: '/v1/artists/artist-1/fans-also-like?cursor=zz', status: 400 });
    const mix = await call({ path: '/v1/me/daily-mix', token: u1(), status: 200 });
    assert.equal((mix.body as { source: string }).source, 'chart');
    await call({
      path: '/v1/me/daily-mix',
      token: u1(),
      headers: { 'if-none-match': mix.etag! },
      status: 304,
    });
    await call({ path: '/v1/me/daily-mix', status: 401 });
    await call({ path: '/v1/me/daily-mix?limit=0', token: u1(), status: 400 });
  });

  it('playlists: mine, one, its tracks; public without a token, private only for members (404 otherwise); 304, 400, 401, 403', async () => {
    const u2 = api.token('user', 'user-2');
    const mine = await call({ path: '/v1/me/playlists?limit=1', token: u2, status: 200 });
    assert.equal((mine.body as { next_offset: number | null }).next_offset, 1);
    await call({ path: '/v1/me/playlists?offset=1', token: u2, status: 200 });
    await call({ path: '/v1/me/playlists', status: 401 });
    await call({ path: '/v1/me/playlists?limit=0', token: u2, status: 400 });
    const gym = await call({ path: `/v1/playlists/${PL.gym}`, status: 200 });
    await call({
      path: `/v1/playlists/${PL.gym}`,
      headers: { 'if-none-match': gym.etag! },
      status: 304,
    });
    await call({ path: `/v1/playlists/${PL.roadTrip}`, token: u1(), status: 200 });
    await call({ path: `/v1/playlists/${PL.roadTrip}`, status: 404 });
    await call({ path: `/v1/playlists/${PL.roadTrip}`, token: 'not.a-token', status: 401 });
    await call({
      path: `/v1/playlists/${PL.roadTrip}`,
      token: api.token('analyst', 'alice'),
      status: 403,
    });
    await call({ path: `/v1/playlists/${long}`, status: 400 });
    const t = await call({ path: `/v1/playlists/${PL.gym}/tracks`, status: 200 });
    await call({
      path: `/v1/playlists/${PL.gym}/tracks`,
      headers: { 'if-none-match': t.etag! },
      status: 304,
    });
    await call({
      path: `/v1/playlists/${PL.roadTrip}/tracks?limit=2`,
      token: u2,
      status: 200,
    });
    await call({ path: `/v1/playlists/${PL.roadTrip}/tracks`, status: 404 });
    await call({ path: `/v1/playlists/${PL.gym}/tracks?offset=-1`, status: 400 });
    await call({ path: `/v1/playlists/${PL.gym}/tracks`, token: 'x', status: 401 });
    await call({
      path: `/v1/playlists/${PL.gym}/tracks`,
      token: api.token('label', 'label-1'),
      status: 403,
    });
  });

  it('sql: each format, and 400, 401, 403, 413, 415', async () => {
    const analyst = api.token('analyst', 'alice');
    for (const format of ['JSON', 'JSONEachRow', 'CSV', 'TSV'])
      await call({
        method: 'POST',
        path: '/v1/sql',
        token: analyst,
        body: { query: 'SELECT count() AS n FROM plays', format },
        status: 200,
      });
    await call({
      method: 'POST',
      path: '/v1/sql?format=CSV',
      token: analyst,
      body: 'SELECT 1',
      status: 200,
    });
    await call({
      method: 'POST',
      path: '/v1/sql',
      token: analyst,
      body: { query: 'DROP TABLE events' },
      status: 400,
    });
    await call({
      method: 'POST',
      path: '/v1/sql',
      token: analyst,
      body: { query: 'SELECT nope FROM plays' },
      status: 400,
    });
    await call({ method: 'POST', path: '/v1/sql', body: { query: 'SELECT 1' }, status: 401 });
    await call({
      method: 'POST',
      path: '/v1/sql',
      token: u1(),
      body: { query: 'SELECT 1' },
      status: 403,
    });
    await call({
      method: 'POST',
      path: '/v1/sql',
      token: analyst,
      body: `SELECT '${'x'.repeat(300 * 1024)}'`,
      status: 413,
    });
    await call({
      method: 'POST',
      path: '/v1/sql',
      token: analyst,
      body: '<q/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
    });
  });

  it('label: streams, statements (JSON, CSV, DSR), tracks, uploads; 304, 400, 401, 403, 404, 406', async () => {
    const l1 = api.token('label', 'label-1');
    const range = '?from=2026-11-01&to=2026-11-30';
    const s = await call({ path: `/v1/label/streams${range}&limit=1`, token: l1, status: 200 });
    const next = (s.body as { next_cursor: string | null }).next_cursor;
    assert.ok(next);
    await call({ path: `/v1/label/streams${range}&cursor=${next}`, token: l1, status: 200 });
    await call({ path: '/v1/label/streams?from=2026-11-02&to=2026-11-01', token: l1, status: 400 });
    await call({ path: `/v1/label/streams${range}`, status: 401 });
    await call({ path: '/v1/label/statements', token: l1, status: 200 });
    await call({ path: '/v1/label/statements?limit=0', token: l1, status: 400 });
    await call({ path: '/v1/label/statements', token: u1(), status: 403 });
    const st = await call({ path: '/v1/label/statements/2026-11-SE-v1', token: l1, status: 200 });
    await call({
      path: '/v1/label/statements/2026-11-SE-v1',
      token: l1,
      headers: { 'if-none-match': st.etag! },
      status: 304,
    });
    await call({
      path: '/v1/label/statements/2026-11-SE-v1',
      token: l1,
      headers: { accept: 'text/csv' },
      status: 200,
    });
    await call({
      path: '/v1/label/statements/2026-11-SE-v1',
      token: l1,
      headers: { accept: 'image/png' },
      status: 406,
    });
    await call({ path: '/v1/label/statements/2026-11-NO-v1', token: l1, status: 404 });
    await call({ path: '/v1/label/statements/2026-11-SE-v1/dsr', token: l1, status: 200 });
    await call({
      path: '/v1/label/statements/2026-11-SE-v1/dsr?model=user-centric',
      token: l1,
      status: 200,
    });
    await call({ path: '/v1/label/statements/2026-11-NO-v1/dsr', token: l1, status: 404 });
    await call({ path: '/v1/label/statements/2026-11-SE-v1/dsr?model=x', token: l1, status: 400 });
    await call({ path: '/v1/label/tracks?limit=1', token: l1, status: 200 });
    await call({ path: '/v1/label/tracks?cursor=nope', token: l1, status: 400 });
    await call({ path: '/v1/label/uploads', token: l1, status: 200 });
    await call({ path: '/v1/label/uploads?track_id=track-9', token: l1, status: 404 });
  });

  it('operator: close, statements; 400, 401, 403, 404', async () => {
    const ops = api.token('operator', 'ops');
    await call({
      method: 'POST',
      path: '/v1/operator/royalties/close',
      token: ops,
      body: { period: '2026-11', market: 'SE' },
      status: 200,
    });
    await call({
      method: 'POST',
      path: '/v1/operator/royalties/close',
      token: ops,
      body: { period: 'soon' },
      status: 400,
    });
    await call({ path: '/v1/operator/royalties/statements', token: ops, status: 200 });
    await call({ path: '/v1/operator/royalties/statements?limit=x', token: ops, status: 400 });
    await call({
      path: '/v1/operator/royalties/statements/2026-11-SE-v1',
      token: ops,
      status: 200,
    });
    await call({
      path: '/v1/operator/royalties/statements/2026-11-DK-v1',
      token: ops,
      status: 404,
    });
    await call({ path: '/v1/operator/royalties/statements', token: u1(), status: 403 });
  });

  it('outages: every /v1 path answers a documented 503 (and /readyz 503) when its store is down', async () => {
    const outage = (c: Call) => call(c, down.base);
    await outage({ path: '/readyz', status: 503 });
    const token = down.token('user', 'user-1');
    for (const template of Object.keys(doc.paths).filter((p) => p.startsWith('/v1/'))) {
      for (const method of Object.keys(doc.paths[template]!)) {
        const path = template
          .replace('{day}', today)
          .replace('{market}', 'SE')
          .replace('{isrc}', 'SEABC2600001')
          .replace(/\{[^}]+\}/g, 'x-1');
        const query =
          template === '/v1/me/following'
            ? '?type=artist'
            : template === '/v1/label/streams'
              ? '?from=2026-11-01&to=2026-11-30'
              : '';
        const sql = template === '/v1/sql';
        const close = template === '/v1/operator/royalties/close';
        const role = sql
          ? down.token('analyst', 'alice')
          : template.startsWith('/v1/label/')
            ? down.token('label', 'label-1')
            : template.startsWith('/v1/operator/')
              ? down.token('operator', 'ops')
              : token;
        await outage({
          method: method.toUpperCase(),
          path: path.replace('/statements/x-1', '/statements/2026-11-SE-v1') + query,
          token: role,
          ...(sql ? { body: { query: 'SELECT 1' } } : {}),
          ...(close ? { body: { period: '2026-11', market: 'SE' } } : {}),
          status: 503,
        });
      }
    }
  });

  it('unknown paths: 404 problem+json', async () => {
    for (const path of ['/v1/nope', '/v1/tracks', '/admin']) {
      const res = await fetch(api.base + path);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(checker.validateComponent('Problem', await res.json()), undefined);
    }
  });

  it('coverage: every documented operation was answered with a success and, under /v1, an error', () => {
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        const statuses = seen
          .filter((s) => s.template === template && s.method === method)
          .map((s) => s.status);
        assert.ok(
          statuses.some((s) => s >= 200 && s < 300),
          `${method} ${template}: no success call`,
        );
        if (template.startsWith('/v1/'))
          assert.ok(
            statuses.some((s) => s >= 400 && s < 500),
            `${method} ${template}: no error call`,
          );
      }
    }
  });
});

describe('private state', () => {
  it('has no URL that takes a user id for private state', () => {
    for (const [template, item] of Object.entries(doc.paths)) {
      if (!template.startsWith('/v1/me')) continue;
      assert.ok(!template.includes('{'), `${template} takes a path parameter`);
      for (const op of Object.values(item) as { parameters?: { name: string }[] }[])
        for (const p of op.parameters ?? [])
          assert.doesNotMatch(p.name, /user/i, `${template} ?${p.name}`);
    }
  });

  it("given user-1's token, when asking for another user by query, then it still answers for user-1 only", async () => {
    const res = await fetch(`${api.base}/v1/me?user_id=user-2&userId=user-2`, {
      headers: { authorization: `Bearer ${u1()}` },
    });
    assert.equal(((await res.json()) as { user_id: string }).user_id, 'user-1');
    const two = await fetch(`${api.base}/v1/me`, {
      headers: { authorization: `Bearer ${api.token('user', 'user-2')}` },
    });
    const body = (await two.json()) as { user_id: string; totals: { qualified_streams: number } };
    assert.equal(body.user_id, 'user-2');
    assert.equal(body.totals.qualified_streams, 2);
  });

  it("given user-1's token with its subject changed to user-2, when used, then 401", async () => {
    const [payload, sig] = u1().split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = `${Buffer.from(JSON.stringify({ ...claims, sub: 'user-2' })).toString('base64url')}.${sig}`;
    for (const path of ['/v1/me', '/v1/me/recently-played', '/v1/me/following?type=user']) {
      const res = await fetch(api.base + path, { headers: { authorization: `Bearer ${altered}` } });
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('www-authenticate')!, /invalid_token/);
    }
  });
});
