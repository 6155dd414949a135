/**
 * The daily mix of one listener, pure: built from the neighbours of what they played recently,
 * minus what they played recently, capped per artist, the same all UTC day.
 *
 * - **Sources**: the distinct tracks of the listener's recently-played list (the newest 50
 *   plays), newest first.
 * - **Candidates**: every neighbour of a source (its similar-track list) that is in the
 *   catalogue and not itself recently played. Its score is the sum of its neighbour scores
 *   over every source that lists it (item-based collaborative filtering: a track several of
 *   the listener's tracks lead to ranks higher), each LLR score as its square root (root LLR). Its explanation is the source with the
 *   highest single score (then more co-listens, then the more recent source): "because you
 *   played X", with that entry's score and co-listen count.
 * - **Order**: summed score descending, then the best single score, co-listens descending,
 *   then a tie-break seeded by listener and
 *   day, sha256(user, day, track) (so equal candidates rotate from day to day and differ between
 *   listeners, yet a listener sees one mix all day), then track id.
 * - **Diversity**: at most `perArtist` tracks per artist; a track counts against every artist it
 *   credits and is passed over when any of them is full.
 * - **Size**: the first `size` that pass.
 * - **Fallback** (no history, or no candidate left): the chart of the listener's market (a day's
 *   top tracks by qualified streams), with the same exclusion and cap, each item explained as
 *   "on the chart of <market>".
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../../common/errors/backbeat.error.js';
import type { SimilarList } from '../../read-models/co-listening/co-listening.keys.js';
import { compareCodeUnits } from './similarity.math.js';

export const DEFAULT_MIX_SIZE = 50;

export interface MixTrack {
  readonly title: string;
  readonly artists: readonly { readonly artist_id: string; readonly name: string }[];
}

export interface MixRules {
  readonly perArtist: number;
  readonly size: number;
}

export type Because =
  | {
      readonly kind: 'played';
      /** The source: a track the listener played recently. */
      readonly track_id: string;
      readonly title: string | null;
      readonly played_at: number;
      readonly score: number;
      readonly co_listens: number;
      readonly text: string;
    }
  | {
      readonly kind: 'chart';
      readonly market: string;
      readonly day: string;
      readonly rank: number;
      readonly streams: number;
      readonly text: string;
    };

export interface MixItem {
  readonly track_id: string;
  readonly title: string;
  readonly artists: MixTrack['artists'];
  /**
   * The neighbour scores (metric of the lists) summed over the listener's recent tracks that
   * list this one; `because` names the best of them, with its own score. Null for a chart item.
   */
  readonly score: number | null;
  readonly co_listens: number | null;
  readonly because: Because;
}

export interface ChartInput {
  readonly market: string;
  readonly day: string;
  readonly entries: readonly { rank: number; track_id: string; streams: number }[];
}

/** The seeded tie-break of a listener's day: sha256 of user, day and track, hex. */
export const mixSeed = (userId: string, day: string, trackId: string) =>
  createHash('sha256').update(`${userId}\u0000${day}\u0000${trackId}`).digest('hex');

function checkRules(r: MixRules) {
  for (const [k, v] of Object.entries(r))
    if (!Number.isSafeInteger(v) || v < 1) throw new InternalError(`daily mix: ${k} ${v}`);
}

/** Passes candidates in order, keeping at most perArtist per credited artist, up to size. */
function capped<T extends { artists: MixTrack['artists'] }>(ordered: readonly T[], r: MixRules) {
  const per = new Map<string, number>();
  const out: T[] = [];
  for (const c of ordered) {
    if (out.length >= r.size) break;
    const ids = [...new Set(c.artists.map((a) => a.artist_id))];
    if (ids.some((a) => (per.get(a) ?? 0) >= r.perArtist)) continue;
    for (const a of ids) per.set(a, (per.get(a) ?? 0) + 1);
    out.push(c);
  }
  return out;
}

/**
 * The mix from neighbours (see the rules above); `recent` newest first. Empty when the listener
 * has no history or no candidate passes: the caller then uses `chartMix`.
 */
export function neighbourMix(input: {
  userId: string;
  day: string;
  recent: readonly { track_id: string; played_at: number }[];
  similar: ReadonlyMap<string, SimilarList>;
  catalogue: ReadonlyMap<string, MixTrack>;
  rules: MixRules;
}): MixItem[] {
  checkRules(input.rules);
  const played = new Set(input.recent.map((p) => p.track_id));
  const sources: { track_id: string; played_at: number; order: number }[] = [];
  for (const p of input.recent)
    if (!sources.some((s) => s.track_id === p.track_id))
      sources.push({ ...p, order: sources.length });
  type Cand = MixItem & { order: number; seed: string; best: number };
  const best = new Map<string, Cand>();
  const total = new Map<string, number>();
  for (const s of sources) {
    for (const n of input.similar.get(s.track_id)?.neighbours ?? []) {
      const meta = input.catalogue.get(n.track_id);
      if (played.has(n.track_id) || !meta) continue;
      // Summed in source order (newest first), so the float sum is the same on every call;
      // LLR as its square root (Mahout's root LLR: one huge co-listen count does not drown
      // several sources' agreement), cosine as it is.
      const list = input.similar.get(s.track_id)!;
      total.set(
        n.track_id,
        (total.get(n.track_id) ?? 0) + (list.metric === 'llr' ? Math.sqrt(n.score) : n.score),
      );
      const prev = best.get(n.track_id);
      if (
        prev &&
        (prev.best > n.score ||
          (prev.best === n.score &&
            ((prev.because.kind === 'played' && prev.because.co_listens > n.co_listens) ||
              (prev.because.kind === 'played' &&
                prev.because.co_listens === n.co_listens &&
                prev.order < s.order))))
      )
        continue;
      const sourceTitle = input.catalogue.get(s.track_id)?.title ?? null;
      best.set(n.track_id, {
        track_id: n.track_id,
        title: meta.title,
        artists: meta.artists,
        score: 0,
        co_listens: n.co_listens,
        because: {
          kind: 'played',
          track_id: s.track_id,
          title: sourceTitle,
          played_at: s.played_at,
          score: n.score,
          co_listens: n.co_listens,
          text: `because you played ${sourceTitle ?? s.track_id}`,
        },
        order: s.order,
        seed: mixSeed(input.userId, input.day, n.track_id),
        best: n.score,
      });
    }
  }
  for (const [t, c] of best) best.set(t, { ...c, score: total.get(t)! });
  const ordered = [...best.values()].sort(
    (x, y) =>
      y.score! - x.score! ||
      y.best - x.best ||
      y.co_listens! - x.co_listens! ||
      compareCodeUnits(x.seed, y.seed) ||
      compareCodeUnits(x.track_id, y.track_id),
  );
  return capped(ordered, input.rules).map(({ order: _o, seed: _s, best: _b, ...item }) => item);
}

/** The fallback: the chart's tracks in rank order, minus recent plays, capped per artist. */
export function chartMix(input: {
  chart: ChartInput;
  recent: readonly { track_id: string }[];
  catalogue: ReadonlyMap<string, MixTrack>;
  rules: MixRules;
}): MixItem[] {
  checkRules(input.rules);
  const played = new Set(input.recent.map((p) => p.track_id));
  const why = input.recent.length
    ? 'nothing you played recently has similar tracks yet'
    : 'you have no listening history yet';
  const { market, day } = input.chart;
  const where = market === 'global' ? 'the global chart' : `the chart of ${market}`;
  const items: MixItem[] = [];
  for (const e of [...input.chart.entries].sort((a, b) => a.rank - b.rank)) {
    const meta = input.catalogue.get(e.track_id);
    if (!meta || played.has(e.track_id)) continue;
    items.push({
      track_id: e.track_id,
      title: meta.title,
      artists: meta.artists,
      score: null,
      co_listens: null,
      because: {
        kind: 'chart',
        market,
        day,
        rank: e.rank,
        streams: e.streams,
        text: `number ${e.rank} on ${where} (${day}); ${why}`,
      },
    });
  }
  return capped(items, input.rules);
}
