import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator, type ChdbUser } from './chdb-auth.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

const users: ChdbUser[] = [
  { name: 'backbeat', password: 'pw', access: 'write' },
  { name: 'analyst', password: 'apw', access: 'read' },
  { name: 'default', password: '', access: 'write' },
];

function request(headers: Record<string, string> = {}, query = '') {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return [(n: string) => lower.get(n), new URLSearchParams(query)] as const;
}

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

function refused(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ClickHouseServerError);
    assert.equal(err.errorCode, ErrorCode.AUTHENTICATION_FAILED);
    assert.equal(err.httpStatus, 403);
    return true;
  }
  return false;
}

describe('createAuthenticator', () => {
  it('given the right password by header, basic auth or URL parameters, then that user', () => {
    const auth = createAuthenticator(users);
    assert.equal(
      auth(...request({ 'X-ClickHouse-User': 'backbeat', 'X-ClickHouse-Key': 'pw' })).name,
      'backbeat',
    );
    assert.equal(auth(...request({ Authorization: basic('analyst:apw') })).access, 'read');
    assert.equal(auth(...request({}, 'user=backbeat&password=pw')).name, 'backbeat');
  });

  it('given no credentials, then the default user with an empty password', () => {
    assert.equal(createAuthenticator(users)(...request()).name, 'default');
  });

  it('given a wrong password or an unknown user, then AUTHENTICATION_FAILED and the failure is counted', () => {
    let failures = 0;
    const auth = createAuthenticator(users, { onFailure: () => failures++ });
    assert.ok(refused(() => auth(...request({ Authorization: basic('backbeat:nope') }))));
    assert.ok(refused(() => auth(...request({}, 'user=nobody&password=pw'))));
    assert.ok(refused(() => auth(...request({ Authorization: basic('backbeat') }))));
    assert.equal(failures, 3);
  });

  it('given credentials two ways at once, then refused', () => {
    const auth = createAuthenticator(users);
    assert.ok(
      refused(() =>
        auth(...request({ Authorization: basic('backbeat:pw') }, 'user=backbeat&password=pw')),
      ),
    );
  });

  it("given a password with ':' in it by basic auth, then only the first ':' separates", () => {
    const auth = createAuthenticator([{ name: 'u', password: 'a:b', access: 'write' }]);
    assert.equal(auth(...request({ Authorization: basic('u:a:b') })).name, 'u');
  });
});
