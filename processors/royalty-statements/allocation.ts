/**
 * Exact apportionment of an integer amount of minor units by integer weights (the largest
 * remainder method, also called Hamilton's method). Pure; all arithmetic in bigint.
 *
 * Each item first gets floor(total × weight ÷ W), W the sum of the weights. The minor units
 * left over (fewer than the number of items) go one each to the items with the largest
 * remainder (total × weight mod W). Ties: the larger weight first, then the key ascending in
 * UTF-16 code unit order. So the result depends only on the set of (key, weight) pairs, never on
 * input order, sums to `total` exactly, and every amount is within one minor unit of its exact
 * share: |amount × W − total × weight| < W. A zero weight always gets 0.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';

export interface AllocationItem {
  readonly key: string;
  readonly weight: bigint;
}

/** Compares strings by UTF-16 code units (what `<` does), independent of locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits `total` over `items` by weight. Returns a Map with one entry per item, iterated in key
 * order (UTF-16 code units), so the Map's own order does not depend on the input order either.
 *
 * Throws InternalError on a negative total or weight, or a duplicate key. When every weight is 0
 * (or there are no items) there is nothing to apportion by: a total of 0 gives every item 0, any
 * other total throws InternalError; a caller that can meet such a pool checks
 * `totalWeight(items) === 0n` first and books the pool to a suspense line.
 */
export function allocateLargestRemainder(
  total: bigint,
  items: readonly AllocationItem[],
): Map<string, bigint> {
  if (total < 0n) throw new InternalError(`allocation: negative total ${total}`);
  const seen = new Set<string>();
  let sum = 0n;
  for (const { key, weight } of items) {
    if (seen.has(key)) throw new InternalError(`allocation: duplicate key ${JSON.stringify(key)}`);
    if (weight < 0n) {
      throw new InternalError(`allocation: negative weight ${weight} for ${JSON.stringify(key)}`);
    }
    seen.add(key);
    sum += weight;
  }
  const sorted = [...items].sort((a, b) => compareCodeUnits(a.key, b.key));
  if (sum === 0n) {
    if (total !== 0n) {
      throw new InternalError(`allocation: ${total} to apportion but every weight is 0`);
    }
    return new Map(sorted.map((i) => [i.key, 0n]));
  }

  const parts = sorted.map((i) => {
    const product = total * i.weight;
    return { key: i.key, weight: i.weight, amount: product / sum, remainder: product % sum };
  });
  let left = total - parts.reduce((acc, p) => acc + p.amount, 0n);
  const byRemainder = [...parts].sort(
    (a, b) =>
      cmpDesc(a.remainder, b.remainder) ||
      cmpDesc(a.weight, b.weight) ||
      compareCodeUnits(a.key, b.key),
  );
  for (const p of byRemainder) {
    if (left === 0n) break;
    p.amount += 1n;
    left -= 1n;
  }
  return new Map(parts.map((p) => [p.key, p.amount]));
}

/** The sum of the weights (0n for no items). */
export function totalWeight(items: readonly AllocationItem[]): bigint {
  return items.reduce((acc, i) => acc + i.weight, 0n);
}

function cmpDesc(a: bigint, b: bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}
