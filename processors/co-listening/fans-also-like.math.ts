/**
 * "Fans also like", artist to artist, pure.
 *
 * Fans of an artist: its distinct listeners (who they are, and over which period, is the
 * caller's choice; the same for every artist). For artists A and B with fanbases |A| and |B|
 * and o listeners in both, the overlap is weighed by its share of each fanbase:
 *
 *   score(A, B) = (o / |A|) × (o / |B|) = o² / (|A| · |B|)
 *
 * Symmetric, in [0, 1], 1 only when the fanbases are the same set; it is the square of the
 * cosine (Ochiai) coefficient of the two listener sets, so it ranks like cosine. A megastar
 * everyone also plays gets a small o/|B| and does not top every list, and a tiny artist with
 * one shared fan gets a small o/|A| from the big side.
 *
 * For one artist A, |A| is common to every candidate, so candidates are ordered exactly (in
 * bigint) by o² / |B|; ties by overlap descending, then artist id (UTF-16 code units).
 */
import { InternalError } from '../../common/errors/backbeat.error.js';
import { compareCodeUnits } from './similarity.math.js';

export interface ArtistFans {
  readonly artist: string;
  /** Distinct listeners of the artist. */
  readonly listeners: number;
}

export interface ArtistCandidate extends ArtistFans {
  /** Listeners of both this artist and the one asked about. */
  readonly overlap: number;
}

export interface FanOverlap {
  readonly artist: string;
  /** (overlap / |A|) × (overlap / |B|). */
  readonly score: number;
  readonly overlap: number;
  /** overlap / |A|: the share of the asked artist's fans who also play this one. */
  readonly shareOfArtist: number;
  /** overlap / |B|: the share of this artist's fans who also play the asked one. */
  readonly shareOfOther: number;
}

const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

/** The reason an overlap of `o` between fanbases of `a` and `b` listeners cannot be, or undefined. */
export function overlapReason(o: number, a: number, b: number): string | undefined {
  if (!isCount(o) || !isCount(a) || !isCount(b)) {
    return `counts (overlap ${o}, fans ${a} and ${b}) are not non-negative integers`;
  }
  if (o > a || o > b) return `overlap ${o} exceeds a fanbase (${a} and ${b})`;
  return undefined;
}

/** score(A, B) = o² / (|A| · |B|); 0 when o is 0. Throws InternalError on counts that cannot be. */
export function fanOverlapScore(o: number, a: number, b: number): number {
  const why = overlapReason(o, a, b);
  if (why) throw new InternalError(`fans-also-like: ${why}`);
  return o === 0 ? 0 : (o / a) * (o / b);
}

/**
 * The top `k` artists whose fans overlap `artist`'s, with at least `minOverlap` shared
 * listeners (default 1), by the score above. The artist itself, an artist listed twice and
 * counts that cannot be are left out and answered in `invalid` with the reason.
 */
export function fansAlsoLike(
  artist: ArtistFans,
  candidates: readonly ArtistCandidate[],
  k: number,
  opts: { minOverlap?: number } = {},
): { artists: FanOverlap[]; invalid: { artist: string; reason: string }[] } {
  const minOverlap = opts.minOverlap ?? 1;
  if (!Number.isSafeInteger(k) || k < 0) throw new InternalError(`fans-also-like: k ${k}`);
  if (!Number.isSafeInteger(minOverlap) || minOverlap < 1) {
    throw new InternalError(`fans-also-like: minOverlap ${minOverlap}`);
  }
  const times = new Map<string, number>();
  for (const c of candidates) times.set(c.artist, (times.get(c.artist) ?? 0) + 1);
  const invalid: { artist: string; reason: string }[] = [];
  const kept: ArtistCandidate[] = [];
  for (const c of candidates) {
    const n = times.get(c.artist)!;
    const why =
      c.artist === artist.artist
        ? 'an artist is not its own neighbour'
        : n > 1
          ? `listed ${n} times`
          : overlapReason(c.overlap, artist.listeners, c.listeners);
    if (why) invalid.push({ artist: c.artist, reason: why });
    else if (c.overlap >= minOverlap) kept.push(c);
  }
  // o_x² / |B_x| against o_y² / |B_y|, cross-multiplied in bigint: exact. |B| > 0 as o >= 1.
  const weight = (c: ArtistCandidate) => BigInt(c.overlap) * BigInt(c.overlap);
  kept.sort((x, y) => {
    const l = weight(y) * BigInt(x.listeners);
    const r = weight(x) * BigInt(y.listeners);
    return (
      (l > r ? 1 : l < r ? -1 : 0) || y.overlap - x.overlap || compareCodeUnits(x.artist, y.artist)
    );
  });
  invalid.sort((x, y) => compareCodeUnits(x.artist, y.artist));
  const artists = kept.slice(0, k).map((c) => ({
    artist: c.artist,
    score: fanOverlapScore(c.overlap, artist.listeners, c.listeners),
    overlap: c.overlap,
    shareOfArtist: c.overlap / artist.listeners,
    shareOfOther: c.overlap / c.listeners,
  }));
  return { artists, invalid };
}
