/**
 * Redis keys of the playlists projection, relative to its generation's namespace (the sink
 * prefixes `bb:playlists:g<gen>:d:`), and the JSON views it writes for readers.
 *
 * Per playlist (one partition owns it: the topic is keyed by playlist_id):
 * - `state`: the model's state (processors/playlists encodeState), what the plan folds onto;
 * - `summary`: a PlaylistSummary (JSON), for the playlist and the listener's list;
 * - `tracks`: the items in the converged order (JSON PlaylistTrackRow[]), for its pages.
 * Per listener, sets of playlist ids kept in step with each state change: `owned` (not
 * deleted, the listener is the owner) and `collaborating` (not deleted, a current
 * collaborator). Ids are URI-encoded inside keys, so an id holding ':' never collides.
 */
export const PLAYLISTS = 'playlists';

const id = (s: string) => encodeURIComponent(s);

export const playlistsKeys = {
  /** String: the encoded PlaylistState (a stateful projection's value). */
  state: (playlistId: string) => `p:${id(playlistId)}`,
  /** String, JSON PlaylistSummary. */
  summary: (playlistId: string) => `s:${id(playlistId)}`,
  /** String, JSON PlaylistTrackRow[]: the converged order. */
  tracks: (playlistId: string) => `t:${id(playlistId)}`,
  /** Set of playlist ids the listener owns. */
  owned: (userId: string) => `o:${id(userId)}`,
  /** Set of playlist ids the listener collaborates on. */
  collaborating: (userId: string) => `c:${id(userId)}`,
} as const;

/** What one playlist is, as readers see it (written whole with each state change). */
export interface PlaylistSummary {
  playlist_id: string;
  name: string;
  owner: string;
  public: boolean;
  /** Current collaborators, in code-unit order. */
  collaborators: string[];
  /** Live tracks in the converged order. */
  track_count: number;
  /** Event time of the CREATE, ms since the epoch. */
  created_at: number;
  /** The greatest event time of the edits applied to it, ms since the epoch. */
  updated_at: number;
  /** A deleted playlist has no reader (404) and takes no edits. */
  deleted: boolean;
}

/** One entry of the order: [item_id, position_id, track_id, added_by, added_at]. */
export type PlaylistTrackRow = [string, string, string, string, number];

/** Whether `viewer` (undefined: anonymous) may read it: public, or its owner or a collaborator. */
export function canReadSummary(s: PlaylistSummary, viewer: string | undefined): boolean {
  if (s.deleted) return false;
  if (s.public) return true;
  return viewer !== undefined && (viewer === s.owner || s.collaborators.includes(viewer));
}
