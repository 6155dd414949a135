import type { Redis } from 'ioredis';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { recsKeys, type FansList, type SimilarList } from './co-listening.keys.js';

/**
 * Reads the recommendations the neighbour refresh writes (processors/co-listening): one JSON
 * value per track and per artist, replaced whole. Absent = no list (yet); a value that is not
 * the refresh's JSON is a bug and throws InternalError rather than serve a broken list.
 */
export interface RecsReader {
  similar(trackId: string): Promise<SimilarList | undefined>;
  /** The lists of several tracks at once (absent ones left out). */
  similarMany(trackIds: readonly string[]): Promise<Map<string, SimilarList>>;
  fans(artistId: string): Promise<FansList | undefined>;
}

function parse<T extends object>(key: string, raw: string | null, list: keyof T): T | undefined {
  if (raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InternalError(`recs: ${key} holds no JSON`);
  }
  if (typeof v !== 'object' || v === null || !Array.isArray((v as T)[list]))
    throw new InternalError(`recs: ${key} holds no ${String(list)} list`);
  return v as T;
}

export function createRecsReader(deps: { redis: Redis }): RecsReader {
  const { redis } = deps;
  return {
    async similar(trackId) {
      const key = recsKeys.similar(trackId);
      return parse<SimilarList>(key, await redis.get(key), 'neighbours');
    },
    async similarMany(trackIds) {
      const out = new Map<string, SimilarList>();
      if (!trackIds.length) return out;
      const keys = trackIds.map((t) => recsKeys.similar(t));
      const values = await redis.mget(...keys);
      trackIds.forEach((t, i) => {
        const l = parse<SimilarList>(keys[i]!, values[i] ?? null, 'neighbours');
        if (l) out.set(t, l);
      });
      return out;
    },
    async fans(artistId) {
      const key = recsKeys.fans(artistId);
      return parse<FansList>(key, await redis.get(key), 'artists');
    },
  };
}
