/**
 * One statement (a market, a period, its pool in force) in both models, from the ledger grouped
 * per user, product, track and split version. Pure and exact: bigint minor units, every split by
 * largest remainder (allocation.ts), so each model's lines sum to the pool to the last minor unit
 * and the result does not depend on input row order. The rules are RULES in royalty-policy.ts.
 *
 * - Rows of a product the policy does not count, and (threshold on) rows of a track with fewer
 *   than min_track_streams_12m streams over 12 months, leave both models: `excluded`, amount 0.
 * - A line is (label_id, rights_holder_id, track_id); its weight is Σ streams × share_bps over
 *   every split version of the track that named the holder. A track with no valid upload weighs
 *   streams × 10,000 on its suspense line (label '', holder UNMATCHED).
 * - Streamshare: the pool by line weight.
 * - User-centric: the pool in `divisor` equal parts, divisor = max(listeners, premium_listeners):
 *   each listener's part by the weights of that listener's own lines; the silent listeners' parts
 *   (one bucket weighing divisor − listeners) by all lines' weights, as streamshare does.
 * - No counted stream: one UNALLOCATED line holds the whole pool in both models.
 *
 * Worked example (README; the same in statement.compute.unit.test.ts): a pool of 1000 minor
 * units, premium_listeners 3. Track T1 is split A 60 % / B 40 %, track T2 is 100 % C. Listener u1
 * streamed T1 3 times; u2 streamed T1 once and T2 once. Counted streams 5.
 *   Streamshare (line weights A 24,000, B 16,000, C 10,000 of 50,000):
 *     A 1000 × 24000/50000 = 480, B 320, C 200.
 *   User-centric: listeners 2, divisor max(2, 3) = 3, so 1 silent listener.
 *     Parts: 1000/3 = 333 r 1 three times; remainders and weights tie, so by key: listener:u1
 *     334, listener:u2 333, silent 333.
 *     u1 (A 18,000, B 12,000): A 200.4 → 200, B 133.6 → 134 (the one unit left: larger remainder).
 *     u2 (A 6,000, B 4,000, C 10,000): A 99.9, B 66.6, C 166.5 → floors 99 + 66 + 166 = 331,
 *       two units left to the larger remainders A and B: A 100, B 67, C 166.
 *     silent 333 by all streams: A 159.84, B 106.56, C 66.6 → floors 159 + 106 + 66 = 331,
 *       two units left to A (.84) and C (.6): A 160, B 106, C 67.
 *     Totals: A 200 + 100 + 160 = 460, B 134 + 67 + 106 = 307, C 166 + 67 = 233 (sum 1000).
 *   C gets 233 rather than 200: half of u2's listening was T2.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';
import type { AllocationItem } from './allocation.js';
import { allocateLargestRemainder, compareCodeUnits } from './allocation.js';
import { checkRow, FULL_BPS, pick, safeCount, safeSum, toPoolMinor } from './statement.checks.js';
import type {
  ExcludedStreams,
  ExclusionReason,
  StatementInput,
  StatementLine,
  StatementResult,
  StatementTotals,
  StreamAggregate,
} from './statement.types.js';
import { UNALLOCATED, UNMATCHED, UNMATCHED_NAME } from './statement.types.js';
import { hexOf } from './statement.hash.js';

export * from './statement.types.js';
export { contentHash } from './statement.hash.js';

const SILENT_KEY = 'silent';
const listenerKey = (userId: string): string => `listener:${hexOf(userId)}`;

/**
 * A line's allocation key: label, holder and track as hex of their UTF-8 bytes, space
 * separated, so plain string order is the byte order of the (label, holder, track) tuple, the
 * order ClickHouse sorts the same ids in (statement.sql.ts).
 */
export const lineKeyOf = (label: string, holder: string, track: string): string =>
  `${hexOf(label)} ${hexOf(holder)} ${hexOf(track)}`;

interface LineAcc {
  label_id: string;
  rights_holder_id: string;
  rights_holder_name: string;
  track_id: string;
  isrc: string;
  /** split_version the name and isrc were taken from (the greatest wins). */
  from: string;
  streams: number;
  weight: bigint;
}

export function computeStatement(input: StatementInput): StatementResult {
  const { pool, policy } = input;
  const poolMinor = toPoolMinor(pool.pool_minor);
  safeCount('pool.premium_listeners', pool.premium_listeners);
  const threshold = policy.min_track_streams_12m;
  if (threshold !== null && input.trackStreams12m === undefined) {
    throw new InternalError('statement: the threshold is on but trackStreams12m was not given');
  }
  const products = new Set<string>(policy.products);

  const lines = new Map<string, LineAcc>();
  const byListener = new Map<string, Map<string, bigint>>();
  const excluded = new Map<string, ExcludedStreams & { streams: number }>();
  let counted = 0;
  let excludedTotal = 0;

  for (const row of input.streams) {
    checkRow(row);
    if (row.streams === 0) continue;
    const reason = exclusion(row, products, threshold, input.trackStreams12m);
    if (reason) {
      const key = JSON.stringify([row.label_id, row.track_id, reason, row.isrc]);
      const e = excluded.get(key) ?? { ...pick(row), streams: 0, reason };
      e.streams = safeSum('excluded streams', e.streams, row.streams);
      excluded.set(key, e);
      excludedTotal = safeSum('excluded streams', excludedTotal, row.streams);
      continue;
    }
    counted = safeSum('counted streams', counted, row.streams);
    const own = byListener.get(row.user_id) ?? new Map<string, bigint>();
    byListener.set(row.user_id, own);
    for (const [key, c] of contributions(row)) {
      const acc = lines.get(key);
      if (!acc) lines.set(key, { ...c, from: row.split_version, streams: row.streams });
      else {
        acc.streams = safeSum('line streams', acc.streams, row.streams);
        acc.weight += c.weight;
        if (newerMeta(row.split_version, c, acc)) {
          Object.assign(acc, { rights_holder_name: c.rights_holder_name, isrc: c.isrc });
          acc.from = row.split_version;
        }
      }
      own.set(key, (own.get(key) ?? 0n) + c.weight);
    }
  }

  const listeners = byListener.size;
  const divisor = Math.max(listeners, pool.premium_listeners);
  const silent = divisor - listeners;
  let out: StatementLine[];
  if (counted === 0) {
    out = [unallocatedLine(poolMinor)];
  } else {
    const weights: AllocationItem[] = [...lines].map(([key, l]) => ({ key, weight: l.weight }));
    const streamshare = allocateLargestRemainder(poolMinor, weights);
    const userCentric = new Map<string, bigint>();
    const add = (parts: Map<string, bigint>): void => {
      for (const [k, v] of parts) userCentric.set(k, (userCentric.get(k) ?? 0n) + v);
    };
    const heads = allocateLargestRemainder(poolMinor, [
      ...[...byListener.keys()].map((u) => ({ key: listenerKey(u), weight: 1n })),
      { key: SILENT_KEY, weight: BigInt(silent) },
    ]);
    for (const [user, own] of byListener) {
      const mine = [...own].map(([key, weight]) => ({ key, weight }));
      add(allocateLargestRemainder(heads.get(listenerKey(user)) ?? 0n, mine));
    }
    add(allocateLargestRemainder(heads.get(SILENT_KEY) ?? 0n, weights));
    out = [...lines].map(([key, l]) => ({
      label_id: l.label_id,
      rights_holder_id: l.rights_holder_id,
      rights_holder_name: l.rights_holder_name,
      track_id: l.track_id,
      isrc: l.isrc,
      streams: l.streams,
      weighted_streams_bps: l.weight,
      streamshare_minor: streamshare.get(key) ?? 0n,
      user_centric_minor: userCentric.get(key) ?? 0n,
    }));
  }

  return finishStatement(out, [...excluded.values()], policy.list_zero_lines, {
    pool_minor: poolMinor,
    counted_streams: counted,
    excluded_streams: excludedTotal,
    listeners,
    silent_listeners: silent,
    divisor,
  });
}

/**
 * The result from its lines, whatever computed them (this reference, or the close's SQL):
 * checks that each model sums to the pool (else InternalError: a bug, never issued), drops
 * zero lines unless the policy lists them, and sorts lines by label, holder and track and
 * excluded streams by label, track, reason and ISRC.
 */
export function finishStatement(
  lines: StatementLine[],
  excluded: ExcludedStreams[],
  listZeroLines: boolean,
  totals: Omit<StatementTotals, 'streamshare_minor' | 'user_centric_minor'>,
): StatementResult {
  const poolMinor = totals.pool_minor;
  let out = lines;
  const sum = (f: (l: StatementLine) => bigint): bigint => out.reduce((a, l) => a + f(l), 0n);
  const streamshareMinor = sum((l) => l.streamshare_minor);
  const userCentricMinor = sum((l) => l.user_centric_minor);
  if (streamshareMinor !== poolMinor || userCentricMinor !== poolMinor) {
    throw new InternalError(
      `statement: columns ${streamshareMinor} / ${userCentricMinor} do not sum to ${poolMinor}`,
    );
  }
  if (!listZeroLines) {
    out = out.filter((l) => l.streamshare_minor !== 0n || l.user_centric_minor !== 0n);
  }
  out.sort(
    (a, b) =>
      compareCodeUnits(a.label_id, b.label_id) ||
      compareCodeUnits(a.rights_holder_id, b.rights_holder_id) ||
      compareCodeUnits(a.track_id, b.track_id),
  );
  const excludedList = [...excluded].sort(
    (a, b) =>
      compareCodeUnits(a.label_id, b.label_id) ||
      compareCodeUnits(a.track_id, b.track_id) ||
      compareCodeUnits(a.reason, b.reason) ||
      compareCodeUnits(a.isrc, b.isrc),
  );
  return {
    lines: out,
    totals: {
      ...totals,
      streamshare_minor: streamshareMinor,
      user_centric_minor: userCentricMinor,
    },
    excluded: excludedList,
  };
}

function exclusion(
  row: StreamAggregate,
  products: ReadonlySet<string>,
  threshold: number | null,
  counts: ReadonlyMap<string, number> | undefined,
): ExclusionReason | null {
  if (!products.has(row.product)) return 'PRODUCT_NOT_COUNTED';
  if (threshold === null) return null;
  const n = counts?.get(row.track_id);
  if (n === undefined) {
    throw new InternalError(
      `statement: no 12-month count for track ${JSON.stringify(row.track_id)}`,
    );
  }
  return n < threshold ? 'BELOW_THRESHOLD' : null;
}

type Contribution = Omit<LineAcc, 'from' | 'streams'>;

/** The row's weight per line key: one per holder, or its track's UNMATCHED line. */
function contributions(row: StreamAggregate): Map<string, Contribution> {
  const out = new Map<string, Contribution>();
  const streams = BigInt(row.streams);
  if (row.holders.length === 0) {
    const key = lineKeyOf('', UNMATCHED, row.track_id);
    const name = UNMATCHED_NAME;
    out.set(key, {
      ...pick(row),
      label_id: '',
      rights_holder_id: UNMATCHED,
      rights_holder_name: name,
      weight: streams * BigInt(FULL_BPS),
    });
    return out;
  }
  for (const h of row.holders) {
    const key = lineKeyOf(row.label_id, h.rights_holder_id, row.track_id);
    const weight = streams * BigInt(h.share_bps);
    const prev = out.get(key);
    if (prev) prev.weight += weight;
    else
      out.set(key, {
        ...pick(row),
        rights_holder_id: h.rights_holder_id,
        rights_holder_name: h.name,
        weight,
      });
  }
  return out;
}

/** Name and ISRC come from the greatest split_version, then the smaller name and ISRC. */
function newerMeta(version: string, c: Contribution, acc: LineAcc): boolean {
  return (
    compareCodeUnits(version, acc.from) > 0 ||
    (version === acc.from &&
      (compareCodeUnits(c.rights_holder_name, acc.rights_holder_name) ||
        compareCodeUnits(c.isrc, acc.isrc)) < 0)
  );
}

export function unallocatedLine(poolMinor: bigint): StatementLine {
  return {
    label_id: '',
    rights_holder_id: UNALLOCATED,
    rights_holder_name: 'Unallocated: no counted streams',
    track_id: '',
    isrc: '',
    streams: 0,
    weighted_streams_bps: 0n,
    streamshare_minor: poolMinor,
    user_centric_minor: poolMinor,
  };
}

/**
 * The user-centric model's parts of the pool, as the reference computes them (the pool over
 * every listener at weight 1 and the silent bucket at weight `silent`, largest remainder), in
 * closed form for the close's SQL: every listener gets `each`, the first `bonus` listeners in
 * user id byte order one more, the silent listeners together `silentPart`.
 */
export function userCentricHeads(
  pool: bigint,
  listeners: number,
  silent: number,
): { each: bigint; bonus: number; silentPart: bigint } {
  const divisor = BigInt(listeners + silent);
  if (listeners <= 0 || divisor <= 0n)
    throw new InternalError(`statement: no listeners to split ${pool} among`);
  const s = BigInt(silent);
  const each = pool / divisor;
  const silentFloor = (pool * s) / divisor;
  const left = Number(pool - BigInt(listeners) * each - silentFloor);
  // Remainders first, then the larger weight; 'listener:…' keys sort before 'silent'.
  const rEach = pool % divisor;
  const rSilent = (pool * s) % divisor;
  const silentFirst = rSilent > rEach || (rSilent === rEach && s > 1n);
  return silentFirst
    ? { each, bonus: Math.max(0, left - 1), silentPart: silentFloor + (left >= 1 ? 1n : 0n) }
    : {
        each,
        bonus: Math.min(left, listeners),
        silentPart: silentFloor + (left > listeners ? 1n : 0n),
      };
}
