import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InternalError } from '../../common/errors/backbeat.error.js';
import type { StatementInput, StreamAggregate } from './statement.compute.js';
import { computeStatement, toJsonLine, toJsonStatement } from './statement.compute.js';
import { AB, C, holder, row, statement } from '../../test/helpers/royalty-statement.helper.js';

/** holder/track → [streamshare, user-centric] as numbers, for short assertions. */
const amounts = (input: StatementInput): Record<string, [number, number]> =>
  Object.fromEntries(
    computeStatement(input).lines.map((l) => [
      `${l.rights_holder_id}/${l.track_id}`,
      [Number(l.streamshare_minor), Number(l.user_centric_minor)],
    ]),
  );

describe('computeStatement: the worked example (README)', () => {
  // Pool 1000, premium_listeners 3. T1 split A 60 % / B 40 %, T2 100 % C. u1 streams T1 ×3;
  // u2 streams T1 ×1 and T2 ×1. Hand computation (also in statement.compute.ts):
  //   Streamshare over 5 streams: A 1000×3/5 = 480... exactly A 480, B 320, C 200.
  //   User-centric, divisor 3 (2 listeners + 1 silent): parts u1 334, u2 333, silent 333
  //   (1000 = 3×333 + 1; the tie goes to the smallest key, listener:u1).
  //     u1 334 over A 18,000 / B 12,000:           A 200 (200.4),  B 134 (133.6)
  //     u2 333 over A 6,000 / B 4,000 / C 10,000:  A 100 (99.9),   B 67 (66.6),  C 166 (166.5)
  //     silent 333 over A 24,000 / B 16,000 / C 10,000: A 160 (159.84), B 106 (106.56), C 67 (66.6)
  //   User-centric totals: A 460, B 307, C 233 (sum 1000).
  const input = statement([row('u1', 'T1', AB, 3), row('u2', 'T1', AB, 1), row('u2', 'T2', C, 1)], {
    premium_listeners: 3,
  });

  it('given the example, then both models match the hand computation to the minor unit', () => {
    assert.deepEqual(amounts(input), {
      'A/T1': [480, 460],
      'B/T1': [320, 307],
      'C/T2': [200, 233],
    });
  });

  it('given the example, then lines carry streams, weights and names, sorted by holder', () => {
    const { lines, totals, excluded } = computeStatement(input);
    assert.deepEqual(toJsonLine(lines[0]!), {
      label_id: 'label-1',
      rights_holder_id: 'A',
      rights_holder_name: 'Holder A',
      track_id: 'T1',
      isrc: 'SE-XT1',
      streams: 4,
      weighted_streams_bps: '24000',
      streamshare_minor: '480',
      user_centric_minor: '460',
    });
    assert.deepEqual(
      lines.map((l) => [l.rights_holder_id, l.streams, l.weighted_streams_bps]),
      [
        ['A', 4, 24_000n],
        ['B', 4, 16_000n],
        ['C', 1, 10_000n],
      ],
    );
    assert.deepEqual(totals, {
      pool_minor: 1000n,
      streamshare_minor: 1000n,
      user_centric_minor: 1000n,
      counted_streams: 5,
      excluded_streams: 0,
      listeners: 2,
      silent_listeners: 1,
      divisor: 3,
    });
    assert.deepEqual(excluded, []);
    const json = JSON.parse(JSON.stringify(toJsonStatement(computeStatement(input))));
    assert.equal(json.totals.pool_minor, '1000');
  });
});

describe('computeStatement: listeners', () => {
  it('given 2 listeners and 4 premium subscribers, then the 2 silent parts follow all streams', () => {
    // divisor 4 → 250 each. u1 (A ×1) 250 to A; u2 (B ×9) 250 to B; silent 500 → A 50, B 450.
    const input = statement(
      [row('u1', 'TA', [holder('A', 10_000)], 1), row('u2', 'TB', [holder('B', 10_000)], 9)],
      {
        premium_listeners: 4,
      },
    );
    assert.deepEqual(amounts(input), { 'A/TA': [100, 300], 'B/TB': [900, 700] });
    const { totals } = computeStatement(input);
    assert.deepEqual([totals.listeners, totals.silent_listeners, totals.divisor], [2, 2, 4]);
  });

  it('given more listeners than premium subscribers (free users), then the divisor is the listeners', () => {
    const input = statement([row('u1', 'TA', C, 1), row('u2', 'TA', C, 1, { product: 'FREE' })], {
      premium_listeners: 1,
    });
    const { totals } = computeStatement(input);
    assert.deepEqual([totals.listeners, totals.silent_listeners, totals.divisor], [2, 0, 2]);
    assert.deepEqual(amounts(input), { 'C/TA': [1000, 1000] });
  });
});

describe('computeStatement: suspense lines', () => {
  it('given a track with no valid upload, then its streams count and its money goes to UNMATCHED', () => {
    const input = statement([row('u1', 'T1', C, 1), row('u1', 'T9', [], 3)], { pool_minor: 400 });
    assert.deepEqual(amounts(input), { 'C/T1': [100, 100], 'UNMATCHED/T9': [300, 300] });
    const line = computeStatement(input).lines.find((l) => l.rights_holder_id === 'UNMATCHED')!;
    assert.deepEqual([line.label_id, line.streams, line.weighted_streams_bps], ['', 3, 30_000n]);
    assert.equal(computeStatement(input).totals.counted_streams, 4);
  });

  it('given a pool with no streams, then one UNALLOCATED line holds the pool in both models', () => {
    const { lines, totals } = computeStatement(
      statement([], { pool_minor: 12_345, premium_listeners: 7 }),
    );
    assert.deepEqual(lines.map(toJsonLine), [
      {
        label_id: '',
        rights_holder_id: 'UNALLOCATED',
        rights_holder_name: 'Unallocated: no counted streams',
        track_id: '',
        isrc: '',
        streams: 0,
        weighted_streams_bps: '0',
        streamshare_minor: '12345',
        user_centric_minor: '12345',
      },
    ]);
    assert.deepEqual(
      [totals.counted_streams, totals.listeners, totals.silent_listeners, totals.divisor],
      [0, 0, 7, 7],
    );
  });

  it('given only excluded streams, then the pool is UNALLOCATED and the streams are listed', () => {
    const input = statement(
      [row('u1', 'T1', C, 5, { product: 'FREE' })],
      {},
      { products: ['PREMIUM'] },
    );
    const { lines, excluded } = computeStatement(input);
    assert.deepEqual(
      lines.map((l) => [l.rights_holder_id, l.streamshare_minor]),
      [['UNALLOCATED', 1000n]],
    );
    assert.deepEqual(excluded, [
      {
        track_id: 'T1',
        label_id: 'label-1',
        isrc: 'SE-XT1',
        streams: 5,
        reason: 'PRODUCT_NOT_COUNTED',
      },
    ]);
  });
});

describe('computeStatement: policy', () => {
  it('given FREE excluded by the policy, then free streams leave both models and free-only users are not listeners', () => {
    const input = statement(
      [
        row('u1', 'T1', C, 1),
        row('u2', 'T2', [holder('D', 10_000)], 3, { product: 'FREE' }),
        row('u1', 'T2', [holder('D', 10_000)], 1, { product: 'FREE' }),
      ],
      {},
      { products: ['PREMIUM'] },
    );
    assert.deepEqual(amounts(input), { 'C/T1': [1000, 1000] });
    const { totals, excluded } = computeStatement(input);
    assert.deepEqual(
      [totals.counted_streams, totals.excluded_streams, totals.listeners],
      [1, 4, 1],
    );
    assert.deepEqual(
      excluded.map((e) => [e.track_id, e.streams, e.reason]),
      [['T2', 4, 'PRODUCT_NOT_COUNTED']],
    );
  });

  it('given a threshold of 1000, then a track with 999 streams in 12 months leaves the denominator', () => {
    const counts = new Map([
      ['T1', 1000],
      ['T2', 999],
    ]);
    const input = statement(
      [row('u1', 'T1', C, 1), row('u2', 'T2', AB, 9)],
      {},
      { min_track_streams_12m: 1000 },
      counts,
    );
    assert.deepEqual(amounts(input), { 'C/T1': [1000, 1000] });
    const { totals, excluded } = computeStatement(input);
    assert.deepEqual(
      [totals.counted_streams, totals.excluded_streams, totals.listeners],
      [1, 9, 1],
    );
    assert.deepEqual(excluded, [
      {
        track_id: 'T2',
        label_id: 'label-1',
        isrc: 'SE-XT2',
        streams: 9,
        reason: 'BELOW_THRESHOLD',
      },
    ]);
    // Off (null, the default): the same rows all count, and the counts are not needed.
    assert.deepEqual(amounts(statement([row('u1', 'T1', C, 1), row('u2', 'T2', AB, 9)])), {
      'A/T2': [540, 300],
      'B/T2': [360, 200],
      'C/T1': [100, 500],
    });
  });

  it('given the threshold on but no 12-month count for a streamed track, then InternalError', () => {
    const rows = [row('u1', 'T1', C, 1)];
    assert.throws(
      () => computeStatement(statement(rows, {}, { min_track_streams_12m: 10 })),
      InternalError,
    );
    assert.throws(
      () => computeStatement(statement(rows, {}, { min_track_streams_12m: 10 }, new Map())),
      /no 12-month count/,
    );
  });

  it('given list_zero_lines false, then lines at 0 in both models are left out', () => {
    // 1 minor unit over A 50 % / B 50 %: equal remainders and weights, so A (smaller key) gets it.
    const rows = [row('u1', 'T1', [holder('A', 5000), holder('B', 5000)], 1)];
    assert.deepEqual(amounts(statement(rows, { pool_minor: 1 })), {
      'A/T1': [1, 1],
      'B/T1': [0, 0],
    });
    assert.deepEqual(amounts(statement(rows, { pool_minor: 1 }, { list_zero_lines: false })), {
      'A/T1': [1, 1],
    });
  });
});

describe('computeStatement: split versions', () => {
  it('given a split change mid-period, then one line per holder aggregates both versions', () => {
    // v1: A 50 % / B 50 % for 2 streams; v2: A 100 % (renamed) for 2 streams. Weights A 30,000,
    // B 10,000 of 40,000 → A 300, B 100 of 400.
    const v1 = [holder('A', 5000), holder('B', 5000)];
    const v2 = [{ ...holder('A', 10_000), name: 'Holder A (renamed)' }];
    const input = statement(
      [
        row('u1', 'T1', v1, 2, { split_version: 'up-1' }),
        row('u1', 'T1', v2, 2, { split_version: 'up-2' }),
      ],
      { pool_minor: 400 },
    );
    const { lines } = computeStatement(input);
    assert.deepEqual(
      lines.map((l) => [
        l.rights_holder_id,
        l.rights_holder_name,
        l.streams,
        l.weighted_streams_bps,
        l.streamshare_minor,
        l.user_centric_minor,
      ]),
      [
        ['A', 'Holder A (renamed)', 4, 30_000n, 300n, 300n],
        ['B', 'Holder B', 2, 10_000n, 100n, 100n],
      ],
    );
  });
});

describe('computeStatement: exactness and checks', () => {
  it('given a pool beyond 2^53 as a bigint, then exact amounts that sum to it', () => {
    const pool_minor = 10n ** 20n + 1n;
    const { lines, totals } = computeStatement(statement([row('u1', 'T1', AB, 1)], { pool_minor }));
    assert.deepEqual(
      lines.map((l) => l.streamshare_minor),
      [6n * 10n ** 19n + 1n, 4n * 10n ** 19n],
    );
    assert.equal(totals.user_centric_minor, pool_minor);
  });

  it('given invalid input, then InternalError names the problem', () => {
    const bad: [Partial<StreamAggregate>, RegExp][] = [
      [{ holders: [holder('A', 9999)] }, /sum to 9999 bps/],
      [{ holders: [holder('UNMATCHED', 10_000)] }, /names rights holder "UNMATCHED"/],
      [{ streams: -1 }, /streams must be a non-negative safe integer/],
      [{ streams: 1.5 }, /streams/],
      [{ product: 'TRIAL' as 'FREE' }, /product "TRIAL"/],
    ];
    for (const [patch, re] of bad) {
      assert.throws(() => computeStatement(statement([row('u1', 'T1', C, 1, patch)])), re);
    }
    assert.throws(
      () => computeStatement(statement([], { pool_minor: 2 ** 53 })),
      /not a safe integer/,
    );
    assert.throws(() => computeStatement(statement([], { pool_minor: -1 })), /negative pool_minor/);
  });
});
