/**
 * Track-to-track similarity over the co-listening counts, pure.
 *
 * The universe is listener-sessions: c(a,b) sessions played both a and b, n(a) sessions played
 * a, N sessions in all (the session rule's `sessionOpened`, `tracksSeen` and pairs, summed
 * over the same months). Two measures:
 * - LLR: Dunning's log-likelihood ratio of the 2x2 table (sessions with/without a, by
 *   with/without b), in the entropy form Apache Mahout uses. It is large for any departure
 *   from independence, so a neighbour must also be positively associated (more sessions with
 *   both than independence predicts, k11·k22 > k12·k21); a pair that is co-listened less than
 *   chance scores 0 and is no neighbour.
 * - Cosine over the tracks' session sets: c / sqrt(n(a)·n(b)).
 */
import { InternalError } from '../../common/errors/backbeat.error.js';

/** The 2x2 contingency table of tracks a and b over listener-sessions. */
export interface Contingency {
  /** Sessions with a and b. */
  readonly k11: number;
  /** Sessions with a, without b. */
  readonly k12: number;
  /** Sessions with b, without a. */
  readonly k21: number;
  /** Sessions with neither. */
  readonly k22: number;
}

const xLogX = (x: number) => (x === 0 ? 0 : x * Math.log(x));

/** Unnormalised Shannon entropy of counts: xlogx(sum) - sum(xlogx(k)). */
function entropy(...ks: number[]): number {
  let sum = 0;
  let parts = 0;
  for (const k of ks) {
    sum += k;
    parts += xLogX(k);
  }
  return xLogX(sum) - parts;
}

function assertCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new InternalError(`similarity: ${name} ${v} is not a non-negative integer`);
  }
}

/**
 * Dunning's log-likelihood ratio of a 2x2 table of counts:
 * 2 × (H(rows) + H(columns) − H(cells)), H the unnormalised entropy; 0 when round-off makes it
 * negative. Throws InternalError on a cell that is not a non-negative integer (build the table
 * with `contingencyTable`, which answers a reason instead).
 */
export function llr(k11: number, k12: number, k21: number, k22: number): number {
  assertCount('k11', k11);
  assertCount('k12', k12);
  assertCount('k21', k21);
  assertCount('k22', k22);
  const rows = entropy(k11 + k12, k21 + k22);
  const cols = entropy(k11 + k21, k12 + k22);
  const cells = entropy(k11, k12, k21, k22);
  return rows + cols < cells ? 0 : 2 * (rows + cols - cells);
}

const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

/**
 * The table of a and b from co-listens c(a,b), sessions of a, sessions of b and all sessions,
 * or the reason the counts cannot come from one set of sessions (a negative cell, a count that
 * is not a non-negative integer).
 */
export function contingencyTable(
  coListens: number,
  sessionsA: number,
  sessionsB: number,
  totalSessions: number,
): Contingency | { reason: string } {
  const given = { coListens, sessionsA, sessionsB, totalSessions };
  for (const [k, v] of Object.entries(given)) {
    if (!isCount(v)) return { reason: `${k} ${v} is not a non-negative integer` };
  }
  const t = {
    k11: coListens,
    k12: sessionsA - coListens,
    k21: sessionsB - coListens,
    k22: totalSessions - sessionsA - sessionsB + coListens,
  };
  for (const [k, v] of Object.entries(t)) {
    if (v < 0) {
      return {
        reason: `cell ${k} is ${v}: co-listens ${coListens}, sessions ${sessionsA} and ${sessionsB} of ${totalSessions} cannot come from one set of sessions`,
      };
    }
  }
  return t;
}

/** LLR of the table, or 0 unless a and b are co-listened more than independence predicts. */
export function associationLlr(t: Contingency): number {
  const positive = BigInt(t.k11) * BigInt(t.k22) > BigInt(t.k12) * BigInt(t.k21);
  return positive ? llr(t.k11, t.k12, t.k21, t.k22) : 0;
}

/**
 * Cosine of two tracks' session sets: c / sqrt(na × nb); 0 when either played in no session.
 * Throws InternalError unless 0 <= c <= min(na, nb), all integers.
 */
export function cosine(c: number, na: number, nb: number): number {
  assertCount('c', c);
  assertCount('na', na);
  assertCount('nb', nb);
  if (c > na || c > nb) throw new InternalError(`similarity: ${c} co-listens of ${na} and ${nb}`);
  return na === 0 || nb === 0 ? 0 : c / Math.sqrt(na * nb);
}

export type Metric =
  { readonly kind: 'llr'; readonly totalSessions: number } | { readonly kind: 'cosine' };

export interface TrackSessions {
  readonly track: string;
  /** Sessions the track was played in. */
  readonly sessions: number;
}

export interface Candidate extends TrackSessions {
  /** Sessions that played both this track and the one whose neighbours are asked for. */
  readonly coListens: number;
}

export interface Neighbour {
  readonly track: string;
  readonly score: number;
  readonly coListens: number;
}

/** Compares strings by UTF-16 code units (what `<` does), independent of locale. */
export const compareCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The top `k` neighbours of `track` among `candidates` by `metric`: score descending, then
 * co-listens descending, then track id (UTF-16 code units), so the order never depends on the
 * candidates' order. Only candidates with co-listens and a positive score are neighbours.
 * A candidate whose counts cannot be (the track itself, listed twice, counts no table allows)
 * is left out and answered in `invalid` with its reason.
 */
export function topNeighbours(
  track: TrackSessions,
  candidates: readonly Candidate[],
  k: number,
  metric: Metric,
): { neighbours: Neighbour[]; invalid: { track: string; reason: string }[] } {
  if (!Number.isSafeInteger(k) || k < 0) throw new InternalError(`similarity: k ${k}`);
  const times = new Map<string, number>();
  for (const c of candidates) times.set(c.track, (times.get(c.track) ?? 0) + 1);
  const invalid: { track: string; reason: string }[] = [];
  const scored: Neighbour[] = [];
  for (const c of candidates) {
    const why = candidateReason(track, c, times.get(c.track)!, metric);
    if (why) {
      invalid.push({ track: c.track, reason: why });
      continue;
    }
    const score = scoreOf(track, c, metric);
    if (c.coListens > 0 && score > 0)
      scored.push({ track: c.track, score, coListens: c.coListens });
  }
  scored.sort(
    (x, y) => y.score - x.score || y.coListens - x.coListens || compareCodeUnits(x.track, y.track),
  );
  invalid.sort((x, y) => compareCodeUnits(x.track, y.track));
  return { neighbours: scored.slice(0, k), invalid };
}

function candidateReason(
  track: TrackSessions,
  c: Candidate,
  times: number,
  metric: Metric,
): string | undefined {
  if (c.track === track.track) return 'a track is no neighbour of itself';
  if (times > 1) return `listed ${times} times`;
  if (metric.kind === 'llr') {
    const t = contingencyTable(c.coListens, track.sessions, c.sessions, metric.totalSessions);
    return 'reason' in t ? t.reason : undefined;
  }
  for (const [name, v] of [
    ['coListens', c.coListens],
    ['sessions', c.sessions],
    ['sessions of the track', track.sessions],
  ] as const) {
    if (!isCount(v)) return `${name} ${v} is not a non-negative integer`;
  }
  if (c.coListens > Math.min(c.sessions, track.sessions)) {
    return `co-listens ${c.coListens} exceed the sessions ${track.sessions} and ${c.sessions}`;
  }
  return undefined;
}

function scoreOf(track: TrackSessions, c: Candidate, metric: Metric): number {
  if (metric.kind === 'cosine') return cosine(c.coListens, track.sessions, c.sessions);
  const t = contingencyTable(c.coListens, track.sessions, c.sessions, metric.totalSessions);
  if ('reason' in t) throw new InternalError(`similarity: ${t.reason}`);
  return associationLlr(t);
}
