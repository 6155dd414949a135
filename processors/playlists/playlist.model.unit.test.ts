import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_COLLABORATORS,
  MAX_EDITS,
  MAX_ITEMS,
  applyEdit,
  canRead,
  collaboratorsOf,
  type PlaylistEdit,
  type PlaylistState,
} from './playlist.model.js';
import { materialize, page } from './playlist-order.model.js';
import { encodeState } from './playlist-state.codec.js';
import {
  PLAYLIST,
  add,
  created,
  edit,
  fold,
  grant,
  move,
  refusal,
  remove,
  revoke,
  uid,
} from '../../test/helpers/playlist.helper.js';

const tracks = (s: PlaylistState) => materialize(s).map((e) => e.track_id);
/** ana's playlist with c, a, b: a at the head (2), b after a (3), c at the head later (4). */
const cab = () =>
  fold([
    created(),
    add(2, 'ana', 't-a', null),
    add(3, 'ana', 't-b', 2),
    add(4, 'ana', 't-c', null),
  ]);
/** Every order of the edits gives these tracks. */
function inEveryOrder(base: PlaylistState, edits: PlaylistEdit[], want: string[]) {
  const orders = (xs: PlaylistEdit[]): PlaylistEdit[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r]));
  for (const order of orders(edits))
    assert.deepEqual(tracks(fold(order, base)), want, order.map((e) => e.event_id).join(' '));
}

describe('playlist model: create', () => {
  it('given no playlist, when ana creates one, then she owns it, named and private, with no tracks', () => {
    const s = fold([created()]);
    assert.equal(s.owner, 'ana');
    assert.equal(s.name.value, 'Road trip');
    assert.equal(s.public.value, false);
    assert.deepEqual(collaboratorsOf(s), []);
    assert.deepEqual(materialize(s), []);
    assert.equal(canRead(s, 'ana'), true);
    assert.equal(canRead(s, 'zed'), false);
  });

  it('given a CREATE whose playlist_id is not its event_id, or one without a name, then it is refused', () => {
    assert.match(
      refusal(undefined, { ...created(), playlist_id: uid(9) }),
      /playlist_id must be its own event_id/,
    );
    assert.equal(refusal(undefined, { ...created(), name: null }), 'CREATE needs name');
  });

  it('given a playlist, when another CREATE of it comes, then it is refused; the same CREATE again is a duplicate', () => {
    const s = fold([created()]);
    assert.match(refusal(s, { ...created(), event_id: uid(1).toUpperCase() }), /already exists/);
    assert.deepEqual(applyEdit(s, created()), { state: s, duplicate: true });
  });

  it('given no playlist, when any other edit comes, then it is refused', () => {
    assert.equal(
      refusal(undefined, add(2, 'ana', 't-a', null)),
      `playlist ${PLAYLIST} does not exist (no CREATE applied)`,
    );
  });

  it('given an edit of another playlist, then it is a bug (the projection keys state by playlist)', () => {
    assert.throws(
      () => applyEdit(fold([created()]), { ...add(2, 'ana', 't', null), playlist_id: uid(7) }),
      {
        code: 'INTERNAL',
      },
    );
  });
});

describe('playlist model: add, move, remove', () => {
  it('given adds at the head and after an item, then each stands right after its position, the newest first', () => {
    const s = cab();
    assert.deepEqual(tracks(s), ['t-c', 't-a', 't-b']);
    assert.deepEqual(materialize(s)[1], {
      item_id: uid(2),
      position_id: uid(2),
      track_id: 't-a',
      added_by: 'ana',
      added_at: 2000,
    });
  });

  it('given concurrent adds after one position, then they order by event time, then event id, newest first, in every arrival order', () => {
    // After a (2): b (3000), x (uid 5, 9000), y (uid 6, 9000), z (uid 7, 8500).
    inEveryOrder(
      cab(),
      [add(5, 'ana', 't-x', 2, 9000), add(6, 'ana', 't-y', 2, 9000), add(7, 'ana', 't-z', 2, 8500)],
      ['t-c', 't-a', 't-y', 't-x', 't-z', 't-b'],
    );
  });

  it('given a move of b to the head, then b stands first at its new position, and an add after its old position stands where b was', () => {
    const moved = fold([move(5, 'ana', 3, null)], cab());
    assert.deepEqual(tracks(moved), ['t-b', 't-c', 't-a']);
    assert.equal(materialize(moved)[0]!.position_id, uid(5));
    assert.deepEqual(tracks(fold([add(6, 'ana', 't-d', 3)], moved)), ['t-b', 't-c', 't-a', 't-d']);
  });

  it('given two concurrent moves of one item, then the later one (event time, then event id) wins, in every arrival order', () => {
    // Both at 7000: uid 6 (to the head) beats uid 5 (after c).
    inEveryOrder(
      cab(),
      [move(5, 'ana', 3, 4, 7000), move(6, 'ana', 3, null, 7000)],
      ['t-b', 't-c', 't-a'],
    );
    // uid 5 a millisecond later wins.
    inEveryOrder(
      cab(),
      [move(5, 'ana', 3, 4, 7001), move(6, 'ana', 3, null, 7000)],
      ['t-c', 't-b', 't-a'],
    );
  });

  it("given a move older than the item's position (a skewed clock), then the item stays where it is", () => {
    assert.deepEqual(tracks(fold([move(5, 'ana', 3, null, 2500)], cab())), ['t-c', 't-a', 't-b']);
  });

  it('given a move that arrives before the add of its item, then the item shows at the moved position once added', () => {
    const early = fold([created(), add(2, 'ana', 't-a', null), move(4, 'ana', 3, null, 4000)]);
    assert.deepEqual(tracks(early), ['t-a']);
    assert.deepEqual(tracks(fold([add(3, 'ana', 't-b', 2, 3000)], early)), ['t-b', 't-a']);
  });

  it('given a remove, then the item is gone and what followed it keeps its place', () => {
    assert.deepEqual(tracks(fold([remove(5, 'ana', 2)], cab())), ['t-c', 't-b']);
  });

  it('given a remove and a move of one item, in either order, then it is removed (remove wins)', () => {
    inEveryOrder(cab(), [remove(5, 'ana', 3), move(6, 'ana', 3, null)], ['t-c', 't-a']);
  });

  it('given a remove that arrives before its add, then the item never shows', () => {
    const s = fold([created(), remove(3, 'ana', 2), add(2, 'ana', 't-a', null)]);
    assert.deepEqual(tracks(s), []);
  });

  it('given an add after a position not arrived yet, then it shows once that position arrives, right after it', () => {
    const s = fold([created(), add(3, 'ana', 't-b', 2)]);
    assert.deepEqual(tracks(s), []);
    assert.deepEqual(tracks(fold([add(2, 'ana', 't-a', null)], s)), ['t-a', 't-b']);
  });

  it('given an ADD_TRACK without a track, or a MOVE_TRACK without an item, then it is refused', () => {
    const s = cab();
    assert.equal(
      refusal(s, { ...add(5, 'ana', 't', null), track_id: null }),
      'ADD_TRACK needs track_id',
    );
    assert.equal(
      refusal(s, { ...move(5, 'ana', 3, null), item_id: null }),
      'MOVE_TRACK needs item_id',
    );
  });
});

describe('playlist model: who may do what', () => {
  const withBob = () => fold([grant(2, 'ana', 'bob')], fold([created()]));

  it('given bob is no collaborator, when he adds a track, then it is refused and nothing changes', () => {
    const s = fold([created()]);
    const before = encodeState(s);
    assert.equal(
      refusal(s, add(2, 'bob', 't-a', null)),
      `bob may not edit playlist ${PLAYLIST}: only its owner and collaborators may`,
    );
    assert.equal(encodeState(s), before);
  });

  it('given bob is a collaborator, then he may add, move and remove tracks', () => {
    const s = fold(
      [add(3, 'bob', 't-a', null), add(4, 'bob', 't-b', 3), move(5, 'bob', 4, null)],
      withBob(),
    );
    assert.deepEqual(collaboratorsOf(s), ['bob']);
    assert.deepEqual(tracks(s), ['t-b', 't-a']);
    assert.equal(materialize(s)[0]!.added_by, 'bob');
    assert.deepEqual(tracks(fold([remove(6, 'bob', 3)], s)), ['t-b']);
  });

  it('given bob is a collaborator, when he renames, sets visibility, grants, revokes another or deletes, then each is refused: only the owner may', () => {
    const s = withBob();
    for (const e of [
      edit(3, 'bob', 'RENAME', { name: 'Mine' }),
      edit(3, 'bob', 'SET_VISIBILITY', { public: true }),
      grant(3, 'bob', 'cai'),
      revoke(3, 'bob', 'cai'),
      edit(3, 'bob', 'DELETE'),
    ])
      assert.equal(refusal(s, e), `bob may not ${e.op} playlist ${PLAYLIST}: only its owner may`);
  });

  it('given bob leaves (revokes himself), then his next edit is refused and his tracks stay', () => {
    const s = fold([add(3, 'bob', 't-a', null), revoke(4, 'bob', 'bob')], withBob());
    assert.deepEqual(collaboratorsOf(s), []);
    assert.deepEqual(tracks(s), ['t-a']);
    assert.match(refusal(s, add(5, 'bob', 't-b', null)), /only its owner and collaborators may/);
  });

  it('given ana revokes bob, then his edits are refused; cai, never a collaborator, cannot revoke herself', () => {
    const s = fold([revoke(3, 'ana', 'bob')], withBob());
    assert.match(refusal(s, remove(4, 'bob', 2)), /only its owner and collaborators may/);
    assert.match(refusal(s, revoke(4, 'cai', 'cai')), /only its owner may/);
  });

  it('given the owner as collaborator, when granted or revoked, then it is refused', () => {
    const s = fold([created()]);
    assert.match(refusal(s, grant(2, 'ana', 'ana')), /the owner is no collaborator/);
    assert.match(refusal(s, revoke(2, 'ana', 'ana')), /the owner is no collaborator/);
  });

  it('given a revoke and an older grant of one user, in either order, then the later (by event time) holds', () => {
    const later = edit(5, 'ana', 'REMOVE_COLLABORATOR', { collaborator_id: 'bob' }, 5000);
    const older = edit(6, 'ana', 'ADD_COLLABORATOR', { collaborator_id: 'bob' }, 4000);
    for (const order of [
      [later, older],
      [older, later],
    ])
      assert.deepEqual(collaboratorsOf(fold(order, fold([created()]))), []);
  });

  it('given MAX_COLLABORATORS collaborators, when one more is granted, then it is refused; a current one may be granted again', () => {
    const s = fold([created()]);
    const full: PlaylistState = {
      ...s,
      collaborators: new Map(
        Array.from({ length: MAX_COLLABORATORS }, (_, i) => [
          `u${i}`,
          { value: true, time: 1, id: uid(900 + i) },
        ]),
      ),
    };
    assert.match(refusal(full, grant(2, 'ana', 'bob')), /already has 100 collaborators/);
    assert.ok('state' in applyEdit(full, grant(2, 'ana', 'u1')));
  });
});

describe('playlist model: rename, visibility, delete', () => {
  it('given two renames, in either order, then the later (event time, then event id) names the playlist', () => {
    const summer = edit(5, 'ana', 'RENAME', { name: 'Summer' }, 5000);
    const winter = edit(4, 'ana', 'RENAME', { name: 'Winter' }, 4000);
    const tie = edit(6, 'ana', 'RENAME', { name: 'Tie' }, 5000);
    assert.equal(fold([summer, winter], fold([created()])).name.value, 'Summer');
    assert.equal(fold([winter, summer], fold([created()])).name.value, 'Summer');
    assert.equal(fold([tie, summer], fold([created()])).name.value, 'Tie');
  });

  it('given a private playlist, when made public, then anyone may read it', () => {
    const s = fold([edit(2, 'ana', 'SET_VISIBILITY', { public: true })], fold([created()]));
    assert.equal(canRead(s, 'zed'), true);
    assert.equal(canRead(s, undefined), true);
  });

  it('given a deleted playlist, then it has no tracks, no reader, and refuses every edit except duplicates', () => {
    const s = fold([edit(5, 'ana', 'DELETE')], cab());
    assert.deepEqual(materialize(s), []);
    assert.equal(canRead(s, 'ana'), false);
    assert.equal(refusal(s, add(6, 'ana', 't-d', null)), `playlist ${PLAYLIST} was deleted`);
    assert.equal(
      refusal(s, edit(6, 'ana', 'RENAME', { name: 'x' })),
      `playlist ${PLAYLIST} was deleted`,
    );
    assert.deepEqual(applyEdit(s, add(3, 'ana', 't-b', 2)), { state: s, duplicate: true });
    assert.deepEqual(applyEdit(s, created()), { state: s, duplicate: true });
  });
});

describe('playlist model: duplicates and bounds', () => {
  it('given each kind of edit delivered twice, then the second is a duplicate and changes nothing', () => {
    const s = fold(
      [grant(5, 'ana', 'bob'), remove(6, 'ana', 2), edit(7, 'ana', 'RENAME', { name: 'R' })],
      cab(),
    );
    for (const e of [
      add(3, 'ana', 't-b', 2),
      grant(5, 'ana', 'bob'),
      remove(6, 'ana', 2),
      edit(7, 'ana', 'RENAME', { name: 'R' }),
    ]) {
      const r = applyEdit(s, e);
      assert.ok('state' in r && r.duplicate === true && r.state === s, e.op);
    }
  });

  it('given MAX_ITEMS live tracks, when one more is added, then it is refused; after a remove it fits', () => {
    const s = fold([created()]);
    const ids = Array.from({ length: MAX_ITEMS }, (_, i) => uid(10_000 + i));
    const full: PlaylistState = {
      ...s,
      positions: new Map(ids.map((id) => [id, { after: null, time: 2, item: id }])),
      items: new Map(ids.map((id) => [id, { track_id: 't', added_by: 'ana', added_at: 2 }])),
    };
    assert.match(refusal(full, add(2, 'ana', 't-x', null)), /already has 10000 tracks/);
    const freed = fold([remove(3, 'ana', 10_000)], full);
    assert.ok('state' in applyEdit(freed, add(4, 'ana', 't-x', null)));
  });

  it('given MAX_EDITS edits kept, when another comes, then it is refused', () => {
    const s = fold([created()]);
    const full: PlaylistState = {
      ...s,
      applied: new Set(Array.from({ length: MAX_EDITS }, (_, i) => uid(100_000 + i))),
    };
    assert.match(refusal(full, add(2, 'ana', 't', null)), /has reached 50000 edits/);
  });
});

describe('playlist model: pages', () => {
  const five = () =>
    fold([
      created(),
      add(2, 'ana', 't1', null),
      add(3, 'ana', 't2', 2),
      add(4, 'ana', 't3', 3),
      add(5, 'ana', 't4', 4),
      add(6, 'ana', 't5', 5),
    ]);

  it('given five tracks, then pages of two are t1 t2, t3 t4, t5, and an offset past the end is empty', () => {
    const p = (o: number) => page(five(), o, 2);
    assert.deepEqual(
      [0, 2, 4, 9].map((o) => ({
        tracks: p(o).items.map((e) => e.track_id),
        next: p(o).next_offset,
      })),
      [
        { tracks: ['t1', 't2'], next: 2 },
        { tracks: ['t3', 't4'], next: 4 },
        { tracks: ['t5'], next: null },
        { tracks: [], next: null },
      ],
    );
    assert.equal(p(0).total, 5);
  });

  it('given a bad offset or limit, then it is a bug of the caller', () => {
    for (const [o, l] of [
      [-1, 2],
      [0, 0],
      [0, 101],
      [1.5, 2],
    ] as const)
      assert.throws(() => page(five(), o, l), { code: 'INTERNAL' });
  });
});
