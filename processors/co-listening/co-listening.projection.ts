/**
 * The co-listening projection: the open-session window of each listener on each device in
 * Redis (state, read before planning and written back with the batch's offsets; a session
 * happens on one device, whose events the SDK keeps in order), and the pairs, first plays and
 * sessions it yields as rows for ClickHouse's co-listening tables (each with a deterministic
 * id, folded there as uniqExact states, so re-planning a batch counts nothing twice).
 *
 * Pure: the same batch over the same stored windows and applied ids plans the same windows and
 * rows. Events the sink has already applied (same event_id, a redelivery or a duplicate) and
 * repeats inside the batch change nothing: the first delivery of an event_id is the one that
 * counts. A stored window that does not decode (never written
 * by this code) is replaced by a fresh session, and said so in the plan (`corrupt`).
 */
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import type { StoredState } from '../../sinks/contract/projection-sink.types.js';
import type { RedisOp, RedisPlan } from '../../sinks/redis/redis-ops.js';
import { Outcome } from '../../common/outcome/outcome.js';
import {
  CO_LISTENING,
  coListeningKeys as K,
} from '../../read-models/co-listening/co-listening.keys.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';
import {
  DEFAULT_SESSION_RULES,
  decodeWindow,
  encodeWindow,
  evolveSession,
  type SessionRules,
  type SessionWindow,
} from './co-listening.session.js';

/** Tables the rows go to (Null engines: migration 0007 folds them into the counts). */
export const CO_LISTENING_TABLES = {
  pairs: 'co_listening_pair_events',
  tracks: 'co_listening_track_events',
  sessions: 'co_listening_session_events',
} as const;

export interface CoListeningRows {
  pairs: { month: string; track_a: string; track_b: string; pair_id: string }[];
  tracks: { month: string; track_id: string; event_id: string }[];
  sessions: { month: string; event_id: string }[];
}

export interface CoListeningPlan {
  redis: RedisPlan;
  rows: CoListeningRows;
  /** Window keys whose stored value did not decode (replaced by a fresh session). */
  corrupt: string[];
}

/**
 * How long a window outlives its listener's last play, in seconds (wall clock): 7 days. A
 * session ends after 30 min of event time, so only a processor stopped for longer than this
 * with plays of an open session still queued would split that session.
 */
export const WINDOW_TTL_S = 7 * 86_400;

const isPlayback = (
  e: AnyEnvelope,
): e is AnyEnvelope & { type: 'playback'; event: PlaybackEvent } => e.type === 'playback';

export function createCoListeningProjection(
  rules: SessionRules = DEFAULT_SESSION_RULES,
): Projection<CoListeningPlan> {
  return {
    name: CO_LISTENING,
    types: ['playback'],
    stateKeys(batch) {
      const keys = new Set<string>();
      for (const e of batch)
        if (isPlayback(e) && e.event.phase === 'ENDED' && typeof e.event.user_id === 'string')
          keys.add(K.window(e.event.user_id, String(e.event.device_id ?? '')));
      return [...keys];
    },
    plan(batch, state?: StoredState) {
      const windows = new Map<string, SessionWindow | undefined>();
      const corrupt: string[] = [];
      const windowOf = (key: string): SessionWindow | undefined => {
        if (windows.has(key)) return windows.get(key);
        const raw = state?.values.get(key) ?? null;
        const decoded = raw === null ? undefined : decodeWindow(raw);
        const w = decoded && 'reason' in decoded ? (corrupt.push(key), undefined) : decoded;
        windows.set(key, w);
        return w;
      };
      const done = new Set<string>(state?.seen ?? []);
      const events: RedisPlan['events'] = [];
      const rows: CoListeningRows = { pairs: [], tracks: [], sessions: [] };
      const outcomes = batch.map((env): Outcome => {
        if (!isPlayback(env)) return Outcome.dlq(`co-listening does not read ${env.type} events`);
        const e = env.event;
        if (typeof e.event_id === 'string' && done.has(e.event_id)) return Outcome.ok();
        if (e.phase !== 'ENDED') return Outcome.ok();
        if (typeof e.user_id !== 'string' || !e.user_id) return Outcome.dlq('user_id is empty');
        const key = K.window(e.user_id, String(e.device_id ?? ''));
        const step = evolveSession(windowOf(key), e, rules);
        if ('reason' in step) return Outcome.dlq(step.reason);
        if (!step.qualified) return Outcome.ok();
        done.add(e.event_id);
        windows.set(key, step.window);
        const ops: RedisOp[] = [['set', key, encodeWindow(step.window), WINDOW_TTL_S]];
        events.push({ id: e.event_id, ops });
        for (const p of step.pairs)
          rows.pairs.push({ month: p.month, track_a: p.a, track_b: p.b, pair_id: p.id });
        for (const t of step.tracksSeen)
          rows.tracks.push({ month: step.month, track_id: t, event_id: step.eventId });
        if (step.sessionOpened) rows.sessions.push({ month: step.month, event_id: step.eventId });
        return Outcome.ok();
      });
      return { plan: { redis: { events }, rows, corrupt }, outcomes };
    },
  };
}

export const coListeningProjection = createCoListeningProjection();
