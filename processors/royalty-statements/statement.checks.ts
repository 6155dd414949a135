/**
 * Checks and small helpers shared by the statement computation and its content hash. A failed
 * check is a bug upstream (the ledger query, the pool lookup), so it throws InternalError.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';
import { PRODUCTS } from './royalty-policy.js';
import type { StreamAggregate } from './statement.types.js';
import { UNALLOCATED, UNMATCHED } from './statement.types.js';

/** Basis points of a whole split. */
export const FULL_BPS = 10_000;

export function pick(row: StreamAggregate): { track_id: string; label_id: string; isrc: string } {
  return { track_id: row.track_id, label_id: row.label_id, isrc: row.isrc };
}

export function checkRow(row: StreamAggregate): void {
  const at = `row (user ${JSON.stringify(row.user_id)}, track ${JSON.stringify(row.track_id)})`;
  safeCount(`${at} streams`, row.streams);
  if (!(PRODUCTS as readonly string[]).includes(row.product)) {
    throw new InternalError(`statement: ${at} has product ${JSON.stringify(row.product)}`);
  }
  if (row.holders.length === 0) return;
  let bps = 0;
  for (const h of row.holders) {
    if (
      h.rights_holder_id === UNMATCHED ||
      h.rights_holder_id === UNALLOCATED ||
      !h.rights_holder_id
    ) {
      throw new InternalError(
        `statement: ${at} names rights holder ${JSON.stringify(h.rights_holder_id)}`,
      );
    }
    if (!Number.isSafeInteger(h.share_bps) || h.share_bps < 0) {
      throw new InternalError(`statement: ${at} has share_bps ${h.share_bps}`);
    }
    bps += h.share_bps;
  }
  if (bps !== FULL_BPS)
    throw new InternalError(`statement: ${at} shares sum to ${bps} bps, not 10000`);
}

export function toPoolMinor(v: bigint | number): bigint {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) {
    throw new InternalError(`statement: pool_minor ${v} is not a safe integer`);
  }
  const b = BigInt(v);
  if (b < 0n) throw new InternalError(`statement: negative pool_minor ${b}`);
  return b;
}

export function safeCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InternalError(`statement: ${what} must be a non-negative safe integer, got ${n}`);
  }
}

export function safeSum(what: string, a: number, b: number): number {
  const s = a + b;
  if (!Number.isSafeInteger(s))
    throw new InternalError(`statement: ${what} overflow (${a} + ${b})`);
  return s;
}
