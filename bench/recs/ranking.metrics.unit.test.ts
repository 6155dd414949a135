import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hitRateAt, meanMetrics, ndcgAt } from './ranking.metrics.js';

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

describe('hitRateAt', () => {
  it('is 1 iff a relevant item is among the first k', () => {
    const r = new Set(['x']);
    assert.equal(hitRateAt(['a', 'b', 'x'], r, 3), 1);
    assert.equal(hitRateAt(['a', 'b', 'x'], r, 2), 0);
    assert.equal(hitRateAt(['x'], r, 10), 1);
    assert.equal(hitRateAt([], r, 10), 0);
  });

  it('refuses a list with an item twice, an empty relevant set and k < 1', () => {
    assert.throws(() => hitRateAt(['a', 'a'], new Set(['a']), 2), /twice/);
    assert.throws(() => hitRateAt(['a'], new Set(), 2), /no relevant/);
    assert.throws(() => hitRateAt(['a'], new Set(['a']), 0), /k 0/);
  });
});

describe('ndcgAt (binary relevance, discount 1/log2(rank+1))', () => {
  it('matches hand-computed values', () => {
    // One relevant item at rank 3: DCG = 1/log2(4) = 0.5; IDCG = 1.
    near(ndcgAt(['a', 'b', 'x', 'c'], new Set(['x']), 10), 0.5);
    // Relevant at ranks 1 and 3 of two: DCG = 1 + 0.5; IDCG = 1 + 1/log2(3).
    near(ndcgAt(['x', 'b', 'y'], new Set(['x', 'y']), 10), 1.5 / (1 + 1 / Math.log2(3)));
    // Relevant at rank 2 only, three relevant: DCG = 1/log2(3); IDCG = 1 + 1/log2(3) + 0.5.
    near(
      ndcgAt(['a', 'y', 'b'], new Set(['x', 'y', 'z']), 10),
      1 / Math.log2(3) / (1 + 1 / Math.log2(3) + 0.5),
    );
    // The ideal list is cut at k: 3 relevant, k = 2, both top slots relevant → 1.
    near(ndcgAt(['x', 'y', 'a'], new Set(['x', 'y', 'z']), 2), 1);
    // A relevant item past k counts nothing.
    near(ndcgAt(['a', 'b', 'x'], new Set(['x']), 2), 0);
    near(ndcgAt([], new Set(['x']), 10), 0);
  });

  it('lies in [0, 1], is 0 iff the hit rate is 0, and is 1 for an ideal list', () => {
    const item = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    fc.assert(
      fc.property(
        fc.uniqueArray(item, { maxLength: 8 }),
        fc.uniqueArray(item, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        (list, rel, k) => {
          const r = new Set(rel);
          const n = ndcgAt(list, r, k);
          assert.ok(n >= 0 && n <= 1 + 1e-12);
          assert.equal(n === 0, hitRateAt(list, r, k) === 0);
          near(ndcgAt([...rel, ...list.filter((x) => !r.has(x))], r, k), 1);
        },
      ),
    );
  });
});

describe('meanMetrics', () => {
  it('averages over every listener with a relevant set; no list counts as a miss', () => {
    const relevant = new Map([
      ['u1', new Set(['x'])], // hit at rank 1: 1, 1
      ['u2', new Set(['y'])], // hit at rank 3: 1, 0.5
      ['u3', new Set(['z'])], // no list: 0, 0
    ]);
    const lists = new Map([
      ['u1', ['x', 'a']],
      ['u2', ['a', 'b', 'y']],
      ['u9', ['z']], // not evaluated
    ]);
    const m = meanMetrics(lists, relevant, 10);
    assert.equal(m.listeners, 3);
    near(m.hitRate, 2 / 3);
    near(m.ndcg, 1.5 / 3);
  });

  it('refuses an evaluation with no listener', () => {
    assert.throws(() => meanMetrics(new Map(), new Map(), 10), /no listener/);
  });
});
