import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUuid, uuidv7, uuidv7Time } from './uuidv7.js';

describe('uuidv7', () => {
  it('carries version 7, the RFC variant and its millisecond timestamp', () => {
    const t = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
    const id = uuidv7(t);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(uuidv7Time(id), t);
    assert.ok(isUuid(id));
  });

  it('sorts lexicographically in time order and does not repeat', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      uuidv7(1_700_000_000_000 + Math.floor(i / 10)),
    );
    assert.equal(new Set(ids).size, ids.length);
    const times = [...ids].sort().map(uuidv7Time);
    assert.ok(
      times.every((t, i) => i === 0 || t >= times[i - 1]!),
      'string order is time order',
    );
  });

  it('is deterministic for an injected random source', () => {
    const zeros = (b: Uint8Array) => b.fill(0);
    assert.equal(uuidv7(0, zeros), '00000000-0000-7000-8000-000000000000');
    assert.equal(uuidv7(1, zeros), uuidv7(1, zeros));
  });

  it('isUuid refuses what is not a UUID', () => {
    for (const bad of [
      '',
      'x',
      '00000000-0000-0000-0000-000000000000',
      42,
      null,
      '0190a0b0-0000-7000-c000-00000000000g',
    ])
      assert.equal(isUuid(bad), false, String(bad));
  });
});
