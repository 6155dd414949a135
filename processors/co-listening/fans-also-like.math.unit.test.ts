import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ArtistCandidate } from './fans-also-like.math.js';
import { fanOverlapScore, fansAlsoLike } from './fans-also-like.math.js';

const RUNS = { seed: 20261202, numRuns: 300 };
const c = (artist: string, overlap: number, listeners: number): ArtistCandidate => ({
  artist,
  overlap,
  listeners,
});

describe('fans also like: the weighting', () => {
  it('given 20 shared fans of 100 and 50, then (20/100) × (20/50) = 0.2 × 0.4 = 0.08, both ways', () => {
    assert.equal(fanOverlapScore(20, 100, 50), 0.08000000000000002); // 0.2 × 0.4 in binary
    assert.ok(Math.abs(fanOverlapScore(20, 100, 50) - 0.08) < 1e-15);
    assert.equal(fanOverlapScore(20, 50, 100), fanOverlapScore(20, 100, 50));
    assert.equal(fanOverlapScore(7, 7, 7), 1);
    assert.equal(fanOverlapScore(0, 0, 9), 0);
  });

  it('given a megastar most fans also play and a niche artist, then the niche artist ranks first', () => {
    // star: 80 of 100 fans, but 80 of its 10 000: 0.8 × 0.008 = 0.0064.
    // niche: 20 of 100 fans, 20 of its 40: 0.2 × 0.5 = 0.1.
    const r = fansAlsoLike(
      { artist: 'A', listeners: 100 },
      [c('star', 80, 10_000), c('niche', 20, 40)],
      5,
    );
    assert.deepEqual(
      r.artists.map((x) => [x.artist, x.overlap, x.shareOfArtist, x.shareOfOther]),
      [
        ['niche', 20, 0.2, 0.5],
        ['star', 80, 0.8, 0.008],
      ],
    );
    assert.equal(r.artists[0]!.score, 0.1);
  });

  it('given scores equal as fractions but not as floats, then the exact tie goes to the larger overlap', () => {
    // |A| = 5: one (1 of 1) scores 1/5 × 1/1 = 0.2; three (3 of 9) scores 3/5 × 3/9 = 0.2 too,
    // though 0.6 × 0.333... is 0.19999999999999998 in floats. Exact tie: more overlap first.
    assert.ok(fanOverlapScore(1, 5, 1) > fanOverlapScore(3, 5, 9));
    const r = fansAlsoLike({ artist: 'A', listeners: 5 }, [c('one', 1, 1), c('three', 3, 9)], 5);
    assert.deepEqual(
      r.artists.map((x) => x.artist),
      ['three', 'one'],
    );
  });

  it('given equal scores and overlaps, then artist id in code unit order; k and minOverlap cut the list', () => {
    const cands = [c('b', 2, 4), c('a', 2, 4), c('Z', 2, 4), c('solo', 1, 1)];
    const r = fansAlsoLike({ artist: 'A', listeners: 10 }, cands, 3);
    assert.deepEqual(
      r.artists.map((x) => x.artist),
      ['Z', 'a', 'b'],
    ); // each 2²/4 = 1 = solo's 1²/1
    assert.deepEqual(
      fansAlsoLike({ artist: 'A', listeners: 10 }, cands, 9, { minOverlap: 2 }).artists.map(
        (x) => x.artist,
      ),
      ['Z', 'a', 'b'],
    );
    assert.deepEqual(fansAlsoLike({ artist: 'A', listeners: 10 }, cands, 0).artists, []);
  });

  it('given the artist itself, an artist listed twice or an overlap above a fanbase, then invalid with the reason', () => {
    const r = fansAlsoLike(
      { artist: 'A', listeners: 10 },
      [
        c('A', 10, 10),
        c('dup', 1, 5),
        c('dup', 2, 5),
        c('big', 11, 50),
        c('small', 3, 2),
        c('ok', 1, 5),
      ],
      5,
    );
    assert.deepEqual(
      r.artists.map((x) => x.artist),
      ['ok'],
    );
    assert.deepEqual(
      r.invalid.map((x) => [x.artist, x.reason]),
      [
        ['A', 'an artist is not its own neighbour'],
        ['big', 'overlap 11 exceeds a fanbase (10 and 50)'],
        ['dup', 'listed 2 times'],
        ['dup', 'listed 2 times'],
        ['small', 'overlap 3 exceeds a fanbase (10 and 2)'],
      ],
    );
    assert.throws(() => fanOverlapScore(3, 2, 5), /exceeds a fanbase/);
    assert.throws(
      () => fansAlsoLike({ artist: 'A', listeners: 1 }, [], 1, { minOverlap: 0 }),
      /minOverlap 0/,
    );
  });

  it('for any candidates, the same list whatever the input order, ordered by the exact score', () => {
    const cand = fc
      .record({
        artist: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'E'),
        overlap: fc.nat(6),
        more: fc.nat(30),
      })
      .map((x) => c(x.artist, x.overlap, x.overlap + x.more));
    fc.assert(
      fc.property(fc.uniqueArray(cand, { selector: (x) => x.artist }), fc.nat(7), (cs, k) => {
        const me = { artist: 'me', listeners: 40 };
        const a = fansAlsoLike(me, cs, k);
        assert.deepEqual(fansAlsoLike(me, [...cs].reverse(), k), a);
        assert.ok(a.artists.length <= k);
        for (let i = 1; i < a.artists.length; i++) {
          const [p, q] = [a.artists[i - 1]!, a.artists[i]!];
          const lp =
            BigInt(p.overlap) ** 2n * BigInt(cs.find((x) => x.artist === q.artist)!.listeners);
          const lq =
            BigInt(q.overlap) ** 2n * BigInt(cs.find((x) => x.artist === p.artist)!.listeners);
          assert.ok(
            lp > lq ||
              (lp === lq &&
                (p.overlap > q.overlap || (p.overlap === q.overlap && p.artist < q.artist))),
          );
        }
      }),
      RUNS,
    );
  });
});
