import type { PlaybackEvent, SkipEvent } from '../../schemas/generated/events.types.js';
import type { RedisOp, RedisPlan } from '../../sinks/redis/redis-ops.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';
import { Outcome } from '../../common/outcome/outcome.js';
import {
  GLOBAL,
  MARKET_RE,
  PLAY_COUNTS,
  QUALIFYING_MS,
  playCountsFields as F,
  playCountsKeys as K,
  utcDay,
} from '../../read-models/play-counts/play-counts.keys.js';

/** Latest timestamp whose ISO form still has a 4-digit year (9999-12-31T23:59:59.999Z). */
const MAX_TIME = 253_402_300_799_999;

/** Why an event cannot be counted, or undefined when it can (the royalty ledger counts by the same rule). */
export function invalidPlay(e: PlaybackEvent | SkipEvent): string | undefined {
  if (typeof e.event_id !== 'string' || !e.event_id) return 'event_id is empty';
  if (typeof e.track_id !== 'string' || !e.track_id) return 'track_id is empty';
  if (!Number.isSafeInteger(e.event_time) || e.event_time < 0 || e.event_time > MAX_TIME) {
    return `event_time ${e.event_time} is not a timestamp in ms between 1970 and 9999`;
  }
  if (typeof e.market !== 'string' || !MARKET_RE.test(e.market)) {
    return `market ${JSON.stringify(e.market)} is not an ISO 3166-1 alpha-2 code`;
  }
  return undefined;
}

/**
 * Whether a playback is a qualified stream (an ENDED playback with ms_played >= 30000), or
 * why it cannot be counted. Play counts and the royalty ledger count by this one rule.
 */
export function qualifiedStream(e: PlaybackEvent): boolean | string {
  if (e.phase !== 'ENDED') return false;
  if (typeof e.ms_played !== 'number' || !Number.isFinite(e.ms_played) || e.ms_played < 0) {
    return `ms_played ${e.ms_played} is not a non-negative number`;
  }
  if (e.ms_played < QUALIFYING_MS) return false;
  return invalidPlay(e) ?? true;
}

/** Ops of one qualified stream: totals, day, market, day+market, and both live charts. */
function streamOps(e: PlaybackEvent): RedisOp[] {
  const day = utcDay(e.event_time);
  const t = e.track_id;
  return [
    ['hincrby', K.track(t), F.streams, 1],
    ['hincrby', K.days(t), day, 1],
    ['hincrby', K.markets(t), e.market, 1],
    ['hincrby', K.dayMarket(t), F.dayMarket(day, e.market), 1],
    ['zincrby', K.chart(day, GLOBAL), 1, t],
    ['zincrby', K.chart(day, e.market), 1, t],
  ];
}

function skipOps(e: SkipEvent): RedisOp[] {
  const day = utcDay(e.event_time);
  const t = e.track_id;
  return [
    ['hincrby', K.track(t), F.skips, 1],
    ['hincrby', K.skipDays(t), day, 1],
    ['hincrby', K.skipMarkets(t), e.market, 1],
    ['hincrby', K.skipDayMarket(t), F.dayMarket(day, e.market), 1],
  ];
}

/** Plans one envelope: ops (possibly none) or the reason it goes to the dead-letter topic. */
function planOne(env: AnyEnvelope): { ops: RedisOp[] } | { dlq: string } {
  if (env.type === 'playback') {
    const q = qualifiedStream(env.event);
    if (typeof q === 'string') return { dlq: q };
    return q ? { ops: streamOps(env.event) } : { ops: [] };
  }
  if (env.type === 'skip') {
    const why = invalidPlay(env.event);
    return why ? { dlq: why } : { ops: skipOps(env.event) };
  }
  return { dlq: `play-counts does not read ${env.type} events` };
}

/**
 * Play counts and live charts. A qualified stream (an ENDED playback with ms_played >= 30000)
 * counts once per track in total, per UTC day of its event time, per market and per day+market,
 * and scores the track in that day's global and market charts; skips are counted alongside.
 * Late events land in their own day. Duplicates cost nothing: the sink runs an event's ops once.
 */
export const playCountsProjection: Projection<RedisPlan> = {
  name: PLAY_COUNTS,
  types: ['playback', 'skip'],
  plan(batch) {
    const events: RedisPlan['events'] = [];
    const outcomes: Outcome[] = batch.map((env) => {
      const r = planOne(env);
      if ('dlq' in r) return Outcome.dlq(r.dlq);
      if (r.ops.length) events.push({ id: env.event.event_id, ops: r.ops });
      return Outcome.ok();
    });
    return { plan: { events }, outcomes };
  },
};
