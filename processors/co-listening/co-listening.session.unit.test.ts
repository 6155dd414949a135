import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoListenPair, SessionStep } from './co-listening.session.js';
import { evolveSession, sessionRules } from './co-listening.session.js';
import type { Qualified } from '../../test/helpers/co-listening.helper.js';
import { listen, MIN, play, T0 } from '../../test/helpers/co-listening.helper.js';

const pairsOf = (s: SessionStep) => s.pairs.map((p: CoListenPair) => `${p.a}+${p.b}`);
const opened = (steps: SessionStep[]) => steps.map((s) => s.sessionOpened);

describe('co-listening session: what counts', () => {
  it('given STARTED, PROGRESS and an ENDED of 29 999 ms, then nothing changes (same window, no output)', () => {
    const { window } = listen([play('t1')]);
    for (const over of [
      { phase: 'STARTED', ms_played: 0 },
      { phase: 'PROGRESS', ms_played: 45_000 },
      { ms_played: 29_999 },
    ] as const) {
      const s = evolveSession(window, play('t2', 1, over));
      assert.ok(!('reason' in s));
      assert.equal(s.qualified, false);
      assert.equal(s.window, window);
      assert.deepEqual([s.pairs, s.tracksSeen, s.sessionOpened], [[], [], false]);
    }
    assert.deepEqual(evolveSession(undefined, play('t2', 0, { ms_played: 100 })), {
      qualified: false,
      window: undefined,
      pairs: [],
      tracksSeen: [],
      sessionOpened: false,
    });
  });

  it('given an ENDED of exactly 30 000 ms after a first play, then it pairs (the 30 s line is inclusive)', () => {
    const { last } = listen([play('t1'), play('t2', 1, { ms_played: 30_000 })]);
    assert.deepEqual(pairsOf(last), ['t1+t2']);
  });

  it('given a qualified playback with an empty track_id or a bad market, then a reason, not a step', () => {
    assert.deepEqual(evolveSession(undefined, play('')), { reason: 'track_id is empty' });
    const s = evolveSession(undefined, play('t1', 0, { market: 'se' }));
    assert.match((s as { reason: string }).reason, /market "se"/);
  });

  it('given a first play, then it opens a session, its track is seen, and it pairs with nothing', () => {
    const { last } = listen([play('t1')]);
    assert.deepEqual(
      [last.sessionOpened, last.tracksSeen, last.pairs, last.month],
      [true, ['t1'], [], '2026-11'],
    );
  });

  it('given track-b then track-a, then one pair in code unit order, carrying the month and event of the second play', () => {
    const p2 = play('track-a', 5);
    const { last } = listen([play('track-b'), p2]);
    assert.deepEqual(last.pairs, [
      {
        id: `${p2.event_id}|track-b`,
        a: 'track-a',
        b: 'track-b',
        month: '2026-11',
        eventId: p2.event_id,
      },
    ]);
    assert.deepEqual([last.sessionOpened, last.tracksSeen], [false, ['track-a']]);
  });

  it('given tracks "Z" and "a" and "é", then pairs order by UTF-16 code units (Z < a < é), not locale', () => {
    const { steps } = listen([play('é'), play('a', 1), play('Z', 2)]);
    assert.deepEqual(steps.map(pairsOf), [[], ['a+é'], ['Z+é', 'Z+a']]);
  });

  it('given a track id with | and :, then the pair id URI-encodes it (ids cannot collide)', () => {
    const p2 = play('t1', 1);
    const { last } = listen([play('x|y:z'), p2]);
    assert.equal(last.pairs[0]!.id, `${p2.event_id}|x%7Cy%3Az`);
  });
});

describe('co-listening session: where a session ends', () => {
  it('given plays 30 min apart and then 30 min + 1 ms apart, then the first gap joins and the second opens a new session', () => {
    const { steps } = listen([
      play('t1', 0),
      play('t2', 30),
      play('t3', 60, { event_time: T0 + 60 * MIN + 1 }),
    ]);
    assert.deepEqual(opened(steps), [true, false, true]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], []]);
  });

  it('given a session_id change within a minute, then a new session: no pair across it', () => {
    const { steps } = listen([
      play('t1', 0),
      play('t2', 1, { session_id: 's-2' }),
      play('t3', 2, { session_id: 's-2' }),
    ]);
    assert.deepEqual(opened(steps), [true, true, false]);
    assert.deepEqual(steps.map(pairsOf), [[], [], ['t2+t3']]);
  });

  it('given plays without a session_id, then the gap rule alone; a play with one never joins them', () => {
    const none = { session_id: '' };
    const { steps } = listen([
      play('t1', 0, none),
      play('t2', 29, none),
      play('t3', 58, none),
      play('t4', 59, { session_id: 's-1' }),
      play('t5', 100, none),
    ]);
    assert.deepEqual(opened(steps), [true, false, false, true, true]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], ['t1+t3', 't2+t3'], [], []]);
  });

  it('given plays either side of a UTC month boundary in one session_id, then two sessions, each in its month', () => {
    const eom = Date.UTC(2026, 11, 1); // 2026-12-01T00:00Z
    const { steps } = listen([
      play('t1', 0, { event_time: eom - 5 * MIN }),
      play('t2', 0, { event_time: eom - 1 }),
      play('t3', 0, { event_time: eom }),
    ]);
    assert.deepEqual(opened(steps), [true, false, true]);
    assert.deepEqual(
      steps.map((s) => (s as Qualified).month),
      ['2026-11', '2026-11', '2026-12'],
    );
    assert.equal(steps[1]!.pairs[0]!.month, '2026-11');
  });
});

describe('co-listening session: out-of-order event times (partition order decides)', () => {
  it('given a late play inside the session span, then it joins and pairs, and the span is kept', () => {
    const { steps, window } = listen([
      play('t1', 0),
      play('t2', 20),
      play('t3', 50),
      play('t4', 5),
    ]);
    assert.deepEqual(opened(steps), [true, false, false, false]);
    assert.deepEqual(pairsOf(steps[3]!), ['t1+t4', 't2+t4', 't3+t4']);
    assert.deepEqual([window!.firstTime, window!.lastTime], [T0, T0 + 50 * MIN]);
  });

  it('given a late play up to 30 min before the first, then it joins and moves the start back', () => {
    const { steps, window } = listen([play('t1', 0), play('t2', -30)]);
    assert.deepEqual(opened(steps), [true, false]);
    assert.equal(window!.firstTime, T0 - 30 * MIN);
  });

  it('given a late play over 30 min before the first, then it opens its own session, and the next live play opens another', () => {
    const { steps } = listen([play('t1', 0), play('t2', 1), play('old', -31), play('t3', 2)]);
    assert.deepEqual(opened(steps), [true, false, true, true]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], [], []]);
  });

  it('given an offline burst of an earlier session after a live one, then the burst pairs among itself', () => {
    const off = { session_id: 's-off', offline: true };
    const { steps } = listen([
      play('live', 600),
      play('o1', 0, off),
      play('o2', 3, off),
      play('o3', 6, off),
    ]);
    assert.deepEqual(opened(steps), [true, true, false, false]);
    assert.deepEqual(steps.map(pairsOf), [[], [], ['o1+o2'], ['o1+o3', 'o2+o3']]);
  });
});

describe('co-listening session: the N cap and once per session', () => {
  const n2 = sessionRules({ pairWith: 2 });

  it('given N = 2 and four tracks, then the fourth pairs with the last two distinct tracks only', () => {
    const { steps } = listen([play('t1', 0), play('t2', 1), play('t3', 2), play('t4', 3)], n2);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], ['t1+t3', 't2+t3'], ['t2+t4', 't3+t4']]);
  });

  it('given N = 2 and t2 replayed, then the last N counts distinct tracks, not plays', () => {
    const { last } = listen(
      [play('t1', 0), play('t2', 1), play('t2', 2), play('t2', 3), play('t3', 4)],
      n2,
    );
    assert.deepEqual(pairsOf(last), ['t1+t3', 't2+t3']);
  });

  it('given t1 t2 t1 t2, then the pair counts once, and no track pairs with itself', () => {
    const { steps } = listen([
      play('t1', 0),
      play('t2', 1),
      play('t1', 2),
      play('t2', 3),
      play('t2', 4),
    ]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], [], [], []]);
    assert.deepEqual(
      steps.map((s) => s.tracksSeen),
      [['t1'], ['t2'], [], [], []],
    );
  });

  it('given N = 2 and t1 replayed after t4, then only its pair with t4 is new (t2, t3 were counted)', () => {
    const { last } = listen(
      [play('t1', 0), play('t2', 1), play('t3', 2), play('t4', 3), play('t1', 4)],
      n2,
    );
    assert.deepEqual(pairsOf(last), ['t1+t4']);
    assert.deepEqual(last.tracksSeen, []);
  });

  it('given the same two tracks in the next session, then the pair counts again (once per session)', () => {
    const { steps } = listen([play('t1', 0), play('t2', 1), play('t1', 60), play('t2', 61)]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], [], ['t1+t2']]);
  });
});

describe('co-listening session: the caps', () => {
  it('given maxTracksPerSession 3, then a fourth distinct track opens a new session (same session_id) that pairs on', () => {
    const r = sessionRules({ maxTracksPerSession: 3 });
    const { steps, window } = listen(
      [play('t1', 0), play('t2', 1), play('t3', 2), play('t1', 3), play('t4', 4), play('t5', 5)],
      r,
    );
    assert.deepEqual(opened(steps), [true, false, false, false, true, false]);
    assert.deepEqual(steps.map(pairsOf)[5], ['t4+t5']);
    assert.deepEqual([window!.sessionId, window!.tracks], ['s-1', ['t4', 't5']]);
  });

  it('given maxPairsPerSession 2, then the play that would count a third pair opens a new session; a replay adding none does not', () => {
    const r = sessionRules({ maxPairsPerSession: 2 });
    const { steps } = listen(
      [play('t1', 0), play('t2', 1), play('t1', 2), play('t3', 3), play('t4', 4)],
      r,
    );
    assert.deepEqual(opened(steps), [true, false, false, true, false]);
    assert.deepEqual(steps.map(pairsOf), [[], ['t1+t2'], [], [], ['t3+t4']]);
  });

  it('given invalid rules, then a programming error is thrown', () => {
    assert.throws(() => sessionRules({ pairWith: 0 }), /pairWith 0/);
    assert.throws(() => sessionRules({ maxGapMs: -1 }), /maxGapMs -1/);
    assert.throws(() => sessionRules({ maxTracksPerSession: 1.5 }), /maxTracksPerSession/);
  });
});
