import type {
  PlaybackEvent,
  SkipEvent,
  TrackUploadEvent,
} from '../../schemas/generated/events.types.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import { envelopes } from './envelope.helper.js';

/** Test events for the play-counts and catalogue projections, their readers and routes. */
export const NOW = Date.UTC(2026, 10, 24, 12);

/** One stream for the whole module: every event gets a distinct offset and event id. */
const next = envelopes({
  now: NOW,
  firstOffset: 1,
  topic: (type) => type,
  eventId: (offset, type) => `${type}-${offset}`,
});

/** An ENDED playback of 31 s (qualified) on 2026-11-24 in SE, unless overridden. */
export const stream = (over: Partial<PlaybackEvent> = {}): AnyEnvelope => next('playback', over);

export const skip = (over: Partial<SkipEvent> = {}): AnyEnvelope => next('skip', over);

/** Track-1 by artist-1 on label-1 (7000/3000 bps), unless overridden. */
export const upload = (over: Partial<TrackUploadEvent> = {}): AnyEnvelope =>
  next('track-upload', over);

/** `n` qualified streams of a track (distinct event ids). */
export const streams = (n: number, over: Partial<PlaybackEvent> = {}) =>
  Array.from({ length: n }, () => stream(over));
