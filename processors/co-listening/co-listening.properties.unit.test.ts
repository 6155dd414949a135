import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { SessionRules, SessionStep, SessionWindow } from './co-listening.session.js';
import {
  DEFAULT_SESSION_RULES,
  decodeWindow,
  encodeWindow,
  evolveSession,
  sessionRules,
} from './co-listening.session.js';
import { utcMonth } from './co-listening.window.js';

const RUNS = { seed: 20261202, numRuns: 300 };
/** 2026-11-30 23:30 UTC: many sequences cross into December within a session. */
const T0 = Date.UTC(2026, 10, 30, 23, 30);
const MIN = 60_000;
const base = validEvents(T0).playback;

/** One delivered playback: the track, the step of event time, a session_id switch, its kind. */
const step = fc.record({
  track: fc.constantFrom('t0', 't1', 't2', 't3', 't4', 't5', 't6', 'Z'),
  dt: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 10 }) },
    { weight: 1, arbitrary: fc.integer({ min: -45, max: 45 }) },
    { weight: 1, arbitrary: fc.constant(24 * 60) },
  ),
  switchTo: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('s1', 's2', '') },
  ),
  kind: fc.constantFrom('qualified', 'qualified', 'qualified', 'qualified', 'short', 'started'),
});

const rulesArb = fc.oneof(
  fc.constant(DEFAULT_SESSION_RULES),
  fc
    .record({
      pairWith: fc.integer({ min: 1, max: 4 }),
      maxTracksPerSession: fc.integer({ min: 1, max: 7 }),
      maxPairsPerSession: fc.integer({ min: 0, max: 14 }),
    })
    .map((r) => sessionRules(r)),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function events(steps: Step[]): PlaybackEvent[] {
  let time = T0;
  let session = 's1';
  return steps.map((s, i) => {
    time = Math.max(0, time + s.dt * MIN + i); // + i ms: distinct times, same minutes
    session = s.switchTo ?? session;
    return {
      ...base,
      event_id: `e-${i}`,
      event_time: time,
      received_time: time,
      session_id: session,
      track_id: s.track,
      phase: s.kind === 'started' ? 'STARTED' : 'ENDED',
      ms_played: s.kind === 'short' ? 29_999 : 30_000 + i,
    };
  });
}

/** The session rule with plain sets and arrays: the reference the bitset window must match. */
interface Model {
  id: string;
  first: number;
  last: number;
  tracks: string[];
  recency: string[];
  pairs: Set<string>;
}
const key = (x: string, y: string) => (x < y ? `${x}+${y}` : `${y}+${x}`);

function modelStep(m: Model | undefined, e: PlaybackEvent, r: SessionRules) {
  const t = e.track_id;
  const open = (): [Model, string[], boolean] => [
    {
      id: e.session_id,
      first: e.event_time,
      last: e.event_time,
      tracks: [t],
      recency: [t],
      pairs: new Set(),
    },
    [],
    true,
  ];
  const joins =
    m !== undefined &&
    m.id === e.session_id &&
    e.event_time >= m.first - r.maxGapMs &&
    e.event_time <= m.last + r.maxGapMs &&
    utcMonth(e.event_time) === utcMonth(m.first);
  if (!joins) return open();
  const isNew = !m.tracks.includes(t);
  if (isNew && m.tracks.length >= r.maxTracksPerSession) return open();
  const fresh = m.recency
    .filter((x) => x !== t)
    .slice(-r.pairWith)
    .filter((x) => !m.pairs.has(key(x, t)));
  if (m.pairs.size + fresh.length > r.maxPairsPerSession) return open();
  const next: Model = {
    id: m.id,
    first: Math.min(m.first, e.event_time),
    last: Math.max(m.last, e.event_time),
    tracks: isNew ? [...m.tracks, t] : m.tracks,
    recency: [...m.recency.filter((x) => x !== t), t].slice(-r.pairWith),
    pairs: new Set([...m.pairs, ...fresh.map((x) => key(x, t))]),
  };
  return [next, fresh.map((x) => key(x, t)), false] as const;
}

describe('co-listening session: properties over any delivered sequence', () => {
  it('no pair twice in a session, both tracks played (and seen) in it, within the caps; equal to the plain-set model and through Redis encoding', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), rulesArb, (steps, rules) => {
        let window: SessionWindow | undefined;
        let model: Model | undefined;
        let emitted = new Set<string>();
        let seen = new Set<string>();
        let played = new Set<string>();
        for (const e of events(steps)) {
          const s = evolveSession(window, e, rules) as SessionStep;
          assert.ok(!('reason' in s));
          if (window) {
            // what Redis would hand back: the same step from the decoded window
            const stored = decodeWindow(encodeWindow(window));
            assert.ok(!('reason' in stored), 'reason' in stored ? stored.reason : '');
            assert.deepEqual(evolveSession(stored, e, rules), s);
          }
          if (!s.qualified) {
            assert.equal(s.window, window);
            assert.deepEqual([s.pairs, s.tracksSeen, s.sessionOpened], [[], [], false]);
            continue;
          }
          const [m, modelPairs, modelOpened] = modelStep(model, e, rules);
          model = m;
          if (s.sessionOpened) {
            emitted = new Set();
            seen = new Set();
            played = new Set();
          }
          assert.equal(s.sessionOpened, modelOpened);
          assert.deepEqual(
            s.pairs.map((p) => `${p.a}+${p.b}`),
            modelPairs,
          );
          assert.deepEqual(s.tracksSeen, played.has(e.track_id) ? [] : [e.track_id]);
          played.add(e.track_id);
          for (const t of s.tracksSeen) seen.add(t);
          assert.ok(s.pairs.length <= rules.pairWith);
          for (const p of s.pairs) {
            const k = `${p.a}+${p.b}`;
            assert.ok(p.a < p.b, `${k} not in code unit order`);
            assert.ok(!emitted.has(k), `${k} counted twice in one session`);
            assert.ok(
              played.has(p.a) && played.has(p.b),
              `${k}: a track not played in the session`,
            );
            assert.ok(seen.has(p.a) && seen.has(p.b), `${k}: a track not counted as seen`);
            assert.ok(p.a === e.track_id || p.b === e.track_id);
            assert.equal(p.month, utcMonth(e.event_time));
            assert.equal(p.month, utcMonth(s.window.firstTime));
            assert.equal(p.eventId, e.event_id);
            emitted.add(k);
          }
          assert.ok(emitted.size <= rules.maxPairsPerSession);
          assert.ok(seen.size <= rules.maxTracksPerSession);
          assert.equal(s.window.pairCount, emitted.size);
          assert.deepEqual(s.window.tracks, model.tracks);
          window = s.window;
        }
      }),
      RUNS,
    );
  });
});
