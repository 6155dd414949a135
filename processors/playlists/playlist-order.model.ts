/**
 * The order of a playlist's items, from its positions (RGA-style): the positions form a tree,
 * each under the position it follows (the head for null); the order is the tree read depth
 * first, a position's followers newest first (event time descending, then event id descending
 * by UTF-16 code units). An item stands at its newest reachable position; a removed item, an
 * item whose ADD_TRACK has not arrived, and a position whose chain does not reach the head (its
 * anchor not arrived yet) show nothing. The order is a function of the sets alone, so it does
 * not depend on the order the edits arrived in. Cost: O(n log n) in the positions.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';
import { slice, type OffsetPage } from '../../read-models/playlists/playlists.reader.js';
import { compareCodeUnits, compareStamps, type PlaylistState } from './playlist.model.js';

/** One track of the playlist as a reader sees it. */
export interface PlaylistEntry {
  /** The item (the ADD_TRACK's event_id): what REMOVE_TRACK and MOVE_TRACK name. */
  item_id: string;
  /** Its current position: what an ADD_TRACK or MOVE_TRACK after it names. */
  position_id: string;
  track_id: string;
  added_by: string;
  added_at: number;
}

/** The items in order; a deleted playlist has none. */
export function materialize(state: PlaylistState): PlaylistEntry[] {
  if (state.deleted) return [];
  const followers = new Map<string | null, string[]>();
  for (const [id, p] of state.positions) {
    const list = followers.get(p.after);
    if (list) list.push(id);
    else followers.set(p.after, [id]);
  }
  const time = (id: string) => state.positions.get(id)!.time;
  // Oldest first, so that popping from the end of a stack visits the newest first.
  for (const list of followers.values())
    list.sort((a, b) => time(a) - time(b) || compareCodeUnits(a, b));
  // Depth first from the head. Every position has one anchor, so each is reached at most once
  // and a cycle of made-up anchors is never entered.
  const order: string[] = [];
  const stack = [...(followers.get(null) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    order.push(id);
    for (const f of followers.get(id) ?? []) stack.push(f);
  }
  const newest = new Map<string, string>(); // item -> its newest reachable position
  for (const id of order) {
    const item = state.positions.get(id)!.item;
    const cur = newest.get(item);
    if (
      cur === undefined ||
      compareStamps({ time: time(id), id }, { time: time(cur), id: cur }) > 0
    )
      newest.set(item, id);
  }
  const out: PlaylistEntry[] = [];
  for (const id of order) {
    const itemId = state.positions.get(id)!.item;
    const item = state.items.get(itemId);
    if (!item || state.removed.has(itemId) || newest.get(itemId) !== id) continue;
    out.push({ item_id: itemId, position_id: id, ...item });
  }
  return out;
}

export type PlaylistPage = OffsetPage<PlaylistEntry>;

/** The most entries of one page. */
export const MAX_PAGE = 100;

/**
 * One page of the materialized order, by offset and limit (1 to MAX_PAGE). The caller (the
 * API) checks the query: bad numbers here are a bug.
 */
export function page(state: PlaylistState, offset: number, limit: number): PlaylistPage {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new InternalError(`playlist page: offset must be an integer >= 0, got ${offset}`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new InternalError(`playlist page: limit must be 1 to ${MAX_PAGE}, got ${limit}`);
  return slice(materialize(state), offset, limit);
}
