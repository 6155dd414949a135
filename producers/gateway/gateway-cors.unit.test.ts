import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createGatewayCors } from './gateway-cors.js';

/** A tiny app with the CORS middleware in front of a POST handler, on a loopback port. */
async function appWith(origins: string[]) {
  const app = express();
  app.all('/v1/events', createGatewayCors(origins));
  app.post('/v1/events', (_req, res) => void res.status(200).json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events` };
}

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  });

describe('gateway CORS', () => {
  let listA: Awaited<ReturnType<typeof appWith>>;
  let any: Awaited<ReturnType<typeof appWith>>;
  before(async () => {
    listA = await appWith(['https://player.example.com', 'http://127.0.0.1:5173']);
    any = await appWith(['*']);
  });
  after(() => {
    listA.server.close();
    any.server.close();
  });

  it('an allowed origin: the preflight is 204 with the CORS headers, the POST answer carries Allow-Origin', async () => {
    const p = await preflight(listA.url, 'https://player.example.com');
    assert.equal(p.status, 204);
    assert.equal(p.headers.get('access-control-allow-origin'), 'https://player.example.com');
    assert.equal(p.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(
      p.headers.get('access-control-allow-headers'),
      'authorization, content-type, x-api-key',
    );
    assert.equal(p.headers.get('access-control-max-age'), '600');
    assert.equal(p.headers.get('vary'), 'Origin');
    const r = await fetch(listA.url, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:5173' },
    });
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://127.0.0.1:5173');
    assert.equal(r.headers.get('access-control-expose-headers'), 'Retry-After');
  });

  it('an origin not on the list, or one that differs in port or scheme: no CORS header at all', async () => {
    for (const origin of [
      'https://evil.example.com',
      'http://player.example.com',
      'https://player.example.com:8443',
      'null',
    ]) {
      const p = await preflight(listA.url, origin);
      assert.equal(p.status, 204, origin);
      for (const [h] of p.headers) assert.ok(!h.startsWith('access-control-'), `${origin}: ${h}`);
      assert.equal(p.headers.get('vary'), 'Origin');
      const r = await fetch(listA.url, { method: 'POST', headers: { origin } });
      assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
    }
  });

  it('* allows any origin with a literal *, and never credentials', async () => {
    const p = await preflight(any.url, 'https://anyone.example');
    assert.equal(p.headers.get('access-control-allow-origin'), '*');
    assert.equal(p.headers.get('access-control-allow-credentials'), null);
  });

  it('GATEWAY_CORS_ORIGINS: empty by default, a list of exact origins, or a clear error', () => {
    assert.deepEqual(loadConfig({}).gateway.corsOrigins, []);
    assert.deepEqual(
      loadConfig({ GATEWAY_CORS_ORIGINS: 'https://a.example, http://127.0.0.1:8000' }).gateway
        .corsOrigins,
      ['https://a.example', 'http://127.0.0.1:8000'],
    );
    for (const bad of [
      'a.example',
      'https://a.example/path',
      'ftp://a.example',
      'https://a.example,',
    ])
      assert.throws(
        () => loadConfig({ GATEWAY_CORS_ORIGINS: bad }),
        (e: unknown) => e instanceof ConfigError && /GATEWAY_CORS_ORIGINS/.test(e.message),
        bad,
      );
  });
});
