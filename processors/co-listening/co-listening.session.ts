/**
 * The co-listening session rule, pure: how one play moves a listener's open-session window and
 * which track pairs, first plays and new sessions it yields. Rules (README, "Rules"):
 *
 * - A play is a qualified stream (ENDED, ms_played >= 30000; the play-counts rule). Anything
 *   else changes nothing.
 * - Same session iff the play's session_id equals the window's ('' equals '': then the gap rule
 *   alone), its event time lies within the session's span widened by the gap,
 *   [firstTime - maxGapMs, lastTime + maxGapMs], and it is in the same UTC month (a session never
 *   straddles a month, so every month's counts form a consistent table). An earlier (out of
 *   order) play inside that range joins the session; one outside it opens a new session, which
 *   replaces the open one. Order is the partition's delivery order (playback is keyed by user).
 * - A play pairs with the session's last N distinct tracks before it (`pairWith`), other than
 *   its own track; each unordered pair at most once per session.
 * - A session holds at most `maxTracksPerSession` distinct tracks and `maxPairsPerSession`
 *   pairs: the play that would pass either opens a new session (same session_id), so the window
 *   stays bounded and an endless session counts as several.
 */
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { qualifiedStream } from '../play-counts/play-counts.projection.js';
import type { SessionWindow } from './co-listening.window.js';
import { hasBit, pairBit, pairedBytes, setBit, utcMonth } from './co-listening.window.js';

export type { SessionWindow } from './co-listening.window.js';
export { decodeWindow, encodeWindow } from './co-listening.window.js';

export interface SessionRules {
  /** Largest gap of event time within a session (ms). */
  readonly maxGapMs: number;
  /** N: a play pairs with at most this many of the session's last distinct tracks. */
  readonly pairWith: number;
  /** Distinct tracks one session holds before the next new track opens another session. */
  readonly maxTracksPerSession: number;
  /** Pairs one session counts before a play that would count more opens another session. */
  readonly maxPairsPerSession: number;
}

/** 30 min gap, N = 50, 200 tracks and 5,000 pairs per session (state <= 19,900 pair bits). */
export const DEFAULT_SESSION_RULES: SessionRules = {
  maxGapMs: 30 * 60_000,
  pairWith: 50,
  maxTracksPerSession: 200,
  maxPairsPerSession: 5_000,
};

/** Rules with defaults; throws InternalError on a value no session could follow (a bug). */
export function sessionRules(over: Partial<SessionRules> = {}): SessionRules {
  const r = { ...DEFAULT_SESSION_RULES, ...over };
  const checks: [keyof SessionRules, number][] = [
    ['maxGapMs', 0],
    ['pairWith', 1],
    ['maxTracksPerSession', 1],
    ['maxPairsPerSession', 0],
  ];
  for (const [k, min] of checks) {
    if (!Number.isSafeInteger(r[k]) || r[k] < min) {
      throw new InternalError(`co-listening: ${k} ${r[k]} is not an integer >= ${min}`);
    }
  }
  return r;
}

/** One co-listened pair, counted once for the listener's session. */
export interface CoListenPair {
  /** Deterministic dedup id: the completing play's event_id and the other track, URI-encoded. */
  readonly id: string;
  /** The two tracks, a < b in UTF-16 code unit order. */
  readonly a: string;
  readonly b: string;
  /** UTC month (YYYY-MM) of the play that completed the pair. */
  readonly month: string;
  /** event_id of the play that completed the pair. */
  readonly eventId: string;
}

export type SessionStep =
  | {
      /** Not a qualified stream: nothing changes. */
      readonly qualified: false;
      readonly window: SessionWindow | undefined;
      readonly pairs: readonly [];
      readonly tracksSeen: readonly [];
      readonly sessionOpened: false;
    }
  | {
      readonly qualified: true;
      readonly window: SessionWindow;
      /** Pairs this play completed, in the order of the recent tracks (least recent first). */
      readonly pairs: readonly CoListenPair[];
      /** The play's track when it is the track's first play in this session, else empty. */
      readonly tracksSeen: readonly string[];
      /** Whether this play opened a new session (the LLR's universe counts these). */
      readonly sessionOpened: boolean;
      /** UTC month and event_id of the play, for the session and first-play counts' dedup. */
      readonly month: string;
      readonly eventId: string;
    };

const enc = encodeURIComponent;

/** A window holding one play only: a new session. */
function opened(sessionId: string, time: number, track: string): SessionWindow {
  return {
    sessionId,
    firstTime: time,
    lastTime: time,
    tracks: [track],
    recent: [0],
    paired: new Uint8Array(0),
    pairCount: 0,
  };
}

function joins(w: SessionWindow, sessionId: string, time: number, rules: SessionRules): boolean {
  return (
    w.sessionId === sessionId &&
    time >= w.firstTime - rules.maxGapMs &&
    time <= w.lastTime + rules.maxGapMs &&
    utcMonth(time) === utcMonth(w.firstTime)
  );
}

/**
 * Moves the window by one playback: the new window, the pairs the play completed, whether its
 * track is new to the session and whether it opened one. A playback that can never count (a
 * bad event_id, track_id, event_time, market or ms_played) answers `{ reason }`.
 *
 * Each event_id must be evolved once: the caller drops a duplicated event (same event_id,
 * another offset) before, as the Redis sink does. (A duplicate's pairs that the original also
 * yielded carry the same ids, so a store keyed by them counts those once.)
 */
export function evolveSession(
  window: SessionWindow | undefined,
  play: PlaybackEvent,
  rules: SessionRules = DEFAULT_SESSION_RULES,
): SessionStep | { reason: string } {
  const q = qualifiedStream(play);
  if (typeof q === 'string') return { reason: q };
  if (!q) return { qualified: false, window, pairs: [], tracksSeen: [], sessionOpened: false };
  const sessionId = typeof play.session_id === 'string' ? play.session_id : '';
  const { event_time: time, track_id: track, event_id: eventId } = play;
  const month = utcMonth(time);
  const fresh = {
    qualified: true,
    window: opened(sessionId, time, track),
    pairs: [],
    tracksSeen: [track],
    sessionOpened: true,
    month,
    eventId,
  } as const;
  if (!window || !joins(window, sessionId, time, rules)) return fresh;

  const known = window.tracks.indexOf(track);
  if (known < 0 && window.tracks.length >= rules.maxTracksPerSession) return fresh;
  const self = known < 0 ? window.tracks.length : known;
  const partners = window.recent.filter((i) => i !== self).slice(-rules.pairWith);
  const unpaired = partners.filter((i) => !hasBit(window.paired, pairBit(i, self)));
  if (window.pairCount + unpaired.length > rules.maxPairsPerSession) return fresh;

  const tracks = known < 0 ? [...window.tracks, track] : window.tracks;
  const paired = new Uint8Array(pairedBytes(tracks.length));
  paired.set(window.paired);
  const pairs = unpaired.map((i): CoListenPair => {
    setBit(paired, pairBit(i, self));
    const other = tracks[i]!;
    const [a, b] = other < track ? [other, track] : [track, other];
    return { id: `${enc(eventId)}|${enc(other)}`, a, b, month, eventId };
  });
  const next: SessionWindow = {
    sessionId,
    firstTime: Math.min(window.firstTime, time),
    lastTime: Math.max(window.lastTime, time),
    tracks,
    recent: [...partners, self].slice(-rules.pairWith),
    paired,
    pairCount: window.pairCount + pairs.length,
  };
  return {
    qualified: true,
    window: next,
    pairs,
    tracksSeen: known < 0 ? [track] : [],
    sessionOpened: false,
    month,
    eventId,
  };
}
