import type {
  FollowEvent,
  ListenerSettingsEvent,
  PlaybackEvent,
  SkipEvent,
} from '../../schemas/generated/events.types.js';
import type { RedisOp, RedisPlan } from '../../sinks/redis/redis-ops.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';
import { isProgrammingError } from '../../common/errors/backbeat.error.js';
import { Outcome } from '../../common/outcome/outcome.js';
import {
  ACTIVITY_FIELD,
  PRIVATE_CAP,
  privateMember,
  QUALIFYING_MS,
  RECENT_CAP,
  USER_STATE,
  recentMember,
  totalsFields,
  userStateKeys as k,
  type FollowKind,
  type StoredActivitySettings,
  type StoredDeviceState,
} from '../../read-models/user-state/user-state.keys.js';

type Planned = { ops: RedisOp[] } | { reason: string } | { bug: unknown };

const PHASES = new Set(['STARTED', 'PROGRESS', 'ENDED']);

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The first field that makes an event unusable, or undefined. */
function problem(
  ev: Record<string, unknown>,
  texts: readonly string[],
  counts: readonly string[],
): string | undefined {
  for (const f of texts) if (!isText(ev[f])) return `${f} is missing or empty`;
  for (const f of counts) if (!isCount(ev[f])) return `${f} must be a non-negative integer`;
  return undefined;
}

/**
 * Device state (last writer by event time), and on ENDED: recently played, ms played and
 * qualified streams. A late PROGRESS never overwrites a newer ENDED (hsetlww).
 */
export function playbackOps(e: PlaybackEvent): Planned {
  const bad = problem(
    e as unknown as Record<string, unknown>,
    ['user_id', 'device_id', 'playback_id', 'track_id', 'session_id'],
    ['event_time', 'position_ms', 'ms_played'],
  );
  if (bad) return { reason: `playback: ${bad}` };
  if (!PHASES.has(e.phase)) return { reason: `playback: unknown phase ${String(e.phase)}` };
  if (e.playback_id.includes(':')) return { reason: "playback: playback_id must not hold ':'" };

  const state: StoredDeviceState = {
    track_id: e.track_id,
    playback_id: e.playback_id,
    phase: e.phase,
    position_ms: e.position_ms,
    ms_played: e.ms_played,
    session_id: e.session_id,
    event_time: e.event_time,
  };
  const ops: RedisOp[] = [
    ['hsetlww', k.devices(e.user_id), e.device_id, JSON.stringify(state), e.event_time],
  ];
  if (e.phase === 'ENDED' && e.ms_played > 0) {
    const totals = k.totals(e.user_id);
    ops.push(
      [
        'zaddcap',
        k.recent(e.user_id),
        e.event_time,
        recentMember(e.playback_id, e.track_id),
        RECENT_CAP,
      ],
      ['hincrby', totals, totalsFields.msPlayed, e.ms_played],
    );
    if (e.ms_played >= QUALIFYING_MS)
      ops.push(['hincrby', totals, totalsFields.qualifiedStreams, 1]);
  }
  return { ops };
}

/** A skip only counts towards the listener's totals. */
export function skipOps(e: SkipEvent): Planned {
  if (!isText(e.user_id)) return { reason: 'skip: user_id is missing or empty' };
  return { ops: [['hincrby', k.totals(e.user_id), totalsFields.skips, 1]] };
}

/** Both sides of a follow: the follower's following set and the target's followers set. */
export function followOps(e: FollowEvent): Planned {
  const bad = problem(
    e as unknown as Record<string, unknown>,
    ['user_id', 'target_id'],
    ['event_time'],
  );
  if (bad) return { reason: `follow: ${bad}` };
  const kind: FollowKind | undefined =
    e.target_type === 'ARTIST' ? 'artist' : e.target_type === 'USER' ? 'user' : undefined;
  if (!kind) return { reason: `follow: unknown target_type ${String(e.target_type)}` };
  if (kind === 'user' && e.target_id === e.user_id) {
    return { reason: 'follow: a user cannot follow themselves' };
  }
  const following = k.following(e.user_id, kind);
  const followers = k.followers(kind, e.target_id);
  if (e.action === 'FOLLOW') {
    return {
      ops: [
        ['zadd', following, e.event_time, e.target_id],
        ['zadd', followers, e.event_time, e.user_id],
      ],
    };
  }
  if (e.action === 'UNFOLLOW') {
    return {
      ops: [
        ['zrem', following, e.target_id],
        ['zrem', followers, e.user_id],
      ],
    };
  }
  return { reason: `follow: unknown action ${String(e.action)}` };
}

/**
 * Who may see the listener's activity: the latest settings (by event time) replace the earlier
 * ones, and a private session is remembered as a window [event_time, until) for good, so that
 * what was played in it stays hidden after it ends. Plays in it still count (playbackOps does
 * not look at settings).
 */
export function listenerSettingsOps(e: ListenerSettingsEvent): Planned {
  const bad = problem(e as unknown as Record<string, unknown>, ['user_id'], ['event_time']);
  if (bad) return { reason: `listener-settings: ${bad}` };
  if (typeof e.share_activity !== 'boolean') {
    return { reason: 'listener-settings: share_activity must be a boolean' };
  }
  const until = e.private_session_until ?? null;
  if (until !== null && !(isCount(until) && until > e.event_time)) {
    return { reason: 'listener-settings: private_session_until must be after event_time' };
  }
  const stored: StoredActivitySettings = {
    share_activity: e.share_activity,
    private_session_until: until,
    event_time: e.event_time,
  };
  const ops: RedisOp[] = [
    ['hsetlww', k.settings(e.user_id), ACTIVITY_FIELD, JSON.stringify(stored), e.event_time],
  ];
  if (until !== null) {
    ops.push([
      'zaddcap',
      k.privateSessions(e.user_id),
      e.event_time,
      privateMember(e.event_time, until),
      PRIVATE_CAP,
    ]);
  }
  return { ops };
}

function opsFor(env: AnyEnvelope): Planned {
  switch (env.type) {
    case 'playback':
      return playbackOps(env.event);
    case 'skip':
      return skipOps(env.event);
    case 'follow':
      return followOps(env.event);
    case 'listener-settings':
      return listenerSettingsOps(env.event);
    default:
      return { reason: `user-state does not read ${env.type} events` };
  }
}

/**
 * User state per listener: now playing and resume position per device, recently played,
 * listening totals, following and followers, and who may see the listener's activity. Friend
 * activity is derived at read time from the following set, each friend's devices and each
 * friend's settings (no fan-out on write). Pure: ops come from the
 * events alone, grouped per event_id so the sink applies a redelivered event once.
 */
export const userStateProjection: Projection<RedisPlan> = {
  name: USER_STATE,
  types: ['playback', 'skip', 'follow', 'listener-settings'],
  plan(batch) {
    const events: RedisPlan['events'] = [];
    const outcomes: Outcome[] = [];
    for (const env of batch) {
      let planned: Planned;
      try {
        planned = isText(env.event?.event_id)
          ? opsFor(env)
          : { reason: `${env.type}: event_id is missing or empty` };
      } catch (err) {
        // A programming error is dead-lettered as a bug; an event it refuses, with the reason.
        planned = isProgrammingError(err)
          ? { bug: err }
          : { reason: `${env.type}: cannot apply: ${(err as Error).message}` };
      }
      if ('bug' in planned) {
        outcomes.push(Outcome.bug(planned.bug, `${env.type}: cannot apply`));
      } else if ('reason' in planned) {
        outcomes.push(Outcome.dlq(planned.reason));
      } else {
        outcomes.push(Outcome.ok());
        events.push({ id: env.event.event_id, ops: planned.ops });
      }
    }
    return { plan: { events }, outcomes };
  },
};
