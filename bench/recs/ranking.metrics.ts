/**
 * Offline ranking metrics of the recommendations evaluation (issue 12, section 5), pure.
 *
 * Binary relevance: an item is relevant iff it is in the listener's held-out set. Over the top k
 * of a ranked list (k = 10 in the benchmark):
 * - HitRate@k: 1 when at least one of the first k items is relevant, else 0.
 * - NDCG@k: DCG / IDCG, DCG = Σ 1 / log2(rank + 1) over the relevant items at ranks 1..k, IDCG the
 *   DCG of an ideal list (min(|relevant|, k) relevant items first), so it lies in [0, 1] and is 1
 *   only when the list starts with as many relevant items as the top k can hold.
 * A list shorter than k scores what it holds (a missing item is a miss); a list with an item
 * twice or an empty relevant set is a programming error (the caller evaluates only listeners
 * with a held-out item a model could rank) and throws.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';

function check(list: readonly string[], relevant: ReadonlySet<string>, k: number): void {
  if (!Number.isSafeInteger(k) || k < 1) throw new InternalError(`ranking: k ${k} is not >= 1`);
  if (relevant.size === 0) throw new InternalError('ranking: no relevant item to find');
  if (new Set(list).size !== list.length)
    throw new InternalError('ranking: a ranked list holds an item twice');
}

/** 1 when one of the first k items of `list` is relevant, else 0. */
export function hitRateAt(
  list: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): 0 | 1 {
  check(list, relevant, k);
  return list.slice(0, k).some((item) => relevant.has(item)) ? 1 : 0;
}

/** Discount of rank r (1-based): 1 / log2(r + 1). */
const gain = (rank: number) => 1 / Math.log2(rank + 1);

/** NDCG@k of `list` with binary relevance (module comment), in [0, 1]. */
export function ndcgAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  check(list, relevant, k);
  let dcg = 0;
  list.slice(0, k).forEach((item, i) => {
    if (relevant.has(item)) dcg += gain(i + 1);
  });
  let ideal = 0;
  for (let r = 1; r <= Math.min(relevant.size, k); r++) ideal += gain(r);
  return dcg / ideal;
}

export interface MeanMetrics {
  /** Listeners averaged over: every listener with a relevant set. */
  readonly listeners: number;
  readonly hitRate: number;
  readonly ndcg: number;
}

/**
 * HitRate@k and NDCG@k averaged over every listener of `relevant`; a listener the model gave no
 * list counts as an empty list (0 and 0). Lists of listeners without a relevant set are ignored.
 */
export function meanMetrics(
  lists: ReadonlyMap<string, readonly string[]>,
  relevant: ReadonlyMap<string, ReadonlySet<string>>,
  k: number,
): MeanMetrics {
  if (relevant.size === 0) throw new InternalError('ranking: no listener to evaluate');
  let hits = 0;
  let ndcg = 0;
  for (const [user, items] of relevant) {
    const list = lists.get(user) ?? [];
    hits += hitRateAt(list, items, k);
    ndcg += ndcgAt(list, items, k);
  }
  return { listeners: relevant.size, hitRate: hits / relevant.size, ndcg: ndcg / relevant.size };
}
