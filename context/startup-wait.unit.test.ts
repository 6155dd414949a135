import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../common/logging/logger.js';
import {
  createStartupState,
  StartupAbortedError,
  startupReadiness,
  waitForDependency,
} from './startup-wait.js';

function recordingLogger() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = {
    warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }),
  } as unknown as Logger;
  return { logger, lines };
}

describe('waitForDependency', () => {
  it('retries a failing dependency with backoff, logs each retry, shows it in readiness, then returns', async () => {
    const { logger, lines } = recordingLogger();
    const state = createStartupState();
    const readiness = startupReadiness(state);
    const slept: number[] = [];
    let calls = 0;
    const value = await waitForDependency(
      'kafka',
      async () => {
        if (++calls < 4) throw new Error('connect ECONNREFUSED');
        return 'up';
      },
      {
        logger,
        state,
        retry: { initialMs: 500, maxMs: 4000 },
        sleep: async (ms) => {
          slept.push(ms);
          await assert.rejects(readiness.check(), /waiting for kafka: connect ECONNREFUSED/);
        },
      },
    );
    assert.equal(value, 'up');
    assert.equal(calls, 4);
    assert.equal(slept.length, 3);
    for (const ms of slept) assert.ok(ms >= 500 && ms <= 4000, String(ms));
    const retries = lines.filter((l) => l.obj.retry_in_ms !== undefined);
    assert.equal(retries.length, 3);
    assert.match(retries[0]!.msg, /waiting for kafka: connect ECONNREFUSED; next retry in \d+ ms/);
    assert.equal(retries[0]!.obj.dependency, 'kafka');
    assert.equal(state.waitingFor, undefined);
    await assert.rejects(readiness.check(), /starting/); // not started until the caller says so
    state.started = true;
    await readiness.check();
  });

  it('bounds one attempt (a store that accepts and never answers) and stops waiting once stopping', async () => {
    const { logger } = recordingLogger();
    const state = createStartupState();
    await assert.rejects(
      waitForDependency('redis', () => new Promise<never>(() => undefined), {
        logger,
        state,
        retry: { initialMs: 1, maxMs: 1 },
        attemptTimeoutMs: 20,
        sleep: async () => {
          assert.match(state.lastError ?? '', /no answer within 20 ms/);
          state.stopping = true;
        },
      }),
      StartupAbortedError,
    );
  });
});
