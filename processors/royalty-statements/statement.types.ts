/**
 * The shapes of a statement computation (statement.compute.ts): its input, one ledger aggregate
 * row, the lines and totals it returns, and their JSON forms. Amounts are bigint minor units in
 * memory (pool × weight overflows Number) and decimal strings in JSON (toJsonLine,
 * toJsonStatement), so no consumer ever rounds a large amount through a double.
 */
import type { Product, RoyaltyPolicy } from './royalty-policy.js';

/** Suspense rights holder of streams whose track has no valid upload (one line per track). */
export const UNMATCHED = 'UNMATCHED';
/** Suspense rights holder of a pool with no counted streams (one line, no track). */
export const UNALLOCATED = 'UNALLOCATED';
export const UNMATCHED_NAME = 'Unmatched: no valid upload yet';

export interface StatementPool {
  readonly report_id: string;
  readonly market: string;
  /** YYYY-MM, UTC. */
  readonly period: string;
  readonly currency: string;
  readonly minor_unit: number;
  /** The pool in minor units; a number must be a safe integer. */
  readonly pool_minor: bigint | number;
  /** The report's paying subscribers; the user-centric divisor is at least this. */
  readonly premium_listeners: number;
}

export interface SplitHolder {
  readonly rights_holder_id: string;
  readonly name: string;
  /** Basis points; a split's shares sum to 10,000. */
  readonly share_bps: number;
}

/**
 * Qualified streams of one user, product, track and split version in the market and period
 * (the ledger grouped by those four). `holders` is empty, and `split_version` is '', for a track
 * with no valid upload (unmatched).
 */
export interface StreamAggregate {
  readonly user_id: string;
  readonly product: Product;
  readonly track_id: string;
  readonly isrc: string;
  readonly label_id: string;
  /** The event_id of the upload whose split these streams used; '' when unmatched. */
  readonly split_version: string;
  readonly holders: readonly SplitHolder[];
  readonly streams: number;
}

export interface StatementInput {
  readonly pool: StatementPool;
  readonly policy: RoyaltyPolicy;
  readonly streams: readonly StreamAggregate[];
  /**
   * Qualified streams per track_id across all markets over the 12 months ending with the period.
   * Required, with an entry for every streamed track, when policy.min_track_streams_12m is set;
   * ignored otherwise.
   */
  readonly trackStreams12m?: ReadonlyMap<string, number>;
}

/** One line per (label_id, rights_holder_id, track_id). */
export interface StatementLine {
  readonly label_id: string;
  readonly rights_holder_id: string;
  readonly rights_holder_name: string;
  readonly track_id: string;
  readonly isrc: string;
  /** Counted streams of the track that carried this holder (over all of its split versions). */
  readonly streams: number;
  /** Σ streams × share_bps over those streams (streams × 10,000 for a suspense line). */
  readonly weighted_streams_bps: bigint;
  readonly streamshare_minor: bigint;
  readonly user_centric_minor: bigint;
}

export type ExclusionReason = 'PRODUCT_NOT_COUNTED' | 'BELOW_THRESHOLD';

/** Streams that left the denominator of both models, per track; their amount is 0. */
export interface ExcludedStreams {
  readonly track_id: string;
  readonly label_id: string;
  readonly isrc: string;
  readonly streams: number;
  readonly reason: ExclusionReason;
}

export interface StatementTotals {
  readonly pool_minor: bigint;
  /** Σ lines' streamshare_minor; always equals pool_minor. */
  readonly streamshare_minor: bigint;
  /** Σ lines' user_centric_minor; always equals pool_minor. */
  readonly user_centric_minor: bigint;
  /** Streams in the denominator (the unmatched ones included). */
  readonly counted_streams: number;
  /** Streams left out (excluded[]); counted + excluded = all input streams. */
  readonly excluded_streams: number;
  /** Distinct users with at least one counted stream. */
  readonly listeners: number;
  /** divisor − listeners. */
  readonly silent_listeners: number;
  /** max(listeners, pool.premium_listeners). */
  readonly divisor: number;
}

export interface StatementResult {
  /** Sorted by (label_id, rights_holder_id, track_id), UTF-16 code unit order. */
  readonly lines: readonly StatementLine[];
  readonly totals: StatementTotals;
  /** Sorted by (label_id, track_id, reason, isrc). */
  readonly excluded: readonly ExcludedStreams[];
}

type Jsonified<T> = { readonly [K in keyof T]: T[K] extends bigint ? string : T[K] };
export type StatementLineJson = Jsonified<StatementLine>;
export type StatementTotalsJson = Jsonified<StatementTotals>;
export interface StatementResultJson {
  readonly lines: readonly StatementLineJson[];
  readonly totals: StatementTotalsJson;
  readonly excluded: readonly ExcludedStreams[];
}

/** A line with its bigints as decimal strings, for JSON. */
export function toJsonLine(line: StatementLine): StatementLineJson {
  return {
    ...line,
    weighted_streams_bps: line.weighted_streams_bps.toString(),
    streamshare_minor: line.streamshare_minor.toString(),
    user_centric_minor: line.user_centric_minor.toString(),
  };
}

/** A whole result with its bigints as decimal strings, for JSON. */
export function toJsonStatement(result: StatementResult): StatementResultJson {
  const t = result.totals;
  return {
    lines: result.lines.map(toJsonLine),
    totals: {
      ...t,
      pool_minor: t.pool_minor.toString(),
      streamshare_minor: t.streamshare_minor.toString(),
      user_centric_minor: t.user_centric_minor.toString(),
    },
    excluded: result.excluded.map((e) => ({ ...e })),
  };
}
