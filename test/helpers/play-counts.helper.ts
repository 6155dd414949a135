import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  PlaybackEvent,
  SkipEvent,
  TrackUploadEvent,
} from '../../schemas/generated/events.types.js';
import type { RedisPlan } from '../../sinks/redis/redis-ops.js';
import { createRedisProjectionSink } from '../../sinks/redis/redis-projection.sink.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { AnyEnvelope, Outcome, Projection } from '../../processors/runtime/processor.types.js';

/** Test helpers for the play-counts and catalogue projections, their readers and routes. */
export const NOW = Date.UTC(2026, 10, 24, 12);
const fx = validEvents(NOW);
let seq = 0;

const coords = (topic: string) => ({ topic, partition: 0, offset: ++seq, schemaId: 1 });

/** An ENDED playback of 31 s (qualified) on 2026-11-24 in SE, unless overridden. */
export function stream(over: Partial<PlaybackEvent> = {}): AnyEnvelope {
  const c = coords('playback');
  return { type: 'playback', event: { ...fx.playback, event_id: `pb-${c.offset}`, ...over }, ...c };
}

export function skip(over: Partial<SkipEvent> = {}): AnyEnvelope {
  const c = coords('skip');
  return { type: 'skip', event: { ...fx.skip, event_id: `sk-${c.offset}`, ...over }, ...c };
}

/** Track-1 by artist-1 on label-1 (7000/3000 bps), unless overridden. */
export function upload(over: Partial<TrackUploadEvent> = {}): AnyEnvelope {
  const c = coords('track-upload');
  const event = { ...fx['track-upload'], event_id: `up-${c.offset}`, ...over };
  return { type: 'track-upload', event, ...c };
}

/** `n` qualified streams of a track (distinct event ids). */
export const streams = (n: number, over: Partial<PlaybackEvent> = {}) =>
  Array.from({ length: n }, () => stream(over));

/**
 * A projection applied through the real Redis sink under a unique name, with contiguous fake
 * offsets per batch (as the runtime would): `apply` plans a batch and writes it atomically.
 */
export function redisHarness(redis: Redis, projection: Projection<RedisPlan>, generation = 1) {
  const name = `${projection.name}-test-${randomUUID()}`;
  const sink = createRedisProjectionSink({ name, generation, dedupTtlSeconds: 3600 }, { redis });
  let next = 0;
  return {
    name,
    sink,
    async apply(
      batch: readonly AnyEnvelope[],
    ): Promise<{ result: 'applied' | 'conflict'; outcomes: Outcome[]; plan: RedisPlan }> {
      const { plan, outcomes } = projection.plan(batch);
      const range = {
        topic: 't',
        partition: 0,
        from: next,
        to: next + Math.max(batch.length, 1) - 1,
      };
      const result = await sink.apply(plan, [range]);
      if (result === 'applied') next = range.to + 1;
      return { result, outcomes, plan };
    },
    /** Re-sends the last `n` offsets (a redelivery). */
    async redeliver(plan: RedisPlan, n: number) {
      return sink.apply(plan, [{ topic: 't', partition: 0, from: next - n, to: next - 1 }]);
    },
    async drop() {
      await sink.drop!();
      await redis.del(`bb:${name}:current`);
    },
  };
}
