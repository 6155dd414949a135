import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../common/config/app.config.js';
import { createLogger } from '../common/logging/logger.js';
import { createAppContext } from './app-context.js';
import { StartupAbortedError } from './startup-wait.js';

const quiet = () => createLogger({ level: 'silent' as never }, 'test');

describe('app context', () => {
  it('given closers registered in order, when closed, then they run last first, once, and a failing one does not stop the rest', async () => {
    const ctx = createAppContext(loadConfig({}), { service: 'test', logger: quiet() });
    const ran: string[] = [];
    ctx.onClose(async () => void ran.push('redis'));
    ctx.onClose(async () => {
      ran.push('producer');
      throw new Error('close failed');
    });
    ctx.onClose(async () => void ran.push('server'));
    await ctx.close();
    await ctx.close();
    assert.deepEqual(ran, ['server', 'producer', 'redis']);
  });

  it('given a context, then its readiness starts with the start-up check, failing until started', async () => {
    const ctx = createAppContext(loadConfig({}), { service: 'test', logger: quiet() });
    assert.equal(ctx.readiness[0]!.name, 'startup');
    await assert.rejects(ctx.readiness[0]!.check(), /starting/);
    ctx.startup.started = true;
    await ctx.readiness[0]!.check();
  });

  it('given a dependency that never answers, when the context closes, then the wait ends with StartupAbortedError', async () => {
    const ctx = createAppContext(loadConfig({}), { service: 'test', logger: quiet() });
    let tries = 0;
    const waiting = ctx.waitFor('nothing', async () => {
      tries++;
      throw new Error('not there');
    });
    await new Promise((r) => setTimeout(r, 50));
    await ctx.close();
    await assert.rejects(waiting, StartupAbortedError);
    assert.ok(tries >= 1);
  });
});
