/**
 * From counts read out of ClickHouse to the lists kept in Redis, pure: the top-K similar tracks
 * of each track asked for, and the "fans also like" artists of every artist.
 */
import type {
  FanNeighbour,
  FansList,
  Neighbour as StoredNeighbour,
  SimilarList,
} from '../../read-models/co-listening/co-listening.keys.js';
import { fansAlsoLike } from './fans-also-like.math.js';
import type { MetricName } from './neighbours-refresh.plan.js';
import { compareCodeUnits, topNeighbours, type Candidate, type Metric } from './similarity.math.js';

/** c(a, b) over the window, a < b or not (each unordered pair at most once). */
export interface PairCount {
  readonly trackA: string;
  readonly trackB: string;
  readonly coListens: number;
}

export interface ListProblem {
  readonly track: string;
  readonly neighbour: string;
  readonly reason: string;
}

/**
 * The lists of `tracks` (each track's candidates: every track it was co-listened with; n from
 * `sessions`, 0 when absent; N = `totalSessions`). A track whose list is empty (no pair, or no
 * candidate with a positive score) is in `empty`: its key is deleted. Counts no table allows
 * (a c above n, from a half-read store) leave the candidate out and are answered in `problems`.
 */
export function similarLists(input: {
  tracks: readonly string[];
  pairs: readonly PairCount[];
  sessions: ReadonlyMap<string, number>;
  totalSessions: number;
  k: number;
  metric: MetricName;
  refreshedAt: string;
}): { lists: SimilarList[]; empty: string[]; problems: ListProblem[] } {
  const wanted = new Set(input.tracks);
  const candidates = new Map<string, Candidate[]>();
  const n = (t: string) => input.sessions.get(t) ?? 0;
  const add = (t: string, other: string, c: number) => {
    if (!wanted.has(t)) return;
    let list = candidates.get(t);
    if (!list) candidates.set(t, (list = []));
    list.push({ track: other, sessions: n(other), coListens: c });
  };
  for (const p of input.pairs) {
    add(p.trackA, p.trackB, p.coListens);
    add(p.trackB, p.trackA, p.coListens);
  }
  const metric: Metric =
    input.metric === 'llr'
      ? { kind: 'llr', totalSessions: input.totalSessions }
      : { kind: 'cosine' };
  const lists: SimilarList[] = [];
  const empty: string[] = [];
  const problems: ListProblem[] = [];
  for (const track of [...wanted].sort(compareCodeUnits)) {
    const r = topNeighbours(
      { track, sessions: n(track) },
      candidates.get(track) ?? [],
      input.k,
      metric,
    );
    for (const i of r.invalid) problems.push({ track, neighbour: i.track, reason: i.reason });
    if (!r.neighbours.length) {
      empty.push(track);
      continue;
    }
    lists.push({
      track_id: track,
      metric: input.metric,
      sessions: n(track),
      refreshed_at: input.refreshedAt,
      neighbours: r.neighbours.map((x): StoredNeighbour => ({
        track_id: x.track,
        score: x.score,
        co_listens: x.coListens,
      })),
    });
  }
  return { lists, empty, problems };
}

/** Listeners shared by two artists (each unordered pair at most once). */
export interface ArtistOverlap {
  readonly artistA: string;
  readonly artistB: string;
  readonly overlap: number;
}

/** "Fans also like" of every artist with fans; an artist with no overlap left is in `empty`. */
export function fansLists(input: {
  fans: ReadonlyMap<string, number>;
  overlaps: readonly ArtistOverlap[];
  k: number;
  refreshedAt: string;
}): { lists: FansList[]; empty: string[]; problems: ListProblem[] } {
  const byArtist = new Map<string, { artist: string; listeners: number; overlap: number }[]>();
  const add = (a: string, b: string, o: number) => {
    let list = byArtist.get(a);
    if (!list) byArtist.set(a, (list = []));
    list.push({ artist: b, listeners: input.fans.get(b) ?? 0, overlap: o });
  };
  for (const o of input.overlaps) {
    add(o.artistA, o.artistB, o.overlap);
    add(o.artistB, o.artistA, o.overlap);
  }
  const lists: FansList[] = [];
  const empty: string[] = [];
  const problems: ListProblem[] = [];
  for (const artist of [...input.fans.keys()].sort(compareCodeUnits)) {
    const listeners = input.fans.get(artist)!;
    const r = fansAlsoLike({ artist, listeners }, byArtist.get(artist) ?? [], input.k);
    for (const i of r.invalid)
      problems.push({ track: artist, neighbour: i.artist, reason: i.reason });
    if (!r.artists.length) {
      empty.push(artist);
      continue;
    }
    lists.push({
      artist_id: artist,
      fans: listeners,
      refreshed_at: input.refreshedAt,
      artists: r.artists.map((x): FanNeighbour => ({
        artist_id: x.artist,
        score: x.score,
        overlap: x.overlap,
        share_of_fans: x.shareOfArtist,
        share_of_their_fans: x.shareOfOther,
      })),
    });
  }
  return { lists, empty, problems };
}
