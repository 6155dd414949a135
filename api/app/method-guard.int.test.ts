import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { useStack } from '../../test/helpers/stack.helper.js';
import { startTestApi, type TestApi } from '../../test/helpers/api.helper.js';

let api: TestApi;
before(async () => {
  api = await startTestApi(await useStack());
});
after(async () => api?.close());

/** node:http, since fetch refuses TRACE. */
function send(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; allow?: string; type?: string; body: string }>(
    (resolve, reject) => {
      const req = request(`${api.base}${path}`, { method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            allow: res.headers.allow,
            type: res.headers['content-type'],
            body,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('unsupported methods on the read API', () => {
  it('TRACE, PUT and DELETE on documented read paths answer 405 with Allow, before any token check', async () => {
    for (const [method, path] of [
      ['TRACE', '/v1/charts/2026-11-24'],
      ['TRACE', '/v1/me'],
      ['PUT', '/v1/me/settings'],
      ['DELETE', '/v1/tracks/track-1'],
      ['TRACE', '/openapi.json'],
      ['OPTIONS', '/healthz'],
    ] as const) {
      const r = await send(method, path);
      assert.equal(r.status, 405, `${method} ${path}: ${r.body}`);
      assert.equal(r.allow, 'GET, HEAD', `${method} ${path}`);
      assert.match(r.type ?? '', /^application\/problem\+json/);
      assert.equal(JSON.parse(r.body).code, 'method-not-allowed');
    }
    const sql = await send('GET', '/v1/sql');
    assert.equal(sql.status, 405);
    assert.equal(sql.allow, 'POST');
  });

  it('allowed methods and unknown paths are unchanged: GET and HEAD answer, an unknown path is 404', async () => {
    assert.equal((await send('GET', '/healthz')).status, 200);
    assert.equal((await send('HEAD', '/openapi.json')).status, 200);
    assert.equal((await send('GET', '/v1/me')).status, 401);
    assert.equal((await send('TRACE', '/v1/nothing-here')).status, 404);
  });
});
