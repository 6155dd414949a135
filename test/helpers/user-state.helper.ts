import type {
  FollowEvent,
  ListenerSettingsEvent,
  PlaybackEvent,
  SkipEvent,
} from '../../schemas/generated/events.types.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';

/** Builders of user-state events for tests: each gets a fresh event_id and offset. */
export function userStateEvents(prefix = 'e') {
  const base = validEvents();
  let n = 0;
  const next = () => ++n;
  const id = (i: number) => `${prefix}-${String(i).padStart(6, '0')}`;
  const env = (type: AnyEnvelope['type'], event: object, i: number) =>
    ({ type, event, topic: `t.${type}`, partition: 0, offset: i, schemaId: 1 }) as AnyEnvelope;

  return {
    playback(over: Partial<PlaybackEvent> = {}): AnyEnvelope {
      const i = next();
      return env('playback', { ...base.playback, event_id: id(i), ...over }, i);
    },
    skip(over: Partial<SkipEvent> = {}): AnyEnvelope {
      const i = next();
      return env('skip', { ...base.skip, event_id: id(i), ...over }, i);
    },
    follow(over: Partial<FollowEvent> = {}): AnyEnvelope {
      const i = next();
      return env('follow', { ...base.follow, event_id: id(i), ...over }, i);
    },
    settings(over: Partial<ListenerSettingsEvent> = {}): AnyEnvelope {
      const i = next();
      return env(
        'listener-settings',
        { ...base['listener-settings'], event_id: id(i), ...over },
        i,
      );
    },
  };
}

/** A playback id (UUID-shaped, distinct per n). */
export const pid = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;
