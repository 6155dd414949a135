import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { listen } from '../../../common/http/http-server.js';
import { mintToken, signToken, verifyToken } from './api-token.js';
import { requireToken } from './auth.middleware.js';

const SECRET = 'unit-test-secret-0123456789';
const NOW = Date.UTC(2026, 10, 24, 12);

/** Signs an arbitrary payload the way Backbeat does (to craft tokens with bad claims). */
function forge(payload: unknown, secret = SECRET): string {
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${p}.${createHmac('sha256', secret).update(p).digest('base64url')}`;
}

describe('API tokens', () => {
  it('given a minted user token, when verified, then the claims come back', () => {
    const t = mintToken({ role: 'user', sub: 'user-1', ttlSeconds: 60 }, SECRET, NOW);
    assert.deepEqual(verifyToken(t, SECRET, NOW), {
      ok: true,
      claims: { sub: 'user-1', role: 'user', exp: NOW / 1000 + 60 },
    });
  });

  it('given a label token, when verified, then it carries its label id', () => {
    const t = mintToken({ role: 'label', sub: 'label-1', ttlSeconds: 60 }, SECRET, NOW);
    const r = verifyToken(t, SECRET, NOW);
    assert.ok(r.ok);
    assert.equal(r.claims.label_id, 'label-1');
  });

  it('given an operator token, when verified, then it has no label id; one with a label id is malformed', () => {
    const t = mintToken({ role: 'operator', sub: 'ops-1', ttlSeconds: 60 }, SECRET, NOW);
    assert.deepEqual(verifyToken(t, SECRET, NOW), {
      ok: true,
      claims: { sub: 'ops-1', role: 'operator', exp: NOW / 1000 + 60 },
    });
    const forged = forge({
      sub: 'ops-1',
      role: 'operator',
      label_id: 'label-1',
      exp: NOW / 1000 + 60,
    });
    assert.deepEqual(verifyToken(forged, SECRET, NOW), { ok: false, reason: 'malformed' });
  });

  it('given the payload of a token is changed to another user, when verified, then it is refused', () => {
    const t = mintToken({ role: 'user', sub: 'user-1', ttlSeconds: 60 }, SECRET, NOW);
    const [, sig] = t.split('.');
    const other = Buffer.from(
      JSON.stringify({ sub: 'user-2', role: 'user', exp: NOW / 1000 + 60 }),
    ).toString('base64url');
    assert.deepEqual(verifyToken(`${other}.${sig}`, SECRET, NOW), {
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('given a user token whose role is raised to analyst, when verified, then it is refused', () => {
    const t = mintToken({ role: 'user', sub: 'u', ttlSeconds: 60 }, SECRET, NOW);
    const [p, sig] = t.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const raised = Buffer.from(JSON.stringify({ ...claims, role: 'analyst' })).toString(
      'base64url',
    );
    assert.equal(verifyToken(`${raised}.${sig}`, SECRET, NOW).ok, false);
  });

  it('given another secret or a flipped signature character, when verified, then bad-signature', () => {
    const t = mintToken({ role: 'analyst', sub: 'alice', ttlSeconds: 60 }, SECRET, NOW);
    assert.deepEqual(verifyToken(t, 'another-secret-0123456789', NOW), {
      ok: false,
      reason: 'bad-signature',
    });
    const flipped = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1);
    assert.deepEqual(verifyToken(flipped, SECRET, NOW), { ok: false, reason: 'bad-signature' });
  });

  it('given a token at or past its exp, when verified, then expired', () => {
    const t = mintToken({ role: 'user', sub: 'u', ttlSeconds: 60 }, SECRET, NOW);
    assert.equal(verifyToken(t, SECRET, NOW + 59_999).ok, true);
    assert.deepEqual(verifyToken(t, SECRET, NOW + 60_000), { ok: false, reason: 'expired' });
  });

  it('given strings that are not tokens, when verified, then malformed', () => {
    for (const s of ['', 'abc', 'a.b.c', 'a b.c', 'x.', '.x', 'eyJ+.abc']) {
      assert.deepEqual(verifyToken(s, SECRET, NOW), { ok: false, reason: 'malformed' }, s);
    }
  });

  it('given correctly signed payloads with invalid claims, when verified, then malformed', () => {
    const exp = NOW / 1000 + 60;
    for (const payload of [
      [1, 2],
      { sub: 'u', role: 'admin', exp },
      { sub: 'u', role: 'user', exp, admin: true },
      { sub: '', role: 'user', exp },
      { sub: 'u', role: 'user', exp: 'never' },
      { sub: 'u', role: 'user', exp: 1.5 },
      { sub: 'l', role: 'label', exp },
      { sub: 'u', role: 'user', label_id: 'label-1', exp },
    ]) {
      assert.deepEqual(
        verifyToken(forge(payload), SECRET, NOW),
        { ok: false, reason: 'malformed' },
        JSON.stringify(payload),
      );
    }
  });

  it('given invalid claims, when signed, then it throws instead of minting', () => {
    assert.throws(() => signToken({ sub: 'a b', role: 'user', exp: 1 }, SECRET), /sub/);
  });
});

describe('requireToken middleware', () => {
  let base: string;
  let close: () => Promise<void>;
  before(async () => {
    const app = express();
    const seen = (_req: express.Request, res: express.Response) =>
      void res.json({ userId: res.locals.userId ?? null, analyst: res.locals.analyst ?? null });
    app.get('/me', requireToken({ secret: SECRET, now: () => NOW }, ['user']), seen);
    app.get('/sql', requireToken({ secret: SECRET, now: () => NOW }, ['analyst']), seen);
    const s = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${s.port}`;
    close = s.close;
  });
  after(() => close());
  const get = (path: string, token?: string) =>
    fetch(base + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const user = () => mintToken({ role: 'user', sub: 'user-7', ttlSeconds: 60 }, SECRET, NOW);

  it('given a user token, when calling a user route, then userId comes from the token', async () => {
    const res = await get('/me', user());
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { userId: 'user-7', analyst: null });
  });

  it('given no token, when calling, then 401 problem with WWW-Authenticate: Bearer', async () => {
    const res = await get('/me');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate')!, /^Bearer /);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await res.json()) as { code: string }).code, 'unauthorized');
  });

  it('given an expired or forged token, when calling, then 401 naming why', async () => {
    const expired = mintToken({ role: 'user', sub: 'u', ttlSeconds: 60 }, SECRET, NOW - 61_000);
    const r1 = await get('/me', expired);
    assert.equal(r1.status, 401);
    assert.equal(((await r1.json()) as { code: string }).code, 'token-expired');
    const forged = forge({ sub: 'user-7', role: 'user', exp: NOW / 1000 + 60 }, 'guessed-secret');
    const r2 = await get('/me', forged);
    assert.equal(r2.status, 401);
    assert.match(r2.headers.get('www-authenticate')!, /error="invalid_token"/);
    assert.equal(((await r2.json()) as { code: string }).code, 'invalid-token');
  });

  it('given a user token, when calling an analyst route, then 403', async () => {
    const res = await get('/sql', user());
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'forbidden');
  });
});
