/**
 * The playlists projection over an in-memory Redis with the sink's semantics: given stored
 * states and applied ids, when a batch of edits is planned and applied, then the stored state,
 * the views and the listeners' index sets. Its effectively-once argument is a property: however
 * the edit stream is cut into batches, redelivered or duplicated, the stored values are the
 * same as for one batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createMemoryRedis, type MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import {
  playlistsKeys as K,
  type PlaylistSummary,
  type PlaylistTrackRow,
} from '../../read-models/playlists/playlists.keys.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import {
  PLAYLIST,
  add,
  created,
  edit,
  grant,
  move,
  remove,
  revoke,
  uid,
} from '../../test/helpers/playlist.helper.js';
import type { AnyEnvelope } from '../runtime/processor.types.js';
import type { PlaylistEdit } from './playlist.model.js';
import { playlistsProjection } from './playlists.projection.js';

const base = validEvents(0)['playlist-edit'];
const env = (e: PlaylistEdit, offset = 0): AnyEnvelope =>
  envelope('playlist-edit', { ...base, ...e, received_time: e.event_time }, { offset });

/** Plans `edits` as one batch over `memory`'s state, applies it, and answers plan and outcomes. */
function deliver(memory: MemoryRedis, edits: readonly (PlaylistEdit | AnyEnvelope)[]) {
  const batch = edits.map((e, i) => ('type' in e && 'topic' in e ? e : env(e as PlaylistEdit, i)));
  const keys = playlistsProjection.stateKeys!(batch);
  const ids = batch.map((b) => (b.event as { event_id: string }).event_id);
  const state = {
    values: new Map(keys.map((k) => [k, memory.get(k)])),
    seen: new Set(ids.filter((id) => memory.seen(id))),
  };
  const { plan, outcomes } = playlistsProjection.plan(batch, state);
  memory.apply(plan);
  return { plan, outcomes, kinds: outcomes.map((o) => o.kind) };
}

const summary = (m: MemoryRedis, pid = PLAYLIST) =>
  JSON.parse(m.get(K.summary(pid)) ?? 'null') as PlaylistSummary | null;
const tracks = (m: MemoryRedis, pid = PLAYLIST) =>
  (JSON.parse(m.get(K.tracks(pid)) ?? '[]') as PlaylistTrackRow[]).map((r) => r[2]);
const snapshot = (m: MemoryRedis) =>
  Object.fromEntries(
    m.keys().map((k) => [k, m.type(k) === 'set' ? m.smembers(k).join(',') : m.get(k)]),
  );

describe('playlists projection', () => {
  it("given nothing, when ana creates a playlist, then its state, summary, empty tracks and ana's owned set", () => {
    const m = createMemoryRedis();
    const { kinds } = deliver(m, [created()]);
    assert.deepEqual(kinds, ['ok']);
    assert.deepEqual(summary(m), {
      playlist_id: PLAYLIST,
      name: 'Road trip',
      owner: 'ana',
      public: false,
      collaborators: [],
      track_count: 0,
      created_at: 1000,
      updated_at: 1000,
      deleted: false,
    });
    assert.deepEqual(tracks(m), []);
    assert.deepEqual(m.smembers(K.owned('ana')), [PLAYLIST]);
    assert.ok(m.get(K.state(PLAYLIST))!.startsWith('{"v":1,'));
  });

  it('given edits of one playlist in one batch, then they chain through the plan and one state is written, with the last edit', () => {
    const m = createMemoryRedis();
    // A at the head, C after A, B after A (newest first: B before C), then A moved after C.
    const batch = [
      created(),
      add(2, 'ana', 'A', null),
      add(3, 'ana', 'C', 2),
      add(4, 'ana', 'B', 2),
      move(5, 'ana', 2, 3),
    ];
    const { plan, kinds } = deliver(m, batch);
    assert.deepEqual(kinds, ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(
      plan.events.map((e) => e.ops.length),
      [0, 0, 0, 0, 4],
    );
    assert.deepEqual(tracks(m), ['B', 'C', 'A']);
    assert.equal(summary(m)!.track_count, 3);
    assert.equal(summary(m)!.updated_at, 5000);
  });

  it('given a playlist in the store, when later batches add and remove, then they build on the stored state', () => {
    const m = createMemoryRedis();
    deliver(m, [created(), add(2, 'ana', 'A', null)]);
    deliver(m, [add(3, 'ana', 'B', 2)]);
    assert.deepEqual(tracks(m), ['A', 'B']);
    deliver(m, [remove(4, 'ana', 2, 9000)]);
    assert.deepEqual(tracks(m), ['B']);
    // A remove makes no position, but its event time still counts as the last update.
    assert.equal(summary(m)!.updated_at, 9000);
  });

  it("given a grant and a revocation, then the collaborator's index set follows, and the collaborator may edit in between", () => {
    const m = createMemoryRedis();
    deliver(m, [created(), grant(2, 'ana', 'bob')]);
    assert.deepEqual(m.smembers(K.collaborating('bob')), [PLAYLIST]);
    assert.deepEqual(summary(m)!.collaborators, ['bob']);
    assert.deepEqual(deliver(m, [add(3, 'bob', 'X', null)]).kinds, ['ok']);
    deliver(m, [revoke(4, 'ana', 'bob')]);
    assert.deepEqual(m.smembers(K.collaborating('bob')), []);
    assert.equal(m.type(K.collaborating('bob')), 'none');
    assert.deepEqual(tracks(m), ['X']);
  });

  it('given a playlist, when someone else edits it, then the edit is dead-lettered naming the rule and nothing changes', () => {
    const m = createMemoryRedis();
    deliver(m, [created()]);
    const before = snapshot(m);
    const { plan, outcomes } = deliver(m, [
      add(2, 'eve', 'X', null),
      edit(3, 'eve', 'RENAME', { name: 'mine' }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'dlq' ? o.reason : o.kind)),
      [
        `eve may not edit playlist ${PLAYLIST}: only its owner and collaborators may`,
        `eve may not RENAME playlist ${PLAYLIST}: only its owner may`,
      ],
    );
    // Recorded, with no ops: a copy of either is not judged again.
    assert.deepEqual(
      plan.events.map((e) => e.ops),
      [[], []],
    );
    assert.deepEqual(snapshot(m), before);
  });

  it('given a refused edit, when a copy of it arrives after a grant, then the first verdict stands: ok, nothing applied', () => {
    const m = createMemoryRedis();
    const early = add(2, 'bob', 'X', null);
    assert.deepEqual(deliver(m, [created(), early]).kinds, ['ok', 'dlq']);
    deliver(m, [grant(3, 'ana', 'bob')]);
    const { kinds, plan } = deliver(m, [{ ...early }]);
    assert.deepEqual([kinds, plan.events], [['ok'], []]);
    assert.deepEqual(tracks(m), []);
  });

  it('given a refusal in the middle of a batch, then the edits around it still apply', () => {
    const m = createMemoryRedis();
    const { kinds } = deliver(m, [
      created(),
      add(2, 'ana', 'A', null),
      add(3, 'eve', 'X', null),
      add(4, 'ana', 'B', 2),
    ]);
    assert.deepEqual(kinds, ['ok', 'ok', 'dlq', 'ok']);
    assert.deepEqual(tracks(m), ['A', 'B']);
  });

  it('given no CREATE, an edit is dead-lettered (does not exist) and nothing is written', () => {
    const m = createMemoryRedis();
    const { outcomes } = deliver(m, [add(2, 'ana', 'A', null)]);
    assert.equal(outcomes[0]!.kind, 'dlq');
    assert.match((outcomes[0] as { reason: string }).reason, /does not exist/);
    assert.deepEqual(m.keys(), []);
  });

  it('given a delete, then the index sets are emptied, the summary says deleted with no tracks, and later edits are dead-lettered', () => {
    const m = createMemoryRedis();
    deliver(m, [created(), grant(2, 'ana', 'bob'), add(3, 'bob', 'A', null)]);
    deliver(m, [edit(4, 'ana', 'DELETE')]);
    assert.deepEqual([m.type(K.owned('ana')), m.type(K.collaborating('bob'))], ['none', 'none']);
    assert.deepEqual([summary(m)!.deleted, summary(m)!.track_count, tracks(m)], [true, 0, []]);
    const { outcomes } = deliver(m, [add(5, 'ana', 'B', null)]);
    assert.match((outcomes[0] as { reason: string }).reason, /was deleted/);
  });

  it('given a limit the model enforces (a blank CREATE field), then the reason is dead-lettered', () => {
    const m = createMemoryRedis();
    const { outcomes } = deliver(m, [{ ...created(), name: null }]);
    assert.deepEqual(outcomes, [{ kind: 'dlq', reason: 'CREATE needs name' }]);
  });

  it('given a batch already applied, when it is redelivered, or an edit comes again at a new offset, then ok with no ops', () => {
    const m = createMemoryRedis();
    const batch = [created(), add(2, 'ana', 'A', null)];
    deliver(m, batch);
    const before = snapshot(m);
    const again = deliver(m, batch);
    assert.deepEqual(again.kinds, ['ok', 'ok']);
    assert.deepEqual(again.plan.events, []);
    // Past the sink's dedup window: the model itself knows the id (duplicate: true).
    const fresh = createMemoryRedis();
    deliver(fresh, batch);
    const values = new Map([
      [K.state(PLAYLIST), fresh.get(K.state(PLAYLIST))],
      [K.summary(PLAYLIST), fresh.get(K.summary(PLAYLIST))],
    ]);
    const r = playlistsProjection.plan([env(add(2, 'ana', 'A', null), 7)], {
      values,
      seen: new Set(),
    });
    assert.deepEqual(r.outcomes, [{ kind: 'ok' }]);
    assert.deepEqual(r.plan.events, []);
    assert.deepEqual(snapshot(m), before);
  });

  it('given an edit twice in one batch, then it applies once', () => {
    const m = createMemoryRedis();
    const a = add(2, 'ana', 'A', null);
    const { kinds, plan } = deliver(m, [created(), a, { ...a }]);
    assert.deepEqual(kinds, ['ok', 'ok', 'ok']);
    assert.equal(plan.events.length, 2);
    assert.deepEqual(tracks(m), ['A']);
  });

  it('given a stored state that does not decode, then its edits are dead-lettered, the key reported and nothing replaced', () => {
    const m = createMemoryRedis();
    m.apply({ events: [{ id: 'x', ops: [['set', K.state(PLAYLIST), 'not a state', 0]] }] });
    const { plan, outcomes } = deliver(m, [add(2, 'ana', 'A', null)]);
    assert.equal(outcomes[0]!.kind, 'dlq');
    assert.match((outcomes[0] as { reason: string }).reason, /unreadable/);
    assert.deepEqual(plan.corrupt, [K.state(PLAYLIST)]);
    assert.equal(m.get(K.state(PLAYLIST)), 'not a state');
  });

  it('given another event type, then it is dead-lettered', () => {
    const m = createMemoryRedis();
    const p = envelope('playback', validEvents(0).playback);
    assert.deepEqual(deliver(m, [p]).kinds, ['dlq']);
  });

  it('two playlists in one batch keep apart: each its own state and index', () => {
    const m = createMemoryRedis();
    const other = uid(50);
    deliver(
      m,
      [
        created(),
        edit(50, 'bob', 'CREATE', { playlist_id: other, name: 'Gym', public: true }),
        add(51, 'bob', 'G', null),
      ].map((e) => (e.event_id === uid(51) ? { ...e, playlist_id: other } : e)),
    );
    assert.deepEqual(m.smembers(K.owned('bob')), [other]);
    assert.deepEqual(tracks(m, other), ['G']);
    assert.deepEqual(tracks(m), []);
  });
});

/** Random edits of two playlists by ana (owner), bob (granted, sometimes revoked) and eve. */
function streamArb() {
  const P2 = uid(999);
  const step = fc.record({
    playlist: fc.constantFrom(PLAYLIST, P2),
    user: fc.constantFrom('ana', 'ana', 'bob', 'eve'),
    kind: fc.constantFrom(
      'add',
      'add',
      'add',
      'move',
      'remove',
      'grant',
      'revoke',
      'rename',
      'delete',
    ),
    ref: fc.nat(),
    dt: fc.integer({ min: -3, max: 5 }),
  });
  return fc.array(step, { minLength: 1, maxLength: 40 }).map((steps) => {
    const out: PlaylistEdit[] = [
      created(),
      edit(2, 'ana', 'CREATE', { playlist_id: P2, name: 'Two', public: true }),
    ].map((e) => (e.event_id === uid(2) ? { ...e, event_id: P2 } : e));
    const made = new Map<string, number[]>([
      [PLAYLIST, []],
      [P2, []],
    ]);
    let t = 10_000;
    steps.forEach((s, i) => {
      const n = 10 + i;
      t += s.dt * 100;
      const positions = made.get(s.playlist)!;
      const pick = () => (positions.length ? positions[s.ref % positions.length]! : null);
      const over = { playlist_id: s.playlist };
      const at = (e: PlaylistEdit): PlaylistEdit => ({ ...e, ...over, event_time: t });
      switch (s.kind) {
        case 'add':
          out.push(at(add(n, s.user, `t${s.ref % 7}`, pick())));
          positions.push(n);
          break;
        case 'move': {
          const item = pick();
          if (item !== null) out.push(at(move(n, s.user, item, s.ref % 2 ? pick() : null)));
          positions.push(n);
          break;
        }
        case 'remove': {
          const item = pick();
          if (item !== null) out.push(at(remove(n, s.user, item)));
          break;
        }
        case 'grant':
          out.push(at(grant(n, s.user, 'bob')));
          break;
        case 'revoke':
          out.push(at(revoke(n, s.user, 'bob')));
          break;
        case 'rename':
          out.push(at(edit(n, s.user, 'RENAME', { name: `name ${n}` })));
          break;
        case 'delete':
          if (s.ref % 5 === 0) out.push(at(edit(n, s.user, 'DELETE')));
          break;
      }
    });
    return out;
  });
}

describe('playlists projection: properties', () => {
  it('for any edit stream, cut into any batches, each redelivered, with duplicates, the same stored values and outcomes as one batch', () => {
    fc.assert(
      fc.property(
        streamArb(),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (edits, cuts, dups) => {
          const one = createMemoryRedis();
          const reference = deliver(one, edits).outcomes;
          const stream: (PlaylistEdit & { dup?: true })[] = [...edits];
          for (const d of dups) {
            const original = edits[d % edits.length]!;
            const after = stream.indexOf(original) + 1;
            stream.splice(after + (d % (stream.length - after + 1)), 0, { ...original, dup: true });
          }
          const m = createMemoryRedis();
          const outcomes: typeof reference = [];
          for (let i = 0, c = 0; i < stream.length; c++) {
            const batch = stream.slice(i, i + cuts[c % cuts.length]!);
            const first = deliver(m, batch);
            const again = deliver(m, batch);
            assert.deepEqual(again.plan.events, [], 'a redelivered batch plans nothing');
            batch.forEach((e, k) => {
              // A copy comes after its original: the first delivery's verdict stands.
              if (e.dup) assert.deepEqual(first.outcomes[k], { kind: 'ok' });
              else outcomes.push(first.outcomes[k]!);
            });
            i += batch.length;
          }
          assert.deepEqual(outcomes, reference);
          assert.deepEqual(snapshot(m), snapshot(one));
        },
      ),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it("for the owner's concurrent edits from several devices in any arrival order (after the CREATE), the same tracks and state", () => {
    fc.assert(
      fc.property(
        streamArb().map((s) => s.filter((e) => e.user_id === 'ana' && e.op !== 'DELETE')),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        (edits, picks) => {
          const [c1, c2, ...rest] = edits;
          const one = createMemoryRedis();
          deliver(one, edits);
          const shuffled = [...rest];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = picks[i % picks.length]! % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const m = createMemoryRedis();
          deliver(m, [c1!, c2!]);
          for (let i = 0; i < shuffled.length; i += 3) deliver(m, shuffled.slice(i, i + 3));
          assert.deepEqual(snapshot(m), snapshot(one));
        },
      ),
      { seed: 20261203, numRuns: 200 },
    );
  });
});
