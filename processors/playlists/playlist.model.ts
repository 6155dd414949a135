/**
 * One collaborative playlist, folded from its playlist-edit events (README.md here states the
 * rules). Pure and deterministic: `applyEdit` never mutates its input, never reads a clock.
 *
 * Order: every ADD_TRACK and MOVE_TRACK makes a position (id = its event_id) right after another
 * position (`after_position_id`, null for the head); an item stands at its newest position
 * (playlist-order.model.ts). Positions, removals and the last-writer-wins registers (name,
 * visibility, each collaborator) are sets and maxima, so the same authorized edits give the same
 * state whatever order they arrive in. Authorization is decided on the state an edit meets.
 */
import type { PlaylistEditEvent } from '../../schemas/generated/events.types.js';
import { InternalError } from '../../common/errors/backbeat.error.js';

/** What the model reads of an edit (the rest of the event is the client context). */
export type PlaylistEdit = Pick<
  PlaylistEditEvent,
  | 'event_id'
  | 'event_time'
  | 'user_id'
  | 'playlist_id'
  | 'op'
  | 'name'
  | 'public'
  | 'track_id'
  | 'item_id'
  | 'after_position_id'
  | 'collaborator_id'
>;

/** When an edit happened: event time, ties by event id (UTF-16 code units). */
export interface Stamp {
  time: number;
  id: string;
}

/** A last-writer-wins register: the value of the edit with the greatest stamp. */
export interface Lww<T> extends Stamp {
  value: T;
}

/** A place in the order, made by an ADD_TRACK or MOVE_TRACK (its id is that event_id). */
export interface Position {
  /** The position it follows; null: the head. */
  after: string | null;
  /** Event time of the edit that made it (siblings are ordered newest first). */
  time: number;
  /** The item it places. */
  item: string;
}

/** An item, made by an ADD_TRACK (its id is that event_id). */
export interface Item {
  track_id: string;
  added_by: string;
  added_at: number;
}

export interface PlaylistState {
  playlist_id: string;
  owner: string;
  /** The CREATE's stamp. */
  created: Stamp;
  name: Lww<string>;
  public: Lww<boolean>;
  /** Per user: whether they are a collaborator (LWW of the grants and revocations). */
  collaborators: ReadonlyMap<string, Lww<boolean>>;
  /** The DELETE's stamp; a deleted playlist takes no more edits. */
  deleted: Stamp | null;
  positions: ReadonlyMap<string, Position>;
  items: ReadonlyMap<string, Item>;
  /** Removed item ids (tombstones): a removed item never comes back, whatever came after. */
  removed: ReadonlySet<string>;
  /** Event ids of the applied edits that made no position, to tell a duplicate. */
  applied: ReadonlySet<string>;
}

export type EditResult = { state: PlaylistState; duplicate?: true } | { reason: string };

/** The most live (added, not removed) items of one playlist. */
export const MAX_ITEMS = 10_000;
/** The most collaborators of one playlist. */
export const MAX_COLLABORATORS = 100;
/** The most edits one playlist keeps (positions and other applied edits): bounds the state. */
export const MAX_EDITS = 50_000;

/** Ops only the owner may make; REMOVE_COLLABORATOR also by a collaborator for themselves. */
const OWNER_ONLY = new Set(['RENAME', 'SET_VISIBILITY', 'ADD_COLLABORATOR', 'DELETE']);

/** Compares strings by UTF-16 code units (what `<` does), independent of locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders stamps by event time, then event id. */
export function compareStamps(a: Stamp, b: Stamp): number {
  return a.time - b.time || compareCodeUnits(a.id, b.id);
}

const stampOf = (e: PlaylistEdit): Stamp => ({ time: e.event_time, id: e.event_id });
const lww = <T>(cur: Lww<T>, value: T, e: PlaylistEdit): Lww<T> =>
  compareStamps(stampOf(e), cur) > 0 ? { value, ...stampOf(e) } : cur;

/** Whether `user` may edit the items: the owner or a current collaborator. */
export function canEdit(state: PlaylistState, user: string): boolean {
  return user === state.owner || state.collaborators.get(user)?.value === true;
}

/** Whether `user` may read it: anyone if public, else only its owner and collaborators. */
export function canRead(state: PlaylistState, user: string | undefined): boolean {
  if (state.deleted) return false;
  return state.public.value || (user !== undefined && canEdit(state, user));
}

/** Current collaborators, in code-unit order. */
export function collaboratorsOf(state: PlaylistState): string[] {
  return [...state.collaborators]
    .filter(([, c]) => c.value)
    .map(([u]) => u)
    .sort(compareCodeUnits);
}

/**
 * Applies one edit. A refused edit (unauthorized, to a missing or deleted playlist, missing a
 * field its op needs, over a bound) answers a reason and changes nothing; a duplicate event_id
 * answers the state unchanged, `duplicate: true`.
 */
export function applyEdit(state: PlaylistState | undefined, edit: PlaylistEdit): EditResult {
  if (state && state.playlist_id !== edit.playlist_id)
    throw new InternalError(
      `playlist ${state.playlist_id} was handed an edit of ${edit.playlist_id}`,
    );
  const id = edit.playlist_id;
  if (edit.op === 'CREATE') return create(state, edit);
  if (!state) return { reason: `playlist ${id} does not exist (no CREATE applied)` };
  if (isKnown(state, edit.event_id)) return { state, duplicate: true };
  if (state.deleted) return { reason: `playlist ${id} was deleted` };
  const denied = authorize(state, edit);
  if (denied) return { reason: denied };
  const missing = missingField(edit);
  if (missing) return { reason: `${edit.op} needs ${missing}` };
  if (state.positions.size + state.applied.size >= MAX_EDITS)
    return { reason: `playlist ${id} has reached ${MAX_EDITS} edits` };
  // Edits that make no position are remembered by id, to tell their duplicates.
  const applied = () => new Set(state.applied).add(edit.event_id);
  switch (edit.op) {
    case 'RENAME':
      return { state: { ...state, applied: applied(), name: lww(state.name, edit.name!, edit) } };
    case 'SET_VISIBILITY':
      return {
        state: { ...state, applied: applied(), public: lww(state.public, edit.public!, edit) },
      };
    case 'ADD_COLLABORATOR':
    case 'REMOVE_COLLABORATOR':
      return collaborator(state, edit, applied());
    case 'DELETE':
      return { state: { ...state, applied: applied(), deleted: stampOf(edit) } };
    case 'ADD_TRACK': {
      if (liveItems(state) >= MAX_ITEMS)
        return { reason: `playlist ${id} already has ${MAX_ITEMS} tracks` };
      const items = new Map(state.items).set(edit.event_id, {
        track_id: edit.track_id!,
        added_by: edit.user_id,
        added_at: edit.event_time,
      });
      return { state: { ...state, items, positions: place(state, edit, edit.event_id) } };
    }
    case 'MOVE_TRACK':
      return { state: { ...state, positions: place(state, edit, edit.item_id!) } };
    case 'REMOVE_TRACK':
      return {
        state: { ...state, applied: applied(), removed: new Set(state.removed).add(edit.item_id!) },
      };
  }
}

function create(state: PlaylistState | undefined, e: PlaylistEdit): EditResult {
  if (state)
    return state.created.id === e.event_id
      ? { state, duplicate: true }
      : { reason: `playlist ${e.playlist_id} already exists` };
  if (e.playlist_id !== e.event_id)
    return { reason: "a CREATE's playlist_id must be its own event_id" };
  const missing = missingField(e);
  if (missing) return { reason: `CREATE needs ${missing}` };
  const stamp = stampOf(e);
  return {
    state: {
      playlist_id: e.playlist_id,
      owner: e.user_id,
      created: stamp,
      name: { value: e.name!, ...stamp },
      public: { value: e.public!, ...stamp },
      collaborators: new Map(),
      deleted: null,
      positions: new Map(),
      items: new Map(),
      removed: new Set(),
      applied: new Set(),
    },
  };
}

function isKnown(state: PlaylistState, eventId: string): boolean {
  return state.created.id === eventId || state.positions.has(eventId) || state.applied.has(eventId);
}

/** Why the author may not make this edit, or undefined. */
function authorize(state: PlaylistState, e: PlaylistEdit): string | undefined {
  const who = e.user_id;
  const at = `playlist ${state.playlist_id}`;
  if (who === state.owner) return undefined;
  if (e.op === 'REMOVE_COLLABORATOR' && e.collaborator_id === who && canEdit(state, who))
    return undefined; // a collaborator may leave
  if (OWNER_ONLY.has(e.op) || e.op === 'REMOVE_COLLABORATOR')
    return `${who} may not ${e.op} ${at}: only its owner may`;
  if (!canEdit(state, who))
    return `${who} may not edit ${at}: only its owner and collaborators may`;
  return undefined;
}

/** The field the op needs that the edit leaves null (the contract's validation says the same). */
function missingField(e: PlaylistEdit): string | undefined {
  const need: Record<string, (keyof PlaylistEdit)[]> = {
    CREATE: ['name', 'public'],
    RENAME: ['name'],
    SET_VISIBILITY: ['public'],
    ADD_TRACK: ['track_id'],
    REMOVE_TRACK: ['item_id'],
    MOVE_TRACK: ['item_id'],
    ADD_COLLABORATOR: ['collaborator_id'],
    REMOVE_COLLABORATOR: ['collaborator_id'],
  };
  return (need[e.op] ?? []).find((f) => e[f] == null);
}

function collaborator(state: PlaylistState, e: PlaylistEdit, applied: Set<string>): EditResult {
  const user = e.collaborator_id!;
  const grant = e.op === 'ADD_COLLABORATOR';
  if (user === state.owner)
    return { reason: `${user} owns playlist ${state.playlist_id}: the owner is no collaborator` };
  if (grant && !state.collaborators.get(user)?.value) {
    if (collaboratorsOf(state).length >= MAX_COLLABORATORS)
      return {
        reason: `playlist ${state.playlist_id} already has ${MAX_COLLABORATORS} collaborators`,
      };
  }
  const cur = state.collaborators.get(user);
  const next = cur ? lww(cur, grant, e) : { value: grant, ...stampOf(e) };
  return {
    state: { ...state, applied, collaborators: new Map(state.collaborators).set(user, next) },
  };
}

function place(state: PlaylistState, e: PlaylistEdit, item: string): Map<string, Position> {
  return new Map(state.positions).set(e.event_id, {
    after: e.after_position_id ?? null,
    time: e.event_time,
    item,
  });
}

function liveItems(state: PlaylistState): number {
  let n = state.items.size;
  for (const r of state.removed) if (state.items.has(r)) n--;
  return n;
}
