/**
 * The convergence rule as properties over random concurrent edits: whatever order they are
 * delivered in (each authorized when applied: the grants come first), the playlist is the same,
 * and duplicates change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyEdit, canRead, type PlaylistEdit, type PlaylistState } from './playlist.model.js';
import { materialize } from './playlist-order.model.js';
import { encodeState } from './playlist-state.codec.js';
import {
  add,
  created,
  edit,
  fold,
  grant,
  move,
  remove,
  revoke,
} from '../../test/helpers/playlist.helper.js';

/** ana owns the playlist; bob and cai are collaborators before any concurrent edit. */
const granted = () => fold([created(), grant(2, 'ana', 'bob'), grant(3, 'ana', 'cai')]);
const FIRST = 10; // concurrent edits are uid(10), uid(11), ...

/**
 * One concurrent edit, drawn by shape: `ref` picks another edit of the set (an item or a
 * position, earlier or later in the set: the set need not be causal) or, past the end, an id
 * no edit has (a position or item that never arrives) or the head.
 */
const draft = fc.record({
  kind: fc.constantFrom(
    'add',
    'add',
    'add',
    'move',
    'move',
    'remove',
    'rename',
    'visibility',
    'grant',
    'revoke',
  ),
  author: fc.constantFrom('ana', 'bob', 'cai'),
  time: fc.integer({ min: 5_000, max: 5_006 }), // few distinct times: many ties
  ref: fc.nat(40),
  anchor: fc.nat(40),
});
type Draft = typeof draft extends fc.Arbitrary<infer T> ? T : never;

function concurrent(drafts: Draft[]): PlaylistEdit[] {
  const n = drafts.length;
  const pick = (k: number, self: number): number | null => {
    if (k % (n + 2) === n) return null; // the head
    if (k % (n + 2) === n + 1) return 999; // never arrives
    const j = k % (n + 2);
    return j === self ? null : FIRST + j;
  };
  return drafts.map((d, i) => {
    const id = FIRST + i;
    const owner = 'ana'; // renames, visibility and grants are the owner's
    switch (d.kind) {
      case 'add':
        return add(id, d.author, `t-${i}`, pick(d.anchor, i), d.time);
      case 'move':
        return move(id, d.author, pick(d.ref, i) ?? FIRST, pick(d.anchor, i), d.time);
      case 'remove':
        return remove(id, d.author, pick(d.ref, i) ?? FIRST, d.time);
      case 'rename':
        return edit(id, owner, 'RENAME', { name: `name-${d.ref}` }, d.time);
      case 'visibility':
        return edit(id, owner, 'SET_VISIBILITY', { public: d.ref % 2 === 0 }, d.time);
      case 'grant': // of dave, who makes no edit here: grants never decide this set's authorization
        return edit(id, owner, 'ADD_COLLABORATOR', { collaborator_id: 'dave' }, d.time);
      case 'revoke':
        return edit(id, owner, 'REMOVE_COLLABORATOR', { collaborator_id: 'dave' }, d.time);
      default:
        throw new Error(`unknown draft ${String(d.kind)}`);
    }
  });
}

/** A permutation of xs, by sort keys (ties by index). */
const permute = <T>(xs: readonly T[], keys: readonly number[]): T[] =>
  xs
    .map((x, i) => ({ x, k: keys[i] ?? 0, i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.x);

const view = (s: PlaylistState) => ({
  tracks: materialize(s),
  name: s.name.value,
  public: s.public.value,
  state: encodeState(s),
});

const setup = fc
  .array(draft, { minLength: 1, maxLength: 14 })
  .chain((drafts) =>
    fc.tuple(
      fc.constant(drafts),
      fc.array(fc.nat(), { minLength: drafts.length, maxLength: drafts.length }),
      fc.array(fc.nat(), { minLength: drafts.length, maxLength: drafts.length }),
    ),
  );

describe('playlist convergence (property)', () => {
  it('given authorized concurrent edits, then every delivery order gives the same playlist, its stored text included', () => {
    fc.assert(
      fc.property(setup, ([drafts, k1, k2]) => {
        const edits = concurrent(drafts);
        const a = fold(permute(edits, k1), granted());
        const b = fold(permute(edits, k2), granted());
        const inOrder = fold(edits, granted());
        assert.deepEqual(view(a), view(b));
        assert.deepEqual(view(a), view(inOrder));
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('given the same edits with some delivered again anywhere later, then the duplicates change nothing', () => {
    fc.assert(
      fc.property(
        setup,
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
        ([drafts, k1], dups) => {
          const order = permute(concurrent(drafts), k1);
          const once = fold(order, granted());
          const again = [...order];
          for (const [which, where] of dups) {
            const j = which % order.length;
            const at = j + 1 + (where % (again.length - j)); // after the first delivery
            again.splice(Math.min(at, again.length), 0, order[j]!);
          }
          let s = granted();
          let duplicates = 0;
          for (const e of again) {
            const r = applyEdit(s, e);
            assert.ok('state' in r, 'reason' in r ? r.reason : '');
            if (r.duplicate) duplicates++;
            s = r.state;
          }
          assert.equal(duplicates, again.length - order.length);
          assert.deepEqual(view(s), view(once));
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });

  it('given a DELETE among concurrent edits, then every order ends deleted, with no tracks and no reader', () => {
    fc.assert(
      fc.property(setup, fc.nat(), ([drafts, k1], at) => {
        const edits = concurrent(drafts);
        const order = permute(edits, k1);
        order.splice(at % (order.length + 1), 0, edit(9, 'ana', 'DELETE', {}, 5_003));
        let s: PlaylistState = granted();
        for (const e of order) {
          const r = applyEdit(s, e);
          if ('state' in r) s = r.state;
          else assert.match(r.reason, /was deleted/);
        }
        assert.ok(s.deleted);
        assert.deepEqual(materialize(s), []);
        assert.equal(canRead(s, 'ana'), false);
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it("given a revocation among them, then which of bob's edits count depends on arrival: authorization is by arrival, not event time", () => {
    // Stated, not a property: the one order-dependent rule. bob's add before or after his revocation.
    const bobAdd = add(20, 'bob', 't-b', null, 1);
    const revokeBob = revoke(21, 'ana', 'bob');
    const before = fold([bobAdd, revokeBob], granted());
    const afterwards = applyEdit(fold([revokeBob], granted()), bobAdd);
    assert.deepEqual(
      materialize(before).map((e) => e.track_id),
      ['t-b'],
    );
    assert.ok('reason' in afterwards);
  });
});
