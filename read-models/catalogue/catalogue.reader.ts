import type { Redis } from 'ioredis';
import { readLww } from '../../sinks/redis/redis-ops.js';
import { readPrefix } from '../../sinks/redis/redis-generation.js';
import {
  CATALOGUE,
  DOC_FIELD,
  catalogueKeys as K,
  normalizeIsrc,
  type CatalogueTrack,
} from './catalogue.keys.js';

export type { CatalogueTrack } from './catalogue.keys.js';

export interface TrackPage {
  items: CatalogueTrack[];
  /** Track id after which the next page starts; null on the last page. */
  next: string | null;
}

export interface CatalogueReader {
  track(trackId: string): Promise<CatalogueTrack | undefined>;
  /** Many tracks in one round trip; unknown ids are absent from the map. */
  tracks(trackIds: readonly string[]): Promise<Map<string, CatalogueTrack>>;
  /** The track currently delivered with this ISRC (the latest upload if several claim it). */
  trackByIsrc(isrc: string): Promise<CatalogueTrack | undefined>;
  /** Tracks crediting the artist, by track id. */
  artistTracks(artistId: string): Promise<CatalogueTrack[]>;
  /** The label's tracks by track id, `limit` at a time, starting after track id `after`. */
  labelTracks(labelId: string, page: { limit: number; after?: string }): Promise<TrackPage>;
  /** Tracks the rights holder is paid for, by track id. */
  rightsHolderTracks(rightsHolderId: string): Promise<CatalogueTrack[]>;
}

const byId = (a: CatalogueTrack, b: CatalogueTrack) =>
  a.track_id < b.track_id ? -1 : a.track_id > b.track_id ? 1 : 0;

/**
 * Reads the catalogue projection of the generation readers currently use (resolved on each
 * call, so a rebuild swap is picked up at once). Index sets only grow, so every look-up keeps a
 * track only while its current document still matches (artist, label, rights holder, ISRC).
 */
export function createCatalogueReader(deps: { redis: Redis; name?: string }): CatalogueReader {
  const { redis } = deps;
  const name = deps.name ?? CATALOGUE;
  const prefix = () => readPrefix(redis, name);

  async function load(p: string, ids: readonly string[]): Promise<Map<string, CatalogueTrack>> {
    const out = new Map<string, CatalogueTrack>();
    const unique = [...new Set(ids)];
    if (!unique.length) return out;
    const pipe = redis.pipeline();
    for (const t of unique) pipe.hget(p + K.track(t), DOC_FIELD);
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, raw], i) => {
      if (err) throw err;
      const doc = readLww(raw as string | null);
      if (doc) out.set(unique[i]!, JSON.parse(doc.value) as CatalogueTrack);
    });
    return out;
  }

  async function members(key: string, keep: (t: CatalogueTrack) => boolean) {
    const p = await prefix();
    const ids = await redis.smembers(p + key);
    return [...(await load(p, ids)).values()].filter(keep).sort(byId);
  }

  return {
    async track(trackId) {
      return (await load(await prefix(), [trackId])).get(trackId);
    },
    async tracks(trackIds) {
      return load(await prefix(), trackIds);
    },
    async trackByIsrc(isrc) {
      const want = normalizeIsrc(isrc);
      const found = await members(K.isrc(isrc), (t) => normalizeIsrc(t.isrc) === want);
      // Latest upload first; equal times: the smallest track id (found is sorted by id).
      return found.reduce<CatalogueTrack | undefined>(
        (best, t) => (!best || t.updated_at > best.updated_at ? t : best),
        undefined,
      );
    },
    artistTracks(artistId) {
      return members(K.artistTracks(artistId), (t) =>
        t.artists.some((a) => a.artist_id === artistId),
      );
    },
    rightsHolderTracks(rightsHolderId) {
      return members(K.rightsHolderTracks(rightsHolderId), (t) =>
        t.rights_holders.some((r) => r.rights_holder_id === rightsHolderId),
      );
    },
    async labelTracks(labelId, { limit, after }) {
      const p = await prefix();
      const key = p + K.labelTracks(labelId);
      const items: CatalogueTrack[] = [];
      const chunk = Math.max(limit + 1, 50);
      let from = after === undefined ? '-' : `(${after}`;
      // Collect limit + 1 tracks still on the label (stale members are skipped) to know
      // whether another page follows.
      for (;;) {
        const ids = await redis.zrangebylex(key, from, '+', 'LIMIT', 0, chunk);
        const docs = await load(p, ids);
        for (const t of ids) {
          const doc = docs.get(t);
          if (doc?.label_id === labelId) items.push(doc);
          if (items.length > limit) break;
        }
        if (items.length > limit || ids.length < chunk) break;
        from = `(${ids[ids.length - 1]!}`;
      }
      const page = items.slice(0, limit);
      return {
        items: page,
        next: items.length > limit ? page[page.length - 1]!.track_id : null,
      };
    },
  };
}
