import { BackbeatError } from '../../common/errors/backbeat.error.js';

/**
 * Keyset cursors over lists ordered by a score (event time) descending: the last score a page
 * returned and how many items with exactly that score it (and earlier pages) returned. New
 * items with a higher score never shift the next page; only items tied on the same
 * millisecond can, which they do in Redis' own stable member order.
 */
export interface Cursor {
  /** Score of the last item returned. */
  s: number;
  /** Items with score `s` already returned. */
  n: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface PageRequest {
  /** 1..100, default 20. */
  limit?: number;
  /** Opaque `next_cursor` of the previous page. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class InvalidPageError extends BackbeatError {
  readonly parameter: 'limit' | 'cursor';
  constructor(parameter: 'limit' | 'cursor', message: string) {
    super(parameter === 'limit' ? 'INVALID_LIMIT' : 'INVALID_CURSOR', message);
    this.parameter = parameter;
  }
}

const CURSOR_RE = /^(\d{1,16})\.(\d{1,9})$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.s}.${c.n}`).toString('base64url');
}

/** Throws InvalidPageError for anything that is not a cursor this API handed out. */
export function decodeCursor(raw: string): Cursor {
  const m = /^[A-Za-z0-9_-]{1,40}$/.test(raw)
    ? CURSOR_RE.exec(Buffer.from(raw, 'base64url').toString('latin1'))
    : null;
  if (!m) throw new InvalidPageError('cursor', 'cursor is not one this API returned');
  return { s: Number(m[1]), n: Number(m[2]) };
}

/** Validated limit and decoded cursor of a page request. */
export function pageArgs(p: PageRequest = {}): { limit: number; cursor: Cursor | undefined } {
  const limit = p.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidPageError('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return { limit, cursor: p.cursor ? decodeCursor(p.cursor) : undefined };
}

/** The cursor after `items` (scores descending), continuing `prev`. */
export function nextCursor(scores: readonly number[], prev: Cursor | undefined): string {
  const last = scores[scores.length - 1]!;
  const ties = scores.filter((s) => s === last).length;
  return encodeCursor({ s: last, n: ties + (prev && prev.s === last ? prev.n : 0) });
}

/** One page of an in-memory list already sorted by `score` descending. */
export function pageOfSorted<T>(
  sorted: readonly T[],
  score: (t: T) => number,
  limit: number,
  cursor: Cursor | undefined,
): Page<T> {
  const from = cursor ? sorted.filter((t) => score(t) <= cursor.s).slice(cursor.n) : sorted;
  const items = from.slice(0, limit);
  const more = from.length > limit;
  return { items, next_cursor: more ? nextCursor(items.map(score), cursor) : null };
}
