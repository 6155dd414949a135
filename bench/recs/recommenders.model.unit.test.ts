import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countCoListening,
  neighbourLists,
  popularityRanking,
  recommendByNeighbours,
  recommendPopular,
} from './recommenders.model.js';
import { llr } from '../../processors/co-listening/similarity.math.js';
import { play } from '../../test/helpers/co-listening.helper.js';

// u1: one session t1, t2, t3, then t1 again (no new pair). u2: t1, t2, then t3 two hours later
// (a new session). Sessions N = 3; n(t1) = n(t2) = n(t3) = 2; c(t1,t2) = 2, c(t1,t3) = c(t2,t3) = 1.
const plays = new Map([
  ['u1', [play('t1', 0), play('t2', 4), play('t3', 8), play('t1', 12)]],
  [
    'u2',
    [
      play('t1', 0, { session_id: 's-2' }),
      play('t2', 5, { session_id: 's-2' }),
      play('t3', 125, { session_id: 's-2' }),
    ],
  ],
]);

describe('countCoListening (the real evolveSession)', () => {
  it('counts sessions, first plays per session and pairs once per listener per session', () => {
    const c = countCoListening(plays);
    assert.equal(c.totalSessions, 3);
    assert.deepEqual(Object.fromEntries(c.sessions), { t1: 2, t2: 2, t3: 2 });
    assert.equal(c.pairs, 4);
    assert.deepEqual(Object.fromEntries(c.coListens.get('t1')!), { t2: 2, t3: 1 });
    assert.deepEqual(Object.fromEntries(c.coListens.get('t3')!), { t1: 1, t2: 1 });
  });
});

describe('neighbourLists', () => {
  it('scores by cosine c / sqrt(n(a) n(b)) and by positive-association LLR', () => {
    const c = countCoListening(plays);
    const cos = neighbourLists(c, 'cosine').get('t1')!;
    assert.deepEqual(
      cos.map((n) => [n.track, n.score, n.coListens]),
      [
        ['t2', 1, 2],
        ['t3', 0.5, 1],
      ],
    );
    // t1,t2: k11 = 2, k12 = 0, k21 = 0, k22 = 1 (positive); t1,t3: 1·0 < 1·1, so no neighbour.
    const l = neighbourLists(c, 'llr').get('t1')!;
    assert.deepEqual(
      l.map((n) => [n.track, n.score]),
      [['t2', llr(2, 0, 0, 1)]],
    );
    assert.equal(neighbourLists(c, 'cosine', 1).get('t1')!.length, 1);
  });
});

describe('recommendByNeighbours', () => {
  it('sums neighbour scores over the training tracks, leaves them out, ties by track id', () => {
    const n = (track: string, score: number) => ({ track, score, coListens: 1 });
    const neighbours = new Map([
      ['a', [n('b', 5), n('x', 2), n('y', 1)]],
      ['b', [n('z', 3), n('x', 1)]],
    ]);
    const train = new Set(['a', 'b']);
    assert.deepEqual(recommendByNeighbours(train, neighbours, 10), ['x', 'z', 'y']);
    assert.deepEqual(recommendByNeighbours(train, neighbours, 2), ['x', 'z']);
    assert.deepEqual(recommendByNeighbours(new Set(['q']), neighbours, 10), []);
  });
});

describe('most popular', () => {
  it('ranks by training plays (ties by id) and skips the listener’s training tracks', () => {
    const ranking = popularityRanking(plays);
    assert.deepEqual(ranking, ['t1', 't2', 't3']); // 3, 2, 2 plays
    assert.deepEqual(recommendPopular(ranking, new Set(['t1']), 10), ['t2', 't3']);
    assert.deepEqual(recommendPopular(ranking, new Set(), 1), ['t1']);
  });
});
