import type { Redis } from 'ioredis';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { readPrefix } from '../../sinks/redis/redis-generation.js';
import {
  PLAYLISTS,
  canReadSummary,
  playlistsKeys as K,
  type PlaylistSummary,
  type PlaylistTrackRow,
} from './playlists.keys.js';

/**
 * Reads the playlists projection (processors/playlists): one playlist, its tracks in the
 * converged order, a listener's own and collaborative playlists. Each call finds the generation
 * once (readPrefix) and reads one playlist's values in one MGET, so a page never mixes two
 * states. A playlist that is absent, deleted, or private to others answers undefined: the API
 * says 404 alike, so a private playlist's existence is never revealed. A stored value that is
 * not the projection's JSON is a bug and throws InternalError rather than serve it.
 */
export interface PlaylistView {
  playlist_id: string;
  name: string;
  owner: string;
  public: boolean;
  collaborators: string[];
  track_count: number;
  /** ISO 8601, UTC: the CREATE's event time. */
  created_at: string;
  /** ISO 8601, UTC: the greatest event time of its applied edits. */
  updated_at: string;
}

export interface PlaylistTrack {
  /** What REMOVE_TRACK and MOVE_TRACK name. */
  item_id: string;
  /** What an ADD_TRACK or MOVE_TRACK after this entry names (`after_position_id`). */
  position_id: string;
  track_id: string;
  added_by: string;
  added_at: string;
}

export interface OffsetPage<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
  /** The offset of the next page; null after the last. */
  next_offset: number | null;
}

export interface MyPlaylist extends PlaylistView {
  /** How the listener holds it. */
  role: 'owner' | 'collaborator';
}

export interface PlaylistsReader {
  /** The playlist if `viewer` (undefined: anonymous) may read it. */
  playlist(playlistId: string, viewer: string | undefined): Promise<PlaylistView | undefined>;
  /** One page of its tracks (and whether it is public), if `viewer` may read it. */
  tracks(
    playlistId: string,
    viewer: string | undefined,
    page: { offset: number; limit: number },
  ): Promise<
    { public: boolean; page: OffsetPage<PlaylistTrack> & { playlist_id: string } } | undefined
  >;
  /**
   * The playlists the listener owns or collaborates on, by playlist id descending in code-unit
   * order (newest created first for the SDK's UUIDv7 ids). `total` counts the index; one deleted
   * between the index read and the page read is left out of that page.
   */
  mine(userId: string, page: { offset: number; limit: number }): Promise<OffsetPage<MyPlaylist>>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function parseJson<T>(key: string, raw: string | null, check: (v: unknown) => boolean) {
  if (raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InternalError(`playlists: ${key} holds no JSON`);
  }
  if (!check(v)) throw new InternalError(`playlists: ${key} holds no playlist view`);
  return v as T;
}
const isSummary = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as PlaylistSummary).playlist_id === 'string' &&
  Array.isArray((v as PlaylistSummary).collaborators);

function view(s: PlaylistSummary): PlaylistView {
  return {
    playlist_id: s.playlist_id,
    name: s.name,
    owner: s.owner,
    public: s.public,
    collaborators: s.collaborators,
    track_count: s.track_count,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

/** One page of `all` from `offset`, with the offset of the next one (null after the last). */
export function slice<T>(all: readonly T[], offset: number, limit: number): OffsetPage<T> {
  const end = offset + limit;
  return {
    items: all.slice(offset, end),
    total: all.length,
    offset,
    limit,
    next_offset: end < all.length ? end : null,
  };
}

const byIdDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

export function createPlaylistsReader(
  deps: { redis: Redis },
  opts: { name?: string } = {},
): PlaylistsReader {
  const { redis } = deps;
  const name = opts.name ?? PLAYLISTS;
  return {
    async playlist(id, viewer) {
      const prefix = await readPrefix(redis, name);
      const key = prefix + K.summary(id);
      const s = parseJson<PlaylistSummary>(key, await redis.get(key), isSummary);
      return s && canReadSummary(s, viewer) ? view(s) : undefined;
    },
    async tracks(id, viewer, { offset, limit }) {
      const prefix = await readPrefix(redis, name);
      const [sKey, tKey] = [prefix + K.summary(id), prefix + K.tracks(id)];
      const [rawS, rawT] = await redis.mget(sKey, tKey);
      const s = parseJson<PlaylistSummary>(sKey, rawS ?? null, isSummary);
      if (!s || !canReadSummary(s, viewer)) return undefined;
      const rows = parseJson<PlaylistTrackRow[]>(tKey, rawT ?? '[]', Array.isArray)!;
      const page = slice(rows, offset, limit);
      const items = page.items.map(([item_id, position_id, track_id, added_by, added_at]) => ({
        item_id,
        position_id,
        track_id,
        added_by,
        added_at: iso(added_at),
      }));
      return { public: s.public, page: { playlist_id: id, ...page, items } };
    },
    async mine(userId, { offset, limit }) {
      const prefix = await readPrefix(redis, name);
      const [owned, collaborating] = await Promise.all([
        redis.smembers(prefix + K.owned(userId)),
        redis.smembers(prefix + K.collaborating(userId)),
      ]);
      const role = new Map<string, MyPlaylist['role']>();
      for (const id of collaborating) role.set(id, 'collaborator');
      for (const id of owned) role.set(id, 'owner');
      const page = slice([...role.keys()].sort(byIdDesc), offset, limit);
      if (!page.items.length) return { ...page, items: [] };
      const keys = page.items.map((id) => prefix + K.summary(id));
      const raws = await redis.mget(...keys);
      const items: MyPlaylist[] = [];
      page.items.forEach((id, i) => {
        const s = parseJson<PlaylistSummary>(keys[i]!, raws[i] ?? null, isSummary);
        if (s && canReadSummary(s, userId)) items.push({ ...view(s), role: role.get(id)! });
      });
      return { ...page, items };
    },
  };
}
