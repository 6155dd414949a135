import type {
  FollowEvent,
  ListenerSettingsEvent,
  PlaybackEvent,
  SkipEvent,
} from '../../schemas/generated/events.types.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import { envelopes } from './envelope.helper.js';

/** Builders of user-state events for tests: each gets a fresh event_id (`<prefix>-000001`...) and offset. */
export function userStateEvents(prefix = 'e') {
  const next = envelopes({
    firstOffset: 1,
    topic: (type) => `t.${type}`,
    eventId: (offset) => `${prefix}-${String(offset).padStart(6, '0')}`,
  });
  return {
    playback: (over: Partial<PlaybackEvent> = {}): AnyEnvelope => next('playback', over),
    skip: (over: Partial<SkipEvent> = {}): AnyEnvelope => next('skip', over),
    follow: (over: Partial<FollowEvent> = {}): AnyEnvelope => next('follow', over),
    settings: (over: Partial<ListenerSettingsEvent> = {}): AnyEnvelope =>
      next('listener-settings', over),
  };
}

/** A playback id (UUID-shaped, distinct per n). */
export const pid = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;
