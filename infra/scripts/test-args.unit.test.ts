import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTestArgs } from './test-args.js';

describe('test runner arguments', () => {
  it('given no arguments, then every tier in order', () => {
    assert.deepEqual(parseTestArgs([]), { ok: true, tiers: ['unit', 'int', 'fuzz', 'e2e'] });
  });
  it('given one tier and no filter, then that tier only (the first argument is not dropped)', () => {
    assert.deepEqual(parseTestArgs(['unit']), { ok: true, tiers: ['unit'] });
    assert.deepEqual(parseTestArgs(['e2e', 'unit']), { ok: true, tiers: ['unit', 'e2e'] });
  });
  it('given a filter before or after the tiers, then both apply', () => {
    const want = { ok: true, tiers: ['int'], filter: 'kafka' };
    assert.deepEqual(parseTestArgs(['int', '--filter', 'kafka']), want);
    assert.deepEqual(parseTestArgs(['--filter', 'kafka', 'int']), want);
    assert.deepEqual(parseTestArgs(['--filter', 'kafka']), {
      ok: true,
      tiers: ['unit', 'int', 'fuzz', 'e2e'],
      filter: 'kafka',
    });
  });
  it('given a bad tier or a filter without a value, then an error naming it', () => {
    assert.deepEqual(parseTestArgs(['units']), {
      ok: false,
      error: 'unknown tier units (use unit, int, fuzz, e2e)',
    });
    assert.deepEqual(parseTestArgs(['int', '--filter']), {
      ok: false,
      error: '--filter needs a value',
    });
  });
});
