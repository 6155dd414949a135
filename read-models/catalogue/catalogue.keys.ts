import type { ArtistCredit, RightsHolderShare } from '../../schemas/generated/events.types.js';

/**
 * Redis keys of the catalogue projection, relative to its namespace (the sink prefixes
 * `bb:catalogue:g<gen>:d:`), and the stored track document. Shared by the projection and its
 * reader so they cannot drift. Ids are URI-encoded inside keys (no ':' collisions).
 *
 * The index sets only ever grow (a pure plan cannot know what a re-upload replaced), so the
 * reader keeps a member only while the track's current document still names it.
 */
export const CATALOGUE = 'catalogue';

const id = (s: string) => encodeURIComponent(s);

export const catalogueKeys = {
  /** Hash, field `doc`: "<event_time>|<CatalogueTrack JSON>", last writer (by event time) wins. */
  track: (trackId: string) => `tr:${id(trackId)}`,
  /** Set of track ids crediting the artist. */
  artistTracks: (artistId: string) => `ar:${id(artistId)}:tracks`,
  /** Sorted set (all scores 0, so ordered by track id): the label's tracks, paged by ZRANGEBYLEX. */
  labelTracks: (labelId: string) => `lb:${id(labelId)}:tracks`,
  /** Set of track ids the rights holder is paid for. */
  rightsHolderTracks: (rightsHolderId: string) => `rh:${id(rightsHolderId)}:tracks`,
  /** Set of track ids delivered with this ISRC (normally one). */
  isrc: (isrc: string) => `isrc:${id(normalizeIsrc(isrc))}`,
} as const;

export const DOC_FIELD = 'doc';

/** ISRCs are case-insensitive; they are indexed upper-case. */
export const normalizeIsrc = (isrc: string) => isrc.trim().toUpperCase();

/** A track as the catalogue stores it (the latest upload by event time). */
export interface CatalogueTrack {
  track_id: string;
  isrc: string;
  title: string;
  artists: ArtistCredit[];
  label_id: string;
  label_name: string;
  release_id: string | null;
  duration_ms: number;
  markets: string[];
  rights_holders: RightsHolderShare[];
  /** event_time of the upload this document comes from (ms since the epoch). */
  updated_at: number;
}
