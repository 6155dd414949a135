import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.js';

describe('backoff with full jitter', () => {
  const opts = { initialMs: 100, maxMs: 5000 };
  it('given the top of the jitter range, then the delay doubles per attempt up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 40].map((a) => backoffDelay(a, opts, () => 1)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000],
    );
  });
  it('given any random value, then the delay stays within [0, cap]', () => {
    for (let a = 0; a < 20; a++)
      for (const r of [0, 0.3, 0.999]) {
        const d = backoffDelay(a, opts, () => r);
        assert.ok(d >= 0 && d <= Math.min(5000, 100 * 2 ** a), `${a} ${r} ${d}`);
      }
  });
});
