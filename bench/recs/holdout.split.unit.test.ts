import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldOutCount, splitListener } from './holdout.split.js';
import { play } from '../../test/helpers/co-listening.helper.js';

describe('heldOutCount: the last 20%, at least one, none under two plays', () => {
  it('matches max(1, floor(n / 5)) from 2 plays on', () => {
    const got = [0, 1, 2, 4, 5, 9, 10, 14, 15, 100].map((n) => heldOutCount(n));
    assert.deepEqual(got, [0, 0, 1, 1, 1, 1, 2, 2, 3, 20]);
  });

  it('refuses a count or share no split could use', () => {
    assert.throws(() => heldOutCount(-1), /plays/);
    assert.throws(() => heldOutCount(3, 1), /share/);
  });
});

describe('splitListener', () => {
  it('holds out the last plays by event time and keeps training in delivery order', () => {
    // Delivery order: a late play (c at minute 1) arrives after the later ones.
    const plays = [
      play('a', 0),
      play('b', 2),
      play('d', 3),
      play('e', 4),
      play('c', 1),
      play('f', 5),
      play('a', 6),
      play('g', 7),
      play('h', 8),
      play('i', 9),
    ];
    const s = splitListener(plays);
    assert.deepEqual(
      s.test.map((p) => p.track_id),
      ['h', 'i'],
    );
    assert.deepEqual(
      s.train.map((p) => p.track_id),
      ['a', 'b', 'd', 'e', 'c', 'f', 'a', 'g'],
    );
    assert.deepEqual([...s.relevant], ['h', 'i']);
  });

  it('leaves replays of training tracks out of the relevant set; ties broken by event_id', () => {
    const x = play('x', 0, { event_id: 'e-b' });
    const y = play('y', 0, { event_id: 'e-a' });
    const s = splitListener([x, y]);
    assert.deepEqual(
      s.test.map((p) => p.track_id),
      ['x'], // same time: e-b sorts after e-a, so it is the last play
    );
    assert.deepEqual([...s.relevant], ['x']);
    const replay = splitListener([play('x', 0), play('x', 1)]);
    assert.equal(replay.test.length, 1);
    assert.equal(replay.relevant.size, 0);
  });

  it('holds out nothing of a single play', () => {
    const s = splitListener([play('x', 0)]);
    assert.deepEqual([s.train.length, s.test.length, s.relevant.size], [1, 0, 0]);
  });
});
