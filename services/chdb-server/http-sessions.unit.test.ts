import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createLogger } from '../../common/logging/logger.js';
import { ErrorCode } from './clickhouse-protocol.js';
import { HttpSessions, type ExpiringSession } from './http-sessions.js';

const log = createLogger({ level: 'silent' }, 'http-sessions-test');

class FakeSession implements ExpiringSession {
  pending = 0;
  broken = false;
  closed = false;
  constructor(readonly readonly: boolean) {}
  idle(): Promise<unknown> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

function sessions(maxSessions = 64) {
  const opened: FakeSession[] = [];
  const http = new HttpSessions<FakeSession>(
    { maxSessions },
    {
      open: (readonly) => {
        const s = new FakeSession(readonly);
        opened.push(s);
        return s;
      },
      log,
    },
  );
  return { http, opened };
}

describe('HttpSessions', () => {
  it('given the same user and id twice, then both run on one session; another user gets its own', () => {
    const { http, opened } = sessions();
    const a = http.acquire({ user: 'u', sessionId: 's1', readonly: false });
    a.release();
    const b = http.acquire({ user: 'u', sessionId: 's1', readonly: false });
    const c = http.acquire({ user: 'other', sessionId: 's1', readonly: true });
    assert.equal(a.session, b.session);
    assert.notEqual(a.session, c.session);
    assert.equal(opened.length, 2);
    assert.equal(c.session.readonly, true);
    assert.equal(http.size, 2);
  });

  it('given a session_timeout outside 0..3600 s or not a number, then INVALID_SESSION_TIMEOUT', () => {
    const { http } = sessions();
    for (const timeoutS of [-1, 3601, Number.NaN, Infinity])
      assert.throws(() => http.acquire({ user: 'u', sessionId: 's', readonly: false, timeoutS }), {
        errorCode: ErrorCode.INVALID_SESSION_TIMEOUT,
      });
    assert.equal(http.size, 0);
  });

  it('given session_check=1 and no such session, then SESSION_NOT_FOUND and nothing opens', () => {
    const { http, opened } = sessions();
    assert.throws(
      () => http.acquire({ user: 'u', sessionId: 'nope', readonly: false, check: true }),
      { errorCode: ErrorCode.SESSION_NOT_FOUND },
    );
    assert.equal(opened.length, 0);
  });

  it('given the most sessions open, when one more is asked for, then TOO_MANY_SIMULTANEOUS_QUERIES', () => {
    const { http } = sessions(2);
    http.acquire({ user: 'u', sessionId: '1', readonly: false });
    http.acquire({ user: 'u', sessionId: '2', readonly: false });
    assert.throws(() => http.acquire({ user: 'u', sessionId: '3', readonly: false }), {
      errorCode: ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
    });
    // An open one is still reachable.
    assert.ok(http.acquire({ user: 'u', sessionId: '1', readonly: false }).session);
  });

  it('given a released session, when it stays idle past its timeout, then it is closed and forgotten', async () => {
    const { http, opened } = sessions();
    http.acquire({ user: 'u', sessionId: 's', readonly: false, timeoutS: 0.02 }).release();
    assert.equal(opened[0]!.closed, false);
    await sleep(80);
    assert.equal(opened[0]!.closed, true);
    assert.equal(http.size, 0);
    http.acquire({ user: 'u', sessionId: 's', readonly: false });
    assert.equal(opened.length, 2, 'the same id opens a new session');
  });

  it('given a session used again before its timeout, then its idle timer starts over', async () => {
    const { http, opened } = sessions();
    // Timeout 400 ms; the margins leave room for a busy machine.
    http.acquire({ user: 'u', sessionId: 's', readonly: false, timeoutS: 0.4 }).release();
    await sleep(150);
    const again = http.acquire({ user: 'u', sessionId: 's', readonly: false, timeoutS: 0.4 });
    await sleep(500);
    assert.equal(opened[0]!.closed, false, 'in use: no expiry');
    again.release();
    await sleep(150);
    assert.equal(opened[0]!.closed, false, 'released 150 ms ago, timeout 400 ms');
    await sleep(500);
    assert.equal(opened[0]!.closed, true);
    assert.equal(opened.length, 1);
  });

  it('given a session whose state broke, when it is released, then it is dropped at once', async () => {
    const { http, opened } = sessions();
    const lease = http.acquire({ user: 'u', sessionId: 's', readonly: false });
    opened[0]!.broken = true;
    lease.release();
    assert.equal(http.size, 0);
    await sleep(0);
    assert.equal(opened[0]!.closed, true);
  });

  it('given open sessions, when drained, then all are handed back and no timer fires later', async () => {
    const { http, opened } = sessions();
    http.acquire({ user: 'u', sessionId: 'a', readonly: false, timeoutS: 0.01 }).release();
    http.acquire({ user: 'u', sessionId: 'b', readonly: true });
    const drained = http.drain();
    assert.deepEqual(new Set(drained), new Set(opened));
    assert.equal(http.size, 0);
    await sleep(40);
    assert.equal(opened[0]!.closed, false, 'closing is left to the caller');
  });
});
