import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type {
  SessionRules,
  SessionStep,
  SessionWindow,
} from '../../processors/co-listening/co-listening.session.js';
import {
  DEFAULT_SESSION_RULES,
  evolveSession,
} from '../../processors/co-listening/co-listening.session.js';

/** Test plays for the co-listening session rule. */
export const T0 = Date.UTC(2026, 10, 24, 10); // 2026-11-24 10:00 UTC
export const MIN = 60_000;
const base = validEvents(T0).playback;

let seq = 0;
/** A qualified play (ENDED, 31 s) of `track` at T0 + `atMin` minutes in session s-1, unless overridden. */
export function play(track: string, atMin = 0, over: Partial<PlaybackEvent> = {}): PlaybackEvent {
  seq++;
  return {
    ...base,
    event_id: `e-${seq}`,
    event_time: T0 + atMin * MIN,
    received_time: T0 + atMin * MIN,
    track_id: track,
    ...over,
  };
}

export type Qualified = Extract<SessionStep, { qualified: true }>;

/** Given a listener's plays in partition order, when each is evolved, then the steps. */
export function listen(plays: PlaybackEvent[], rules: SessionRules = DEFAULT_SESSION_RULES) {
  let window: SessionWindow | undefined;
  const steps: SessionStep[] = [];
  for (const p of plays) {
    const s = evolveSession(window, p, rules);
    if ('reason' in s) throw new Error(`unexpected reason: ${s.reason}`);
    steps.push(s);
    window = s.window;
  }
  return { steps, window, last: steps[steps.length - 1] as Qualified };
}
