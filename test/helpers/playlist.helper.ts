/**
 * Test support for the playlist model: edits by number, and folding a list of them.
 */
import assert from 'node:assert/strict';
import {
  applyEdit,
  type PlaylistEdit,
  type PlaylistState,
} from '../../processors/playlists/playlist.model.js';

/** The UUID numbered n (a UUIDv7 shape; ids sort by n). */
export const uid = (n: number) => `0190a0b0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

export const PLAYLIST = uid(1);

const NONE = {
  name: null,
  public: null,
  track_id: null,
  item_id: null,
  after_position_id: null,
  collaborator_id: null,
};

/** An edit of PLAYLIST: event id uid(n), event time `time` (default 1000 * n). */
export function edit(
  n: number,
  user: string,
  op: PlaylistEdit['op'],
  fields: Partial<PlaylistEdit> = {},
  time = 1000 * n,
): PlaylistEdit {
  return {
    ...NONE,
    event_id: uid(n),
    event_time: time,
    user_id: user,
    playlist_id: PLAYLIST,
    op,
    ...fields,
  };
}

/** ana's CREATE of PLAYLIST (uid(1), private, "Road trip"). */
export const created = () =>
  edit(1, 'ana', 'CREATE', { playlist_id: PLAYLIST, name: 'Road trip', public: false });

export const add = (n: number, user: string, track: string, after: number | null, time?: number) =>
  edit(
    n,
    user,
    'ADD_TRACK',
    { track_id: track, after_position_id: after === null ? null : uid(after) },
    time,
  );

export const move = (n: number, user: string, item: number, after: number | null, time?: number) =>
  edit(
    n,
    user,
    'MOVE_TRACK',
    { item_id: uid(item), after_position_id: after === null ? null : uid(after) },
    time,
  );

export const remove = (n: number, user: string, item: number, time?: number) =>
  edit(n, user, 'REMOVE_TRACK', { item_id: uid(item) }, time);

export const grant = (n: number, user: string, who: string) =>
  edit(n, user, 'ADD_COLLABORATOR', { collaborator_id: who });

export const revoke = (n: number, user: string, who: string) =>
  edit(n, user, 'REMOVE_COLLABORATOR', { collaborator_id: who });

/** Applies the edits in order; every one must be taken (a refusal fails the test). */
export function fold(edits: readonly PlaylistEdit[], from?: PlaylistState): PlaylistState {
  let state = from;
  for (const e of edits) {
    const r = applyEdit(state, e);
    assert.ok('state' in r, `${e.op} ${e.event_id} refused: ${'reason' in r ? r.reason : ''}`);
    state = r.state;
  }
  assert.ok(state, 'no edits');
  return state;
}

/** Applies one edit that must be refused; answers the reason. */
export function refusal(state: PlaylistState | undefined, e: PlaylistEdit): string {
  const r = applyEdit(state, e);
  assert.ok('reason' in r, `${e.op} ${e.event_id} was taken`);
  return r.reason;
}
