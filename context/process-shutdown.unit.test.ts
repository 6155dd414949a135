import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/logging/logger.js';
import { installShutdown } from './process-shutdown.js';

const logger = { warn: () => undefined, error: () => undefined } as unknown as Logger;

it('given a stop that never ends, then SIGTERM exits at the deadline, and a second signal at once', async () => {
  const exits: number[] = [];
  let stopped = 0;
  installShutdown({
    logger,
    deadlineMs: 100,
    stop: () => (stopped++, new Promise<void>(() => undefined)), // a store that never answers
    exit: (code) => void exits.push(code),
  });
  process.emit('SIGTERM', 'SIGTERM');
  await sleep(20);
  assert.equal(stopped, 1);
  assert.deepEqual(exits, []);
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(exits, [130], 'a second signal exits at once');
  await sleep(150);
  assert.deepEqual(exits, [130, 1], 'the deadline exits whatever stop does');
  assert.equal(stopped, 1, 'stop runs once');
});
