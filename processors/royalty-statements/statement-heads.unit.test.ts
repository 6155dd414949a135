/**
 * The close's closed forms against the reference's own computation: the user-centric parts of
 * the pool (userCentricHeads) equal the largest-remainder split over every listener and the
 * silent bucket; the SQL's arithmetic type holds pool × total weight.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allocateLargestRemainder } from './allocation.js';
import { userCentricHeads } from './statement.compute.js';
import { hexOf } from './statement.hash.js';
import { arithmeticType, dropWorkSql, workTables } from './statement.sql.js';

describe('userCentricHeads', () => {
  it('equals allocateLargestRemainder over listeners (weight 1, by user id) and the silent bucket', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (pool, listeners, silent) => {
          const users = Array.from(
            { length: listeners },
            (_, i) => `u${String(i).padStart(3, '0')}`,
          );
          const ref = allocateLargestRemainder(pool, [
            ...users.map((u) => ({ key: `listener:${hexOf(u)}`, weight: 1n })),
            { key: 'silent', weight: BigInt(silent) },
          ]);
          const h = userCentricHeads(pool, listeners, silent);
          users.forEach((u, i) =>
            assert.equal(h.each + (i < h.bonus ? 1n : 0n), ref.get(`listener:${hexOf(u)}`)),
          );
          assert.equal(h.silentPart, ref.get('silent'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('given 1000 over 2 listeners and 1 silent, then 334, 333 and 333 (the README example)', () => {
    assert.deepEqual(userCentricHeads(1000n, 2, 1), { each: 333n, bonus: 1, silentPart: 333n });
  });

  it('given no listeners, then it refuses (the close books the pool as UNALLOCATED first)', () => {
    assert.throws(() => userCentricHeads(10n, 0, 3), /no listeners/);
  });
});

describe('arithmeticType', () => {
  it('given pool × total weight below 2^63, 2^127 or above, then Int64, Int128 or Int256', () => {
    assert.equal(arithmeticType(2n ** 31n, 2n ** 31n), 'Int64');
    assert.equal(arithmeticType(2n ** 62n, 2n), 'Int128');
    assert.equal(arithmeticType(2n ** 63n - 1n, 2n ** 63n), 'Int128');
    assert.equal(arithmeticType(2n ** 63n, 2n ** 64n), 'Int256');
    assert.equal(arithmeticType(5n, 0n), 'Int64');
  });
});

describe('work tables', () => {
  it('are named per period and market and dropped in one statement', () => {
    const t = workTables('2026-11', 'SE');
    assert.equal(t.w, '_royalty_close_2026_11_SE_w');
    assert.equal(
      dropWorkSql(t),
      'DROP TABLE IF EXISTS _royalty_close_2026_11_SE_w, _royalty_close_2026_11_SE_u, _royalty_close_2026_11_SE_t, _royalty_close_2026_11_SE_l, _royalty_close_2026_11_SE_s',
    );
  });
});
