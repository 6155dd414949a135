import type { TrackUploadEvent } from '../../schemas/generated/events.types.js';
import type { RedisOp, RedisPlan } from '../../sinks/redis/redis-ops.js';
import type { Projection } from '../runtime/processor.types.js';
import { Outcome } from '../../common/outcome/outcome.js';
import {
  CATALOGUE,
  DOC_FIELD,
  catalogueKeys as K,
  type CatalogueTrack,
} from '../../read-models/catalogue/catalogue.keys.js';

const nonEmpty = (s: unknown): s is string => typeof s === 'string' && s.trim().length > 0;
const isBps = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;

/** Why an upload cannot be applied, or undefined when it can (the royalty ledger uses the same rule). */
export function invalidUpload(e: TrackUploadEvent): string | undefined {
  if (!nonEmpty(e.event_id)) return 'event_id is empty';
  if (!nonEmpty(e.track_id)) return 'track_id is empty';
  if (!Number.isSafeInteger(e.event_time) || e.event_time < 0) {
    return `event_time ${e.event_time} is not a timestamp in ms`;
  }
  if (!nonEmpty(e.isrc)) return 'isrc is empty';
  if (!nonEmpty(e.label_id)) return 'label_id is empty';
  if (!Array.isArray(e.artists) || !e.artists.length) return 'artists is empty';
  const badArtist = e.artists.findIndex((a) => !nonEmpty(a?.artist_id));
  if (badArtist >= 0) return `artists[${badArtist}].artist_id is empty`;
  if (!Number.isSafeInteger(e.duration_ms) || e.duration_ms < 0) {
    return `duration_ms ${e.duration_ms} is not a non-negative integer`;
  }
  if (!Array.isArray(e.rights_holders) || !e.rights_holders.length)
    return 'rights_holders is empty';
  const badHolder = e.rights_holders.findIndex(
    (r) => !nonEmpty(r?.rights_holder_id) || !isBps(r.share_bps),
  );
  if (badHolder >= 0) {
    return `rights_holders[${badHolder}] needs a rights_holder_id and an integer share_bps >= 0`;
  }
  const sum = e.rights_holders.reduce((s, r) => s + r.share_bps, 0);
  if (sum !== 10_000) return `rights_holders share_bps sum to ${sum}, not 10000`;
  return undefined;
}

export function toCatalogueTrack(e: TrackUploadEvent): CatalogueTrack {
  return {
    track_id: e.track_id,
    isrc: e.isrc,
    title: e.title,
    artists: e.artists.map((a) => ({ artist_id: a.artist_id, name: a.name })),
    label_id: e.label_id,
    label_name: e.label_name,
    release_id: e.release_id ?? null,
    duration_ms: e.duration_ms,
    markets: [...e.markets],
    rights_holders: e.rights_holders.map((r) => ({ ...r })),
    updated_at: e.event_time,
  };
}

function uploadOps(e: TrackUploadEvent): RedisOp[] {
  const t = e.track_id;
  const doc = JSON.stringify(toCatalogueTrack(e));
  const artists = [...new Set(e.artists.map((a) => a.artist_id))];
  const holders = [...new Set(e.rights_holders.map((r) => r.rights_holder_id))];
  return [
    ['hsetlww', K.track(t), DOC_FIELD, doc, e.event_time],
    ...artists.map((a): RedisOp => ['sadd', K.artistTracks(a), t]),
    ['zadd', K.labelTracks(e.label_id), 0, t],
    ...holders.map((r): RedisOp => ['sadd', K.rightsHolderTracks(r), t]),
    ['sadd', K.isrc(e.isrc), t],
  ];
}

/**
 * The catalogue: one document per track (last writer by event time wins, so a re-upload
 * delivered late never overwrites newer metadata) and look-up sets by artist, label, rights
 * holder and ISRC. Shares are validated upstream; an upload whose shares do not sum to 10000
 * basis points is dead-lettered here as well, so no reader ever sees it.
 */
export const catalogueProjection: Projection<RedisPlan> = {
  name: CATALOGUE,
  types: ['track-upload'],
  plan(batch) {
    const events: RedisPlan['events'] = [];
    const outcomes: Outcome[] = batch.map((env) => {
      if (env.type !== 'track-upload') {
        return { kind: 'dlq', reason: `catalogue does not read ${env.type} events` };
      }
      const why = invalidUpload(env.event);
      if (why) return Outcome.dlq(why);
      events.push({ id: env.event.event_id, ops: uploadOps(env.event) });
      return Outcome.ok();
    });
    return { plan: { events }, outcomes };
  },
};
