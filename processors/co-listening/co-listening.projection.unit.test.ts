/**
 * The co-listening projection over an in-memory Redis with the sink's semantics: given stored
 * windows and applied ids, when a batch is planned and applied, then the rows for ClickHouse
 * and the windows. Its effectively-once argument is a property: however a listener's plays are
 * cut into batches, re-planned after a redelivery or duplicated, the set of row ids and the
 * final windows are the same as for one batch of the distinct plays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createMemoryRedis, type MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import { coListeningKeys as K } from '../../read-models/co-listening/co-listening.keys.js';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { play } from '../../test/helpers/co-listening.helper.js';
import { coListeningProjection, type CoListeningRows } from './co-listening.projection.js';
import { decodeWindow } from './co-listening.session.js';

/** Plans `plays` as one batch over `memory`'s state, applies it, and returns rows and outcomes. */
function deliver(memory: MemoryRedis, plays: PlaybackEvent[]) {
  const batch = plays.map((p, i) => envelope('playback', p, { partition: 0, offset: i }));
  const keys = coListeningProjection.stateKeys!(batch);
  const state = {
    values: new Map(keys.map((k) => [k, memory.get(k)])),
    seen: new Set(plays.map((p) => p.event_id).filter((id) => memory.seen(id))),
  };
  const { plan, outcomes } = coListeningProjection.plan(batch, state);
  memory.apply(plan.redis);
  return { rows: plan.rows, outcomes, corrupt: plan.corrupt };
}

const ids = (rows: CoListeningRows) => ({
  pairs: rows.pairs.map((r) => `${r.month}|${r.track_a}|${r.track_b}|${r.pair_id}`).sort(),
  tracks: rows.tracks.map((r) => `${r.month}|${r.track_id}|${r.event_id}`).sort(),
  sessions: rows.sessions.map((r) => `${r.month}|${r.event_id}`).sort(),
});
const merge = (all: CoListeningRows[]): CoListeningRows => ({
  pairs: all.flatMap((r) => r.pairs),
  tracks: all.flatMap((r) => r.tracks),
  sessions: all.flatMap((r) => r.sessions),
});
const distinct = (r: ReturnType<typeof ids>) => ({
  pairs: [...new Set(r.pairs)],
  tracks: [...new Set(r.tracks)],
  sessions: [...new Set(r.sessions)],
});

describe('co-listening projection', () => {
  it('given no window, when a listener plays A, B, C in one session, then 3 pairs, 3 first plays, 1 session and the window', () => {
    const memory = createMemoryRedis();
    const plays = [play('A', 0), play('B', 5), play('C', 10)];
    const { rows, outcomes } = deliver(memory, plays);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['ok', 'ok', 'ok'],
    );
    assert.deepEqual(
      rows.pairs.map((p) => [p.track_a, p.track_b]),
      [
        ['A', 'B'],
        ['A', 'C'],
        ['B', 'C'],
      ],
    );
    assert.equal(rows.tracks.length, 3);
    assert.deepEqual(rows.sessions, [{ month: '2026-11', event_id: plays[0]!.event_id }]);
    const w = decodeWindow(memory.get(K.window(plays[0]!.user_id, plays[0]!.device_id))!);
    assert.ok(!('reason' in w));
    assert.deepEqual(w.tracks, ['A', 'B', 'C']);
  });

  it('given the window of A, B, when C arrives in a later batch, then C pairs with both and no session opens', () => {
    const memory = createMemoryRedis();
    deliver(memory, [play('A', 0), play('B', 5)]);
    const { rows } = deliver(memory, [play('C', 10)]);
    assert.deepEqual(
      rows.pairs.map((p) => [p.track_a, p.track_b]),
      [
        ['A', 'C'],
        ['B', 'C'],
      ],
    );
    assert.deepEqual(rows.sessions, []);
  });

  it('given a batch already applied, when it is delivered again, then nothing changes and nothing is emitted', () => {
    const memory = createMemoryRedis();
    const plays = [play('A', 0), play('B', 5)];
    deliver(memory, plays);
    const before = memory.get(K.window(plays[0]!.user_id, plays[0]!.device_id));
    const again = deliver(memory, plays);
    assert.deepEqual(again.rows, { pairs: [], tracks: [], sessions: [] });
    assert.equal(memory.get(K.window(plays[0]!.user_id, plays[0]!.device_id)), before);
  });

  it('given a play twice in one batch, then it counts once', () => {
    const memory = createMemoryRedis();
    const b = play('B', 5);
    const { rows } = deliver(memory, [play('A', 0), b, { ...b }]);
    assert.equal(rows.pairs.length, 1);
    assert.equal(rows.tracks.length, 2);
  });

  it('given plays that do not qualify, then they change nothing; one that can never count is dead-lettered', () => {
    const memory = createMemoryRedis();
    const { rows, outcomes } = deliver(memory, [
      play('A', 0, { ms_played: 10_000 }),
      play('B', 1, { phase: 'STARTED' }),
      play('', 2),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['ok', 'ok', 'dlq'],
    );
    assert.deepEqual(rows, { pairs: [], tracks: [], sessions: [] });
    assert.deepEqual(memory.keys(), []);
  });

  it('given a stored window that does not decode, then the play opens a fresh session and the listener is reported', () => {
    const memory = createMemoryRedis();
    const p = play('A', 0);
    memory.apply({
      events: [{ id: 'x', ops: [['set', K.window(p.user_id, p.device_id), 'not a window', 0]] }],
    });
    const { rows, corrupt } = deliver(memory, [p]);
    assert.deepEqual(corrupt, [K.window(p.user_id, p.device_id)]);
    assert.equal(rows.sessions.length, 1);
  });

  it('for any plays of several listeners, cut into any batches, redelivered and duplicated, the same distinct rows and windows as one batch', () => {
    const playArb = fc.record({
      user: fc.constantFrom('u1', 'u2', 'u3'),
      device: fc.constantFrom('d1', 'd2'),
      track: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
      gapMin: fc.integer({ min: 0, max: 45 }),
      short: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(playArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (specs, cuts, dups) => {
          let t = 0;
          const plays = specs.map((s) => {
            t += s.gapMin;
            return play(s.track, t, {
              user_id: s.user,
              device_id: s.device,
              ...(s.short ? { ms_played: 1000 } : {}),
            });
          });
          const one = createMemoryRedis();
          const reference = ids(deliver(one, plays).rows);
          // The same plays, with duplicates inserted after their originals, in batches of the cut sizes, each
          // batch delivered twice (a redelivery after a lost commit).
          const stream = [...plays];
          for (const d of dups) {
            // A duplicate comes after its original (the first delivery of an event_id wins).
            const original = plays[d % plays.length]!;
            const after = stream.indexOf(original) + 1;
            stream.splice(after + (d % (stream.length - after + 1)), 0, { ...original });
          }
          const memory = createMemoryRedis();
          const out: CoListeningRows[] = [];
          for (let i = 0, c = 0; i < stream.length; c++) {
            const n = cuts[c % cuts.length]!;
            const batch = stream.slice(i, i + n);
            out.push(deliver(memory, batch).rows, deliver(memory, batch).rows);
            i += n;
          }
          assert.deepEqual(distinct(ids(merge(out))), reference);
          assert.deepEqual(memory.keys(), one.keys());
          for (const k of one.keys()) assert.equal(memory.get(k), one.get(k), `window ${k}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("for any interleaving of one listener's devices (each device in its own order), the same rows and windows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('d1', 'd2', 'd3'), fc.constantFrom('A', 'B', 'C', 'D')), {
          minLength: 1,
          maxLength: 24,
        }),
        fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
        (specs, picks) => {
          const plays = specs.map(([device, track], i) =>
            play(track, i * 3, { device_id: device }),
          );
          const one = createMemoryRedis();
          const reference = ids(deliver(one, plays).rows);
          // Another order: repeatedly take the next play of a device picked at random.
          const queues = new Map<string, PlaybackEvent[]>();
          for (const p of plays) queues.set(p.device_id, [...(queues.get(p.device_id) ?? []), p]);
          const order: PlaybackEvent[] = [];
          for (let k = 0; order.length < plays.length; k++) {
            const open = [...queues.values()].filter((q) => q.length);
            order.push(open[picks[k % picks.length]! % open.length]!.shift()!);
          }
          const memory = createMemoryRedis();
          const out = order.map((p) => deliver(memory, [p]).rows);
          assert.deepEqual(distinct(ids(merge(out))), reference);
          for (const k of one.keys()) assert.equal(memory.get(k), one.get(k), `window ${k}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
