import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InternalError } from '../../common/errors/backbeat.error.js';
import type { AllocationItem } from './allocation.js';
import { allocateLargestRemainder, compareCodeUnits, totalWeight } from './allocation.js';

const RUNS = { seed: 20261101, numRuns: 300 };

const items = fc
  .uniqueArray(
    fc.record({
      key: fc.string({ maxLength: 6 }),
      weight: fc.oneof(
        fc.constant(0n),
        fc.bigInt({ min: 1n, max: 10n }),
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
      ),
    }),
    { selector: (i) => i.key, minLength: 1, maxLength: 25 },
  )
  .filter((xs) => totalWeight(xs) > 0n);
const totals = fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.bigInt({ min: 0n, max: 10n ** 22n }));
/** Items and the same items in another order. */
const itemsTwice = items.chain((xs) =>
  fc.tuple(
    fc.constant(xs),
    fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }),
  ),
);

const sum = (m: Map<string, bigint>): bigint => [...m.values()].reduce((a, b) => a + b, 0n);

describe('allocateLargestRemainder: properties', () => {
  it('given any total and weights, then the amounts sum to the total exactly', () => {
    fc.assert(
      fc.property(totals, items, (total, xs) => sum(allocateLargestRemainder(total, xs)) === total),
      RUNS,
    );
  });

  it('given the same items in any order, then the same amounts in the same (key) order', () => {
    fc.assert(
      fc.property(totals, itemsTwice, (total, [xs, shuffled]) => {
        const a = [...allocateLargestRemainder(total, xs)];
        const b = [...allocateLargestRemainder(total, shuffled)];
        assert.deepEqual(b, a);
        const keys = a.map(([k]) => k);
        assert.deepEqual(keys, [...keys].sort(compareCodeUnits));
      }),
      RUNS,
    );
  });

  it('given any items, then nothing is negative, a zero weight gets 0, each within one unit of exact', () => {
    fc.assert(
      fc.property(totals, items, (total, xs) => {
        const W = totalWeight(xs);
        const out = allocateLargestRemainder(total, xs);
        assert.equal(out.size, xs.length);
        for (const { key, weight } of xs) {
          const amount = out.get(key)!;
          assert.ok(amount >= 0n, `${key}: ${amount}`);
          if (weight === 0n) assert.equal(amount, 0n);
          const diff = amount * W - total * weight;
          assert.ok((diff < 0n ? -diff : diff) < W, `${key}: ${amount} vs ${total}×${weight}/${W}`);
        }
      }),
      RUNS,
    );
  });
});

describe('allocateLargestRemainder: examples and tie-break', () => {
  const run = (total: bigint, xs: AllocationItem[]): Record<string, bigint> =>
    Object.fromEntries(allocateLargestRemainder(total, xs));

  it('given 100 over weights 1, 1, 1, then 34, 33, 33 with the unit to the smallest key', () => {
    const xs = [
      { key: 'c', weight: 1n },
      { key: 'a', weight: 1n },
      { key: 'b', weight: 1n },
    ];
    assert.deepEqual(run(100n, xs), { a: 34n, b: 33n, c: 33n });
  });

  it('given equal remainders, then the larger weight wins before the key', () => {
    // 3 over weights 1 and 3 (W 4): exact 0.75 and 2.25 → floors 0, 2; remainders 3 and 1 (of 4).
    assert.deepEqual(
      run(3n, [
        { key: 'a', weight: 1n },
        { key: 'b', weight: 3n },
      ]),
      { a: 1n, b: 2n },
    );
    // 2 over weights 1 (key a), 3 (key z), 4 (key m), W 8: exact 0.25, 0.75, 1 → remainders
    // 2, 6, 0 (of 8): the unit left goes to z.
    const xs = [
      { key: 'a', weight: 1n },
      { key: 'z', weight: 3n },
      { key: 'm', weight: 4n },
    ];
    assert.deepEqual(run(2n, xs), { a: 0n, m: 1n, z: 1n });
    // 1 over weights 1, 2, 2, 1 (W 6): remainders 1, 2, 2, 1 → the tie at 2 (weights equal) goes
    // to the smaller key of the two, 'b'.
    const ys = [
      { key: 'd', weight: 1n },
      { key: 'c', weight: 2n },
      { key: 'b', weight: 2n },
      { key: 'a', weight: 1n },
    ];
    assert.deepEqual(run(1n, ys), { a: 0n, b: 1n, c: 0n, d: 0n });
  });

  it('given keys that differ in case and beyond the BMP, then code unit order decides (not locale)', () => {
    const xs = ['a', 'B', '\u{1F600}', '\uFFFF'].map((key) => ({ key, weight: 1n }));
    assert.deepEqual(
      [...allocateLargestRemainder(2n, xs)],
      [
        ['B', 1n],
        ['a', 1n],
        ['\u{1F600}', 0n],
        ['\uFFFF', 0n],
      ],
    );
  });

  it('given a total larger than 2^53 and weights whose products overflow a double, then exact', () => {
    const total = 10n ** 21n + 7n;
    const xs = [
      { key: 'a', weight: 10n ** 17n },
      { key: 'b', weight: 2n * 10n ** 17n },
    ];
    const out = allocateLargestRemainder(total, xs);
    assert.equal(out.get('a')! + out.get('b')!, total);
    assert.deepEqual(Object.fromEntries(out), {
      a: 333333333333333333336n,
      b: 666666666666666666671n,
    });
  });

  it('given all weights 0 (or no items), then a total of 0 gives zeros and any other total throws', () => {
    assert.deepEqual(run(0n, [{ key: 'a', weight: 0n }]), { a: 0n });
    assert.deepEqual(run(0n, []), {});
    assert.throws(() => run(5n, [{ key: 'a', weight: 0n }]), InternalError);
    assert.throws(() => run(1n, []), /every weight is 0/);
  });

  it('given a duplicate key, a negative weight or a negative total, then InternalError', () => {
    const dup = [
      { key: 'a', weight: 1n },
      { key: 'a', weight: 2n },
    ];
    assert.throws(
      () => run(1n, dup),
      (e) => e instanceof InternalError && /duplicate/.test(e.message),
    );
    assert.throws(() => run(1n, [{ key: 'a', weight: -1n }]), /negative weight/);
    assert.throws(() => run(-1n, [{ key: 'a', weight: 1n }]), /negative total/);
  });
});
