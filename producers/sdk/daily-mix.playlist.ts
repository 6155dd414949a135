import type { BackbeatClient, SaveMixOptions, SavedPlaylist } from './sdk.types.js';

/**
 * Saves a list of tracks (the daily mix from GET /v1/me/daily-mix, or any list) as a new
 * playlist of the client's listener: one CREATE, then one ADD_TRACK per track, each right after
 * the one before (`after_position_id` = the previous ADD_TRACK's event_id; the first at the
 * head), so the playlist shows the tracks in the list's order whatever order the events are
 * applied in, and the listener's later edits around them land where they meant. The events go
 * through the client's transport like any other (validated by the gateway); nothing here waits
 * for them: `flush()` does. A track listed twice is added twice (the mix never repeats one).
 */
export function saveMixAsPlaylist(
  client: Pick<BackbeatClient, 'createPlaylist' | 'playlistEdit'>,
  tracks: readonly { track_id: string }[],
  options: SaveMixOptions,
): SavedPlaylist {
  const playlist_id = client.createPlaylist({
    name: options.name,
    public: options.public,
    ...(options.event_time !== undefined ? { event_time: options.event_time } : {}),
  });
  const item_ids: string[] = [];
  let after: string | null = null;
  for (const t of tracks) {
    after = client.playlistEdit({
      playlist_id,
      op: 'ADD_TRACK',
      track_id: t.track_id,
      after_position_id: after,
      ...(options.event_time !== undefined ? { event_time: options.event_time } : {}),
    });
    item_ids.push(after);
  }
  return { playlist_id, item_ids };
}
