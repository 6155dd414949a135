/**
 * The close's SQL (statement.sql.ts, run by withCloseWork) against the pure reference
 * (statement.compute.ts, the spec) on the real chDB server: for random ledgers (ids in and out
 * of the Basic Multilingual Plane, several uploads per track, tracks with none, both products,
 * every policy switch), both give the same lines, amounts, totals, exclusions and content hash.
 * The reference reads the same ledger rows (the view grouped per user, product, track and split
 * version), so what is compared is the computation, not the ledger's split rule (tested in
 * royalty-ledger.int.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  NOV,
  ledgerPlay,
  ledgerReport,
  ledgerUpload,
  openLedgerDatabase,
  type LedgerDatabase,
  type LedgerEvent,
} from '../../test/helpers/royalty-ledger.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { withCloseWork } from './statement-clickhouse.compute.js';
import { computeStatement, contentHash } from './statement.compute.js';
import { DEFAULT_POLICY, type RoyaltyPolicy } from './royalty-policy.js';
import type { StatementInput, StreamAggregate } from './statement.types.js';

// Ids whose UTF-16 and UTF-8 orders differ (U+E000 vs U+1F600), prefixes of each other, non-ASCII.
const ID_PARTS = ['a', 'b', 'ab', 'é', '\uE000', '\u{1F600}', 'Z', '-'];
const idArb = fc.array(fc.constantFrom(...ID_PARTS), { minLength: 1, maxLength: 3 });

const scenarioArb = fc.record({
  tracks: fc.uniqueArray(
    idArb.map((p) => p.join('')),
    { minLength: 1, maxLength: 5 },
  ),
  holders: fc.uniqueArray(
    idArb.map((p) => p.join('')),
    { minLength: 1, maxLength: 4 },
  ),
  users: fc.uniqueArray(
    idArb.map((p) => p.join('')),
    { minLength: 1, maxLength: 6 },
  ),
  uploads: fc.array(
    fc.record({
      track: fc.nat(),
      day: fc.integer({ min: -10, max: 28 }),
      holders: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 5 })), {
        minLength: 1,
        maxLength: 3,
      }),
      label: fc.constantFrom('label-a', 'label-b', 'lé'),
    }),
    { maxLength: 6 },
  ),
  plays: fc.array(
    fc.record({
      user: fc.nat(),
      track: fc.nat(),
      day: fc.integer({ min: 1, max: 30 }),
      hour: fc.integer({ min: 0, max: 23 }),
      free: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  pool: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 52 })),
  premium: fc.integer({ min: 0, max: 12 }),
  premiumOnly: fc.boolean(),
  threshold: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  listZero: fc.boolean(),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

/** Shares summing to 10000 from integer weights (the rest to the first holder). */
function shares(weights: number[]): number[] {
  const total = weights.reduce((a, w) => a + w, 0);
  const out = weights.map((w) => Math.floor((w * 10_000) / total));
  out[0]! += 10_000 - out.reduce((a, s) => a + s, 0);
  return out;
}

describe('the close in ClickHouse equals the pure reference', () => {
  let db: LedgerDatabase;
  before(async () => {
    db = await openLedgerDatabase(await useStack(), 'closesql');
  });
  after(async () => {
    await db?.drop();
  });

  let run = 0;
  const markets = [...'ABCDEFGHIJKLMNOPQRSTUVWXY'].flatMap((a) =>
    [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((b) => `${a}${b}`),
  );

  async function check(s: Scenario): Promise<void> {
    const market = markets[run++]!;
    const tag = (id: string) => `${market}${id}`; // tracks and users of one run are its own
    const events: LedgerEvent[] = [];
    let seq = 0;
    for (const u of s.uploads) {
      const holderIds = [...new Set(u.holders.map(([h]) => s.holders[h % s.holders.length]!))];
      const bps = shares(holderIds.map((_, i) => u.holders[i]![1]));
      events.push(
        ledgerUpload(
          tag(s.tracks[u.track % s.tracks.length]!),
          holderIds.map((h, i) => [h, bps[i]!, `name ${h}`] as [string, number, string]),
          { at: NOV(1) + u.day * 86_400_000 + seq++, label: u.label },
        ),
      );
    }
    for (const p of s.plays)
      events.push(
        ledgerPlay(
          tag(s.users[p.user % s.users.length]!),
          tag(s.tracks[p.track % s.tracks.length]!),
          NOV(p.day, p.hour) + seq++,
          { market, product: p.free ? 'FREE' : 'PREMIUM' },
        ),
      );
    events.push(
      ledgerReport(`r-${market}`, NOV(30, 23), s.pool, { market, premium_listeners: s.premium }),
    );
    const outcomes = await db.deliver(events);
    assert.deepEqual(
      outcomes.filter((o) => o.kind !== 'ok'),
      [],
    );

    const policy: RoyaltyPolicy = {
      ...DEFAULT_POLICY,
      products: s.premiumOnly ? ['PREMIUM'] : ['FREE', 'PREMIUM'],
      min_track_streams_12m: s.threshold,
      list_zero_lines: s.listZero,
    };
    const p = { p: '2026-11', m: market };
    const rows = await db.query<
      Omit<StreamAggregate, 'streams' | 'holders'> & {
        streams: string;
        holders: { rights_holder_id: string; name: string; share_bps: number }[];
      }
    >(
      `SELECT user_id, product, track_id, split_version, any(isrc) AS isrc,
              any(label_id) AS label_id, any(holders) AS holders, count() AS streams
       FROM royalty_stream_splits WHERE period = {p:String} AND market = {m:String}
       GROUP BY user_id, product, track_id, split_version`,
      p,
    );
    const counts = await db.query<{ track_id: string; n: string }>(
      `SELECT track_id, count() AS n FROM royalty_streams GROUP BY track_id`,
    );
    const input: StatementInput = {
      pool: {
        report_id: `r-${market}`,
        market,
        period: '2026-11',
        currency: 'SEK',
        minor_unit: 2,
        pool_minor: BigInt(s.pool),
        premium_listeners: s.premium,
      },
      policy,
      streams: rows.map((r) => ({
        ...r,
        streams: Number(r.streams),
        holders: r.holders.map((h) => ({
          rights_holder_id: h.rights_holder_id,
          name: h.name,
          share_bps: Number(h.share_bps),
        })),
      })),
      ...(s.threshold === null
        ? {}
        : { trackStreams12m: new Map(counts.map((c) => [c.track_id, Number(c.n)])) }),
    };
    const got = await withCloseWork(
      db.ch.client,
      { period: '2026-11', market, policy },
      async (w) => ({ hash: await w.contentHash(input.pool), ...(await w.compute(input.pool)) }),
    );
    assert.deepEqual(got.result, computeStatement(input));
    assert.equal(got.hash, contentHash(input));
    const [ledger] = await db.query<{ n: string }>(
      `SELECT count() AS n FROM royalty_ledger WHERE period = {p:String} AND market = {m:String}`,
      p,
    );
    assert.equal(got.ledgerLines, Number(ledger!.n));
  }

  it('for random ledgers and policies, the same lines, totals, exclusions, hash and ledger line count', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, check), { numRuns: 30, seed: 20261202 });
  });

  it('given only excluded streams, then one UNALLOCATED line holds the pool in both models, as in the reference', async () => {
    await check({
      tracks: ['t'],
      holders: ['h'],
      users: ['u'],
      uploads: [{ track: 0, day: 0, holders: [[0, 1]], label: 'label-a' }],
      plays: [{ user: 0, track: 0, day: 3, hour: 1, free: true }],
      pool: 777,
      premium: 2,
      premiumOnly: true,
      threshold: null,
      listZero: true,
    });
  });
});
