/**
 * The recommenders the evaluation compares (issue 12, section 5), pure. Each answers a ranked
 * top-k for a listener over the whole catalogue minus the listener's training tracks.
 *
 * - Co-listening (LLR, or cosine): the counts come from production's own session rule,
 *   `evolveSession` with `DEFAULT_SESSION_RULES` (30 min gap, N = 50, 200 tracks and 5,000 pairs
 *   per session), fed each listener's training plays in delivery order: c(a,b) the sessions that
 *   paired a and b, n(a) the sessions a was first played in, N the sessions opened. Every track
 *   keeps its top `NEIGHBOURS_K` neighbours by `topNeighbours` (`associationLlr` or `cosine`). A
 *   listener's score for a candidate is the sum of its neighbour scores over the listener's
 *   distinct training tracks (a track the listener played often weighs as much as one played
 *   once); candidates without a score are not listed, so a list can be shorter than k.
 * - Most popular: training qualified plays per track over all listeners, the same list for
 *   everyone minus their training tracks.
 * Ties: score descending, then track id (UTF-16 code units).
 */
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { InternalError } from '../../common/errors/backbeat.error.js';
import {
  DEFAULT_SESSION_RULES,
  evolveSession,
  type SessionRules,
  type SessionWindow,
} from '../../processors/co-listening/co-listening.session.js';
import {
  compareCodeUnits,
  topNeighbours,
  type Metric,
  type Neighbour,
} from '../../processors/co-listening/similarity.math.js';

/** Neighbours kept per track (what a listener's score sums over). */
export const NEIGHBOURS_K = 50;

export interface CoListeningCounts {
  /** c(a,b), stored under both a and b. */
  readonly coListens: Map<string, Map<string, number>>;
  /** n(a): sessions that played a. */
  readonly sessions: Map<string, number>;
  /** N: listener-sessions. */
  readonly totalSessions: number;
  /** Pairs counted (each once per listener per session). */
  readonly pairs: number;
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

/**
 * The co-listening counts of listeners' plays (each listener's in delivery order) under the
 * session rules; a playback the rule refuses is a bug here (the simulator's are valid) and throws.
 */
export function countCoListening(
  playsByUser: ReadonlyMap<string, readonly PlaybackEvent[]>,
  rules: SessionRules = DEFAULT_SESSION_RULES,
): CoListeningCounts {
  const coListens = new Map<string, Map<string, number>>();
  const sessions = new Map<string, number>();
  let totalSessions = 0;
  let pairs = 0;
  const row = (t: string) => {
    let r = coListens.get(t);
    if (!r) coListens.set(t, (r = new Map()));
    return r;
  };
  for (const plays of playsByUser.values()) {
    let window: SessionWindow | undefined;
    for (const play of plays) {
      const step = evolveSession(window, play, rules);
      if ('reason' in step) throw new InternalError(`recs: ${play.event_id}: ${step.reason}`);
      window = step.window;
      if (!step.qualified) continue;
      if (step.sessionOpened) totalSessions++;
      for (const t of step.tracksSeen) bump(sessions, t);
      for (const p of step.pairs) {
        bump(row(p.a), p.b);
        bump(row(p.b), p.a);
        pairs++;
      }
    }
  }
  return { coListens, sessions, totalSessions, pairs };
}

/** Every co-listened track's top k neighbours by the metric (LLR or cosine). */
export function neighbourLists(
  counts: CoListeningCounts,
  kind: Metric['kind'],
  k = NEIGHBOURS_K,
): Map<string, Neighbour[]> {
  const metric: Metric =
    kind === 'llr' ? { kind, totalSessions: counts.totalSessions } : { kind: 'cosine' };
  const out = new Map<string, Neighbour[]>();
  for (const [track, row] of counts.coListens) {
    const candidates = [...row].map(([other, c]) => ({
      track: other,
      sessions: counts.sessions.get(other) ?? 0,
      coListens: c,
    }));
    const { neighbours, invalid } = topNeighbours(
      { track, sessions: counts.sessions.get(track) ?? 0 },
      candidates,
      k,
      metric,
    );
    if (invalid.length)
      throw new InternalError(`recs: ${track}: ${invalid[0]!.track} ${invalid[0]!.reason}`);
    out.set(track, neighbours);
  }
  return out;
}

const byScore = (x: [string, number], y: [string, number]) =>
  y[1] - x[1] || compareCodeUnits(x[0], y[0]);

/**
 * A listener's top k by the summed neighbour scores of their distinct training tracks, the
 * training tracks themselves left out.
 */
export function recommendByNeighbours(
  trainTracks: ReadonlySet<string>,
  neighbours: ReadonlyMap<string, readonly Neighbour[]>,
  k: number,
  weigh: (score: number) => number = (x) => x,
): string[] {
  const score = new Map<string, number>();
  // Summed in track order, so the float sum does not depend on the set's insertion order.
  for (const t of [...trainTracks].sort(compareCodeUnits))
    for (const n of neighbours.get(t) ?? [])
      if (!trainTracks.has(n.track)) bump(score, n.track, weigh(n.score));
  return [...score]
    .sort(byScore)
    .slice(0, k)
    .map(([t]) => t);
}

/** Tracks by training qualified plays, most first (ties by track id). */
export function popularityRanking(
  playsByUser: ReadonlyMap<string, readonly PlaybackEvent[]>,
): string[] {
  const plays = new Map<string, number>();
  for (const list of playsByUser.values()) for (const p of list) bump(plays, p.track_id);
  return [...plays].sort(byScore).map(([t]) => t);
}

/** The first k of the popularity ranking that the listener did not play in training. */
export function recommendPopular(
  ranking: readonly string[],
  trainTracks: ReadonlySet<string>,
  k: number,
): string[] {
  const out: string[] = [];
  for (const t of ranking) {
    if (out.length >= k) break;
    if (!trainTracks.has(t)) out.push(t);
  }
  return out;
}
