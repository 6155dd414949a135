import type { EndReason, PlaybackEvent, SkipEvent } from '../../schemas/generated/events.types.js';
import { MOBILE, clientFields } from './audience.generator.js';
import { type Catalogue, popularityWeights } from './catalogue.generator.js';
import { type Prng, type WeightedSampler, createWeightedSampler } from './prng.js';
import {
  DAY_MS,
  HOUR_MS,
  MARKETS,
  type Device,
  type SimEvent,
  type SimulationParams,
  type Track,
  type User,
} from './simulator.types.js';

/** One planned playback: what is played, for how long, and how it ends. */
export interface PlannedPlay {
  track: Track;
  gapBeforeMs: number;
  msPlayed: number;
  endReason: EndReason;
  skip: 'FORWARD' | 'BACKWARD' | null;
  /** Extra delay before this playback's events are sent (0 unless late). */
  lateByMs: number;
  inCluster: boolean;
}

export interface SessionPlan {
  user: User;
  device: Device;
  start: number;
  durationMs: number;
  plays: PlannedPlay[];
  context: string | null;
  offline: boolean;
  /** Offline sessions: when the device comes back online (a later UTC day) and sends. */
  reconnectAt: number;
  /** Network latency of this session's online sends. */
  latencyMs: number;
  events: number;
}

/** Listening by local hour of day: quiet nights, a morning commute, evenings. */
const HOURLY = [2, 1, 1, 1, 1, 2, 4, 7, 8, 6, 5, 6, 7, 6, 5, 5, 6, 8, 9, 10, 10, 9, 6, 4];
const HOURS = HOURLY.map((_, h) => h);
const OFFSET = new Map(MARKETS.map((m) => [m.code, m.utcOffsetMin]));

type Outcome = 'done' | 'early' | 'below' | 'exact' | 'above' | 'mid' | 'error';
const OUTCOMES: Outcome[] = ['done', 'early', 'below', 'exact', 'above', 'mid', 'error'];
const OUTCOME_WEIGHTS = [50, 14, 7, 2, 7, 19, 1];

/** How long one outcome listens: the 30 s line is exercised on both sides and exactly. */
function listenMs(rng: Prng, outcome: Outcome, duration: number): number {
  switch (outcome) {
    case 'done':
      return duration;
    case 'early':
      return rng.int(1_000, 24_999);
    case 'below':
      return rng.int(25_000, 29_999);
    case 'exact':
      return 30_000;
    case 'above':
      return rng.int(30_001, 35_000);
    case 'mid':
      return rng.int(35_001, duration - 1);
    case 'error':
      return rng.int(0, duration - 1);
  }
}

function endOf(
  rng: Prng,
  outcome: Outcome,
  last: boolean,
): Pick<PlannedPlay, 'endReason' | 'skip'> {
  if (outcome === 'done') return { endReason: 'TRACK_DONE', skip: null };
  if (outcome === 'error') return { endReason: 'ERROR', skip: null };
  const r = rng.next();
  if (outcome === 'early' || r < 0.6) {
    return rng.chance(0.85)
      ? { endReason: 'SKIP_FORWARD', skip: 'FORWARD' }
      : { endReason: 'SKIP_BACKWARD', skip: 'BACKWARD' };
  }
  if (!last) return { endReason: 'NEW_TRACK', skip: null };
  return { endReason: rng.chance(0.8) ? 'USER_STOPPED' : 'LOGOUT', skip: null };
}

/** Events one planned playback emits: STARTED, heartbeats, a skip, ENDED. */
export function eventsOfPlay(
  play: Pick<PlannedPlay, 'msPlayed' | 'skip'>,
  p: Pick<SimulationParams, 'heartbeatMs' | 'maxHeartbeats'>,
): number {
  return 2 + heartbeatsOf(play.msPlayed, p) + (play.skip ? 1 : 0);
}

function heartbeatsOf(
  msPlayed: number,
  p: Pick<SimulationParams, 'heartbeatMs' | 'maxHeartbeats'>,
) {
  return Math.min(p.maxHeartbeats, Math.max(0, Math.ceil(msPlayed / p.heartbeatMs) - 1));
}

/**
 * Plans listening sessions: a user (weighted by activity) starts at a time of day that
 * follows the local listening curve and plays a few tracks, most from their taste cluster.
 * A user's sessions never overlap. Plans carry no ids, so they can be materialised again.
 */
export function createSessionPlanner(
  params: SimulationParams,
  deps: { rng: Prng; users: User[]; catalogue: Catalogue },
) {
  const { rng, users, catalogue } = deps;
  const weights = popularityWeights(catalogue, params.zipf);
  const global = createWeightedSampler(weights);
  const byCluster: { tracks: number[]; sampler: WeightedSampler }[] = catalogue.clusterTracks.map(
    (tracks) => ({ tracks, sampler: createWeightedSampler(tracks.map((t) => weights[t] ?? 0)) }),
  );
  const pickUser = createWeightedSampler(users.map((u) => u.activity));
  const periodStart = params.startMs;
  const periodEnd = params.startMs + params.days * DAY_MS;
  const busy = new Map<number, [number, number][]>();

  function drawTrack(user: User, at: number, inCluster: boolean): Track | undefined {
    const own = byCluster[user.cluster];
    for (let tries = 0; tries < 40; tries++) {
      let t: Track | undefined;
      if (inCluster && own?.tracks.length)
        t = catalogue.tracks[own.tracks[own.sampler.sample(rng)] as number];
      else if (!inCluster) t = catalogue.tracks[global.sample(rng)];
      if (!t) return undefined;
      if (!inCluster && t.cluster === user.cluster) continue;
      if (t.released_at < at - 60_000 && t.markets.includes(user.market)) return t;
    }
    return undefined;
  }

  function startTime(user: User): number {
    const day = rng.int(0, params.days - 1);
    const local = rng.weighted(HOURS, HOURLY) * HOUR_MS + rng.int(0, HOUR_MS - 1);
    const t = periodStart + day * DAY_MS + local - (OFFSET.get(user.market) ?? 0) * 60_000;
    return Math.min(Math.max(t, periodStart), periodEnd - 1);
  }

  /** The first start at or after `t` where [start, start + length) fits between the user's sessions. */
  function place(user: User, t: number, length: number): number | undefined {
    const list = busy.get(user.index) ?? [];
    const gap = 60_000;
    let start = t;
    for (const [a, b] of list) if (start < b + gap && start + length + gap > a) start = b + gap;
    if (start + length >= periodEnd) return undefined;
    list.push([start, start + length]);
    list.sort((x, y) => x[0] - y[0]);
    busy.set(user.index, list);
    return start;
  }

  /** One session, or undefined when the user has no room or nothing to play at that time. */
  function planOne(): SessionPlan | undefined {
    const user = users[pickUser.sample(rng)] as User;
    const device = (rng.chance(0.7) ? user.devices[0] : rng.pick(user.devices)) as Device;
    const tentative = startTime(user);
    const offline = MOBILE.has(device.platform) && rng.chance(params.offlineRate);
    let count = 1;
    while (count < 30 && rng.chance(0.85)) count++;
    const plays: PlannedPlay[] = [];
    let length = 0;
    for (let i = 0; i < count; i++) {
      const inCluster = rng.chance(params.affinity);
      const track = drawTrack(user, tentative, inCluster);
      if (!track) continue;
      const outcome = rng.weighted(OUTCOMES, OUTCOME_WEIGHTS);
      const msPlayed = listenMs(rng, outcome, track.duration_ms);
      const gapBeforeMs = i === 0 ? 0 : rng.int(0, 2_000);
      const late = !offline && rng.chance(params.lateRate);
      plays.push({
        track,
        gapBeforeMs,
        msPlayed,
        ...endOf(rng, outcome, i === count - 1),
        lateByMs: late ? rng.int(2 * HOUR_MS, 30 * HOUR_MS) : 0,
        inCluster,
      });
      length += gapBeforeMs + msPlayed;
    }
    const context = rng.chance(0.25)
      ? null
      : `${rng.pick(['playlist', 'album', 'artist', 'radio'])}:${rng.int(1, 500)}`;
    const latencyMs = rng.int(30, 800);
    const reconnectDelay = rng.int(60_000, 18 * HOUR_MS);
    if (!plays.length) return undefined;
    const start = place(user, tentative, length);
    if (start === undefined) return undefined;
    const nextMidnight = (Math.floor((start + length) / DAY_MS) + 1) * DAY_MS;
    const events = plays.reduce((n, p) => n + eventsOfPlay(p, params), 0);
    return {
      user,
      device,
      start,
      durationMs: length,
      plays,
      context,
      offline,
      reconnectAt: nextMidnight + reconnectDelay,
      latencyMs,
      events,
    };
  }

  /** Plans until `enough(plans, events)` says stop; gives up after many fruitless tries. */
  function plan(enough: (sessions: number, events: number) => boolean): SessionPlan[] {
    const out: SessionPlan[] = [];
    let events = 0;
    let misses = 0;
    while (!enough(out.length, events)) {
      const p = planOne();
      if (!p) {
        if (++misses > 1_000 + out.length) {
          throw new RangeError(
            `the period is full after ${out.length} sessions: raise --users or --days, or ask for fewer sessions/events`,
          );
        }
        continue;
      }
      out.push(p);
      events += p.events;
    }
    return out.sort((a, b) => a.start - b.start || a.user.index - b.user.index);
  }

  return { plan };
}

type Draft = Omit<SimEvent<'playback'>, 'seq'> | Omit<SimEvent<'skip'>, 'seq'>;

/**
 * Turns one session plan into its events, with ids from `newId` (UUIDv7 from the seeded
 * source and the simulated clock). Online events are sent after a small latency, late
 * playbacks hours later, offline sessions in one burst when the device reconnects.
 */
export function materialiseSession(
  plan: SessionPlan,
  p: Pick<SimulationParams, 'heartbeatMs' | 'maxHeartbeats'>,
  newId: (timeMs: number) => string,
): Draft[] {
  const out: Draft[] = [];
  const ctx = clientFields(plan.user, plan.device);
  const sessionId = newId(plan.start);
  let cursor = plan.start;
  let burst = 0;
  for (const play of plan.plays) {
    const begin = cursor + play.gapBeforeMs;
    const playbackId = newId(begin);
    const sentAt = (eventTime: number) => {
      if (plan.offline) return plan.reconnectAt + burst++;
      return eventTime + plan.latencyMs + play.lateByMs;
    };
    const delivery = plan.offline ? 'offline' : play.lateByMs ? 'late' : 'online';
    const playback = (
      phase: PlaybackEvent['phase'],
      at: number,
      ms: number,
      endReason: EndReason | null,
    ) => {
      const sent = sentAt(at);
      const event: PlaybackEvent = {
        event_id: '',
        event_time: at,
        received_time: sent,
        ...ctx,
        phase,
        playback_id: playbackId,
        session_id: sessionId,
        track_id: play.track.track_id,
        position_ms: ms,
        ms_played: ms,
        end_reason: endReason,
        context: plan.context,
        offline: plan.offline,
      };
      out.push({ type: 'playback', event, sent_at: sent, delivery });
    };
    playback('STARTED', begin, 0, null);
    for (let k = 1; k <= heartbeatsOf(play.msPlayed, p); k++) {
      playback('PROGRESS', begin + k * p.heartbeatMs, k * p.heartbeatMs, null);
    }
    const end = begin + play.msPlayed;
    if (play.skip) {
      const sent = sentAt(end);
      const event: SkipEvent = {
        event_id: '',
        event_time: end,
        received_time: sent,
        ...ctx,
        playback_id: playbackId,
        session_id: sessionId,
        track_id: play.track.track_id,
        position_ms: play.msPlayed,
        direction: play.skip,
      };
      out.push({ type: 'skip', event, sent_at: sent, delivery });
    }
    playback('ENDED', end, play.msPlayed, play.endReason);
    cursor = end;
  }
  return out;
}
