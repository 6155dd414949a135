/**
 * Test support for the playlist model: edits by number, and folding a list of them.
 */
import assert from 'node:assert/strict';
import {
  applyEdit,
  type PlaylistEdit,
  type PlaylistState,
} from '../../processors/playlists/playlist.model.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { PlaylistEditEvent } from '../../schemas/generated/events.types.js';

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

/** The full playlist-edit event of an edit (the fixture's client context around it). */
export function playlistEvent(e: PlaylistEdit, device = 'phone'): PlaylistEditEvent {
  return {
    ...validEvents(0)['playlist-edit'],
    ...e,
    device_id: device,
    received_time: e.event_time,
  };
}

/** The playlists the API tests read (ids fixed: each test run has its own namespace). */
export const SCENARIO_PLAYLISTS = {
  /** user-1's private "Road trip", user-2 collaborating: track-1, track-2, track-1. */
  roadTrip: uid(101),
  /** user-2's public "Gym": track-2. */
  gym: uid(201),
  /** user-1's public "Old", deleted. */
  old: uid(301),
} as const;

/** The edits behind SCENARIO_PLAYLISTS, `now` minus a few hours, in one valid order. */
export function playlistScenario(now: number): PlaylistEditEvent[] {
  const P = SCENARIO_PLAYLISTS;
  const t = (n: number) => now - 3 * 3_600_000 + n * 1000;
  const e = (
    n: number,
    user: string,
    pid: string,
    op: PlaylistEdit['op'],
    f: Partial<PlaylistEdit>,
  ) => playlistEvent(edit(n, user, op, { playlist_id: pid, ...f }, t(n)), `${user}-phone`);
  return [
    e(101, 'user-1', P.roadTrip, 'CREATE', { name: 'Road trip', public: false }),
    e(102, 'user-1', P.roadTrip, 'ADD_COLLABORATOR', { collaborator_id: 'user-2' }),
    e(103, 'user-1', P.roadTrip, 'ADD_TRACK', { track_id: 'track-1' }),
    e(104, 'user-1', P.roadTrip, 'ADD_TRACK', { track_id: 'track-2', after_position_id: uid(103) }),
    e(105, 'user-2', P.roadTrip, 'ADD_TRACK', { track_id: 'track-1', after_position_id: uid(104) }),
    e(201, 'user-2', P.gym, 'CREATE', { name: 'Gym', public: true }),
    e(202, 'user-2', P.gym, 'ADD_TRACK', { track_id: 'track-2' }),
    e(301, 'user-1', P.old, 'CREATE', { name: 'Old', public: true }),
    e(302, 'user-1', P.old, 'DELETE', {}),
  ];
}
