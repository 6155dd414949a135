/**
 * What a neighbour refresh recomputes, pure.
 *
 * - **Full** (every track with co-listens, the session universe N of now, and "fans also
 *   like"): when there is no watermark yet, when asked for, when the last full refresh is
 *   `fullEveryMs` old or more, or when what the lists were computed with changed (metric, K,
 *   the first month of the window: a new month moves the window).
 * - **Incremental** otherwise: only the tracks whose counts changed since the watermark: both
 *   ends of each pair row, and each track-session row, with `updated_at` after `watermark −
 *   WATERMARK_OVERLAP_MS`. The watermark is ClickHouse's clock (now64, the clock that stamps
 *   `updated_at`) taken just before the last refresh read its rows, so it is at least the
 *   largest `updated_at` that refresh saw, and a row is re-read only for the overlap after it
 *   was stamped (the largest `updated_at` itself would re-read the last rows at every idle
 *   refresh). A changed pair (a, b) changes
 *   both a's and b's lists; a new session of a changes n(a) and so a's scores.
 * - **The bound**: a changed track's list is rewritten within one interval plus one refresh.
 *   What an incremental refresh does not redo: the lists of untouched tracks keep the universe N
 *   and the n(x) of neighbours x as of their last recompute, so their scores (not which pairs
 *   exist) may lag by up to `fullEveryMs` plus one interval and one refresh.
 * - **The overlap**: rows are stamped by ClickHouse at insert (now64) but become visible when
 *   the insert commits; re-reading the last 5 s recomputes a few tracks twice rather than miss
 *   an insert that committed after a refresh read past its stamp (an insert that takes longer
 *   than 5 s to commit is caught by the next full refresh).
 */
import { InternalError } from '../../common/errors/backbeat.error.js';
import { compareCodeUnits } from './similarity.math.js';

export const WATERMARK_OVERLAP_MS = 5_000;

export type MetricName = 'llr' | 'cosine';

export interface RefreshSettings {
  readonly topK: number;
  readonly months: number;
  readonly metric: MetricName;
  readonly fullEveryMs: number;
  /** How far before the watermark changed rows are re-read (default WATERMARK_OVERLAP_MS). */
  readonly watermarkOverlapMs?: number;
}

/** What the last refresh left in `recsKeys.meta` (all optional: a fresh store has none). */
export interface RefreshMeta {
  readonly watermark?: number;
  readonly lastFullAt?: number;
  readonly metric?: string;
  readonly topK?: number;
  readonly windowFrom?: string;
}

export type RefreshPlan =
  | { readonly mode: 'full'; readonly reason: string; readonly fromMonth: string }
  | {
      readonly mode: 'incremental';
      readonly fromMonth: string;
      /** Rows updated strictly after this (ms since the epoch) count as changed. */
      readonly since: number;
    };

/** The first UTC month (YYYY-MM) of a window of `months` months ending with now's month. */
export function windowFrom(now: number, months: number): string {
  if (!Number.isSafeInteger(months) || months < 1)
    throw new InternalError(`neighbours: months ${months}`);
  const d = new Date(now);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (months - 1), 1));
  return first.toISOString().slice(0, 7);
}

/** Full or incremental, by the rule in this file's comment. */
export function planRefresh(
  meta: RefreshMeta,
  settings: RefreshSettings,
  now: number,
  opts: { full?: boolean } = {},
): RefreshPlan {
  const fromMonth = windowFrom(now, settings.months);
  const full = (reason: string): RefreshPlan => ({ mode: 'full', reason, fromMonth });
  if (opts.full) return full('asked for');
  if (meta.watermark === undefined || meta.lastFullAt === undefined) return full('no watermark');
  if (now - meta.lastFullAt >= settings.fullEveryMs)
    return full(`last full refresh ${now - meta.lastFullAt} ms ago`);
  if (meta.metric !== settings.metric) return full(`metric changed to ${settings.metric}`);
  if (meta.topK !== settings.topK) return full(`K changed to ${settings.topK}`);
  if (meta.windowFrom !== fromMonth) return full(`window now starts at ${fromMonth}`);
  return {
    mode: 'incremental',
    fromMonth,
    since: meta.watermark - (settings.watermarkOverlapMs ?? WATERMARK_OVERLAP_MS),
  };
}

/** A row read as changed: a pair (both ends) or a track's sessions, with its `updated_at`. */
export type ChangedRow =
  | { readonly trackA: string; readonly trackB: string; readonly updatedAt: number }
  | { readonly track: string; readonly updatedAt: number };

/**
 * The tracks an incremental refresh recomputes: both ends of every changed pair, every track
 * whose sessions changed, each once, sorted by UTF-16 code units.
 */
export function changedTracks(rows: readonly ChangedRow[]): string[] {
  const set = new Set<string>();
  for (const r of rows) {
    if ('track' in r) set.add(r.track);
    else {
      set.add(r.trackA);
      set.add(r.trackB);
    }
  }
  return [...set].sort(compareCodeUnits);
}

/** A meta hash as Redis answers it, read leniently: a field that does not parse is absent. */
export function parseMeta(hash: Record<string, string>): RefreshMeta {
  const num = (v: string | undefined) =>
    v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : undefined;
  const out: {
    watermark?: number;
    lastFullAt?: number;
    metric?: string;
    topK?: number;
    windowFrom?: string;
  } = {};
  const wm = num(hash.watermark);
  const lastFull = num(hash.last_full_at);
  const k = num(hash.k);
  if (wm !== undefined) out.watermark = wm;
  if (lastFull !== undefined) out.lastFullAt = lastFull;
  if (k !== undefined) out.topK = k;
  if (hash.metric) out.metric = hash.metric;
  if (hash.window_from) out.windowFrom = hash.window_from;
  return out;
}
