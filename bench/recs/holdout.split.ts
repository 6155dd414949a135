/**
 * The evaluation's hold-out protocol (issue 12, section 5), pure.
 *
 * - Per listener, the qualified plays (ENDED, >= 30 s: the play-counts rule) in event-time
 *   order (ties by event_id, UTF-16 code units), so the split never depends on delivery order.
 * - The last h plays are held out, h = max(1, floor(n × share)) with share 0.2 (the last 20%,
 *   at least one); a listener with fewer than 2 qualified plays has nothing to train on and
 *   holds out nothing.
 * - The listener's relevant set is the distinct held-out tracks not played in training: the
 *   candidates are the whole catalogue minus the training tracks, so a replay of a training
 *   track can be ranked by no model. Listeners with an empty relevant set are not evaluated.
 */
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { InternalError } from '../../common/errors/backbeat.error.js';

/** The held-out share of each listener's qualified plays. */
export const HOLDOUT_SHARE = 0.2;

const compareCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ListenerSplit {
  /** Training plays, in the order given (the caller's delivery order). */
  readonly train: PlaybackEvent[];
  /** Held-out plays, in event-time order. */
  readonly test: PlaybackEvent[];
  /** Distinct held-out tracks not in training. */
  readonly relevant: ReadonlySet<string>;
}

/** Plays held out of n qualified plays: max(1, floor(n × share)), none when n < 2. */
export function heldOutCount(n: number, share = HOLDOUT_SHARE): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InternalError(`holdout: ${n} plays`);
  if (!(share > 0 && share < 1)) throw new InternalError(`holdout: share ${share}`);
  return n < 2 ? 0 : Math.max(1, Math.floor(n * share));
}

/**
 * Splits one listener's qualified plays (given in delivery order) into training and held-out
 * plays by event time; training keeps the delivery order, which is the order the co-listening
 * session rule sees in production.
 */
export function splitListener(
  plays: readonly PlaybackEvent[],
  share = HOLDOUT_SHARE,
): ListenerSplit {
  const byTime = [...plays].sort(
    (x, y) => x.event_time - y.event_time || compareCodeUnits(x.event_id, y.event_id),
  );
  const h = heldOutCount(plays.length, share);
  const test = byTime.slice(byTime.length - h);
  const held = new Set(test.map((p) => p.event_id));
  const train = plays.filter((p) => !held.has(p.event_id));
  const trained = new Set(train.map((p) => p.track_id));
  const relevant = new Set(test.map((p) => p.track_id).filter((t) => !trained.has(t)));
  return { train, test, relevant };
}
