/**
 * Redis keys of co-listening and its recommendations.
 *
 * - The projection (`co-listening`) keeps each listener's open-session window under its
 *   generation's namespace (the sink prefixes `bb:co-listening:g<gen>:d:`), so a rebuild
 *   builds its windows beside the live ones.
 * - The neighbour refresh (processors/co-listening, not a projection) writes the
 *   recommendations under `bb:recs:`: one JSON value per track and per artist, replaced
 *   whole, so a reader never sees half a list.
 * Ids are URI-encoded inside keys, so an id holding ':' can never collide with another key.
 */
export const CO_LISTENING = 'co-listening';

const id = (s: string) => encodeURIComponent(s);

/** Relative to the projection's generation namespace. */
export const coListeningKeys = {
  /**
   * String: the open-session window of a listener on one device (co-listening.window.ts
   * encodeWindow). A session happens on one device; the SDK keeps each device's events in
   * order, while two devices of one listener may interleave in any order.
   */
  window: (userId: string, deviceId: string) => `w:${id(userId)}:${id(deviceId)}`,
} as const;

export const RECS_PREFIX = 'bb:recs:';

/** Absolute keys written by the neighbour refresh and read by the API. */
export const recsKeys = {
  /** String, JSON SimilarList: a track's top-K neighbours, best first. */
  similar: (trackId: string) => `${RECS_PREFIX}similar:${id(trackId)}`,
  /** String, JSON FansList: an artist's "fans also like", best first. */
  fans: (artistId: string) => `${RECS_PREFIX}fans:${id(artistId)}`,
  /** Hash: the last refresh (refreshed_at, watermark, metric, tracks, artists, duration_ms). */
  meta: `${RECS_PREFIX}meta`,
} as const;

/** One neighbour: the score behind it and the co-listen count (the explanation). */
export interface Neighbour {
  track_id: string;
  score: number;
  co_listens: number;
}

export interface SimilarList {
  track_id: string;
  metric: 'llr' | 'cosine';
  /** Sessions that played the track (the LLR's row sum), over the months counted. */
  sessions: number;
  refreshed_at: string;
  neighbours: Neighbour[];
}

export interface FanNeighbour {
  artist_id: string;
  score: number;
  overlap: number;
  /** overlap / this artist's fans, overlap / the other artist's fans. */
  share_of_fans: number;
  share_of_their_fans: number;
}

export interface FansList {
  artist_id: string;
  fans: number;
  refreshed_at: string;
  artists: FanNeighbour[];
}
