import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Product } from './royalty-policy.js';
import { DEFAULT_POLICY } from './royalty-policy.js';
import type { SplitHolder, StatementInput, StreamAggregate } from './statement.compute.js';
import { computeStatement, contentHash } from './statement.compute.js';

const RUNS = { seed: 20261102, numRuns: 150 };
const HOLDERS = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'];

/** 1–4 distinct holders whose shares (0 allowed) sum to 10,000. */
const split = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc
    .tuple(
      fc.uniqueArray(fc.constantFrom(...HOLDERS), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: n - 1, maxLength: n - 1 }),
    )
    .map(([ids, cuts]) => {
      const edges = [0, ...cuts.sort((a, b) => a - b), 10_000];
      return ids.map((id, i): SplitHolder => ({
        rights_holder_id: id,
        name: `Name of ${id}`,
        share_bps: edges[i + 1]! - edges[i]!,
      }));
    }),
);
/** A track: 0 split versions = no valid upload (unmatched). */
const track = fc.record({
  label: fc.constantFrom('L1', 'L2'),
  versions: fc.array(split, { maxLength: 2 }),
  count12m: fc.nat(60),
});
const statementInput = fc
  .record({
    tracks: fc.array(track, { minLength: 1, maxLength: 6 }),
    rows: fc.array(
      fc.record({
        user: fc.nat(7),
        track: fc.nat(),
        version: fc.nat(),
        product: fc.constantFrom<Product>('FREE', 'PREMIUM'),
        streams: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 100_000 })),
      }),
      { maxLength: 40 },
    ),
    pool: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.bigInt({ min: 0n, max: 10n ** 20n })),
    premium: fc.nat(20),
    products: fc.subarray<Product>(['FREE', 'PREMIUM'], { minLength: 1 }),
    threshold: fc.option(fc.integer({ min: 1, max: 50 }), { freq: 3 }),
  })
  .map((g): StatementInput => {
    const streams = g.rows.map((r): StreamAggregate => {
      const t = g.tracks[r.track % g.tracks.length]!;
      const v = t.versions.length ? r.version % t.versions.length : -1;
      const tid = `t${r.track % g.tracks.length}`;
      return {
        user_id: `u${r.user}`,
        product: r.product,
        track_id: tid,
        isrc: `ISRC-${tid}`,
        label_id: v < 0 ? '' : t.label,
        split_version: v < 0 ? '' : `${tid}-v${v}`,
        holders: v < 0 ? [] : t.versions[v]!,
        streams: r.streams,
      };
    });
    return {
      pool: {
        report_id: 'r',
        market: 'SE',
        period: '2026-11',
        currency: 'EUR',
        minor_unit: 2,
        pool_minor: g.pool,
        premium_listeners: g.premium,
      },
      policy: { ...DEFAULT_POLICY, products: g.products, min_track_streams_12m: g.threshold },
      streams,
      trackStreams12m: new Map(g.tracks.map((t, i) => [`t${i}`, t.count12m])),
    };
  });
/** The input, and the same input with its rows and each row's holders in another order. */
const inputTwice = statementInput.chain((input) =>
  fc
    .tuple(
      fc.shuffledSubarray([...input.streams], {
        minLength: input.streams.length,
        maxLength: input.streams.length,
      }),
      fc.boolean(),
    )
    .map(([rows, flip]) => {
      const streams = rows.map((r) => ({
        ...r,
        holders: flip ? [...r.holders].reverse() : r.holders,
      }));
      return [input, { ...input, streams }] as const;
    }),
);

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const lineKey = (l: { label_id: string; rights_holder_id: string; track_id: string }): string =>
  JSON.stringify([l.label_id, l.rights_holder_id, l.track_id]);

describe('computeStatement: properties', () => {
  it('given any statement, then both columns sum to the pool, nothing is negative, streams add up', () => {
    fc.assert(
      fc.property(statementInput, (input) => {
        const { lines, totals, excluded } = computeStatement(input);
        const pool = BigInt(input.pool.pool_minor);
        assert.equal(
          lines.reduce((a, l) => a + l.streamshare_minor, 0n),
          pool,
        );
        assert.equal(
          lines.reduce((a, l) => a + l.user_centric_minor, 0n),
          pool,
        );
        assert.deepEqual([totals.streamshare_minor, totals.user_centric_minor], [pool, pool]);
        for (const l of lines) assert.ok(l.streamshare_minor >= 0n && l.user_centric_minor >= 0n);
        const all = input.streams.reduce((a, r) => a + r.streams, 0);
        assert.equal(totals.counted_streams + totals.excluded_streams, all);
        assert.equal(
          excluded.reduce((a, e) => a + e.streams, 0),
          totals.excluded_streams,
        );
        assert.equal(totals.divisor, Math.max(totals.listeners, input.pool.premium_listeners));
        const keys = lines.map(lineKey);
        assert.equal(new Set(keys).size, keys.length, 'one line per (label, holder, track)');
      }),
      RUNS,
    );
  });

  it('given the rows and holders in any order, then the same result and the same content hash', () => {
    fc.assert(
      fc.property(inputTwice, ([a, b]) => {
        assert.deepEqual(computeStatement(b), computeStatement(a));
        assert.equal(contentHash(b), contentHash(a));
      }),
      RUNS,
    );
  });

  it('given counted streams, then each streamshare line is within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(statementInput, (input) => {
        const { lines, totals } = computeStatement(input);
        const pool = BigInt(input.pool.pool_minor);
        if (totals.counted_streams === 0) {
          assert.deepEqual(
            lines.map((l) => l.rights_holder_id),
            ['UNALLOCATED'],
          );
          return;
        }
        const W = BigInt(totals.counted_streams) * 10_000n;
        assert.equal(
          lines.reduce((a, l) => a + l.weighted_streams_bps, 0n),
          W,
        );
        for (const l of lines)
          assert.ok(abs(l.streamshare_minor * W - pool * l.weighted_streams_bps) < W);
      }),
      RUNS,
    );
  });

  it('given counted streams, then each user-centric line is within 2 units per allocation of its exact share', () => {
    // Exact: pool/divisor × (Σ over listeners of w(listener, line)/W(listener) + silent × w(line)/W).
    // Each equal part is within 1 of exact and each split of a part adds less than 1 more.
    fc.assert(
      fc.property(statementInput, (input) => {
        const { lines, totals } = computeStatement(input);
        if (totals.counted_streams === 0) return;
        const counted = (r: StreamAggregate): boolean =>
          r.streams > 0 &&
          input.policy.products.includes(r.product) &&
          (input.policy.min_track_streams_12m === null ||
            input.trackStreams12m!.get(r.track_id)! >= input.policy.min_track_streams_12m);
        const perUser = new Map<string, Map<string, bigint>>();
        for (const r of input.streams.filter(counted)) {
          const own = perUser.get(r.user_id) ?? new Map<string, bigint>();
          perUser.set(r.user_id, own);
          const hs = r.holders.length
            ? r.holders
            : [{ rights_holder_id: 'UNMATCHED', share_bps: 10_000 }];
          for (const h of hs) {
            const k = lineKey({
              label_id: r.holders.length ? r.label_id : '',
              rights_holder_id: h.rights_holder_id,
              track_id: r.track_id,
            });
            own.set(k, (own.get(k) ?? 0n) + BigInt(r.streams * h.share_bps));
          }
        }
        const pool = BigInt(input.pool.pool_minor);
        const D = BigInt(totals.divisor);
        const W = BigInt(totals.counted_streams) * 10_000n;
        const silent = BigInt(totals.silent_listeners);
        for (const l of lines) {
          // exact = num / den, den = D × W × Π W(listener) kept small by summing term by term.
          let num = 0n;
          let den = 1n;
          let touching = silent > 0n ? 1 : 0;
          const add = (n: bigint, d: bigint): void => {
            num = num * d + n * den;
            den *= d;
          };
          for (const own of perUser.values()) {
            const w = own.get(lineKey(l)) ?? 0n;
            if (w === 0n) continue;
            touching += 1;
            add(pool * w, D * [...own.values()].reduce((a, b) => a + b, 0n));
          }
          if (silent > 0n) add(pool * silent * l.weighted_streams_bps, D * W);
          const bound = BigInt(2 * Math.max(touching, 1));
          assert.ok(
            abs(l.user_centric_minor * den - num) < bound * den,
            `${lineKey(l)}: ${l.user_centric_minor}`,
          );
        }
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('given list_zero_lines false, then the same lines less those at 0 in both models', () => {
    fc.assert(
      fc.property(statementInput, (input) => {
        const all = computeStatement(input).lines;
        const some = computeStatement({
          ...input,
          policy: { ...input.policy, list_zero_lines: false },
        }).lines;
        assert.deepEqual(
          some,
          all.filter((l) => l.streamshare_minor > 0n || l.user_centric_minor > 0n),
        );
      }),
      { ...RUNS, numRuns: 60 },
    );
  });
});
