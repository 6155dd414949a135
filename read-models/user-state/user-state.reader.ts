import type { Redis } from 'ioredis';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { readLww } from '../../sinks/redis/redis-ops.js';
import { readPrefix } from '../../sinks/redis/redis-generation.js';
import {
  nextCursor,
  pageArgs,
  pageOfSorted,
  type Page,
  type PageRequest,
} from './user-state.cursor.js';
import {
  ACTIVITY_FIELD,
  PRIVATE_CAP,
  USER_STATE,
  parsePrivateMember,
  parseRecentMember,
  totalsFields,
  userStateKeys as k,
  type FollowKind,
  type StoredActivitySettings,
  type StoredDeviceState,
} from './user-state.keys.js';
import { redisUserStateStore, type UserStateStore } from './user-state.store.js';

/** The latest playback state of one device; `playing` is false once the playback ENDED. */
export interface DeviceState extends StoredDeviceState {
  device_id: string;
  playing: boolean;
}

export interface ResumePoint {
  device_id: string;
  track_id: string;
  playback_id: string;
  position_ms: number;
  event_time: number;
}

export interface NowPlaying {
  /** The most recent device state that is still playing, or null. */
  playing: DeviceState | null;
  /** Where to resume: the most recent state of any device, playing or not, or null. */
  resume: ResumePoint | null;
}

export interface RecentPlay {
  track_id: string;
  playback_id: string;
  /** Event time (ms since the epoch) of the playback's end. */
  played_at: number;
}

export interface Totals {
  ms_played: number;
  qualified_streams: number;
  skips: number;
}

export interface FollowEntry {
  id: string;
  /** Event time (ms since the epoch) of the follow. */
  followed_at: number;
}

export interface FollowPage extends Page<FollowEntry> {
  count: number;
}

export interface FriendActivity extends DeviceState {
  user_id: string;
}

/** Who may see a listener's activity (the defaults when the listener never chose). */
export interface ActivitySettings {
  /** Followers see the listener's activity only when true; false until the listener opts in. */
  share_activity: boolean;
  /** End of the latest private session (ms since the epoch), or null. */
  private_session_until: number | null;
  /** Whether a private session is on now. */
  private_session: boolean;
  /** Event time of the settings in force, or null when the listener never sent any. */
  updated_at: number | null;
}

/** A private-session window [from, until) in ms since the epoch. */
export interface PrivateWindow {
  from: number;
  until: number;
}

export interface UserStateReader {
  /** The listener's own activity settings (their own view: never filtered). */
  settings(userId: string): Promise<ActivitySettings>;
  devices(userId: string): Promise<DeviceState[]>;
  nowPlaying(userId: string): Promise<NowPlaying>;
  recent(userId: string, page?: PageRequest): Promise<Page<RecentPlay>>;
  totals(userId: string): Promise<Totals>;
  following(userId: string, kind: FollowKind, page?: PageRequest): Promise<FollowPage>;
  followers(kind: FollowKind, id: string, page?: PageRequest): Promise<FollowPage>;
  friendActivity(userId: string, page?: PageRequest): Promise<Page<FriendActivity>>;
}

export interface ReaderOptions {
  /** Friend activity looks at this many most recently followed users (default 1000). */
  maxFriends?: number;
  /** The clock that decides whether a private session is on (default Date.now). */
  now?: () => number;
}

function parseSettings(hash: Record<string, string>): StoredActivitySettings | undefined {
  const lww = readLww(hash[ACTIVITY_FIELD]);
  if (!lww) return undefined;
  try {
    const v: unknown = JSON.parse(lww.value);
    if (isObj(v) && typeof v.share_activity === 'boolean')
      return v as unknown as StoredActivitySettings;
  } catch {
    // unreadable settings are no consent: the activity stays hidden
  }
  return undefined;
}

const inWindow = (t: number, w: PrivateWindow) => t >= w.from && t < w.until;

/**
 * The device states of one listener that others may see, newest first: none unless the
 * listener shares activity, none while a private session is on, and never one written during a
 * private session. Pure; `now` is the read time.
 */
export function visibleActivity(
  settings: StoredActivitySettings | undefined,
  windows: readonly PrivateWindow[],
  devices: readonly DeviceState[],
  now: number,
): DeviceState[] {
  if (settings?.share_activity !== true) return [];
  if (windows.some((w) => inWindow(now, w))) return [];
  return devices.filter((d) => !windows.some((w) => inWindow(d.event_time, w)));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function parseDevice(deviceId: string, raw: string): DeviceState | undefined {
  const lww = readLww(raw);
  if (!lww) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(lww.value);
  } catch {
    return undefined;
  }
  if (!isObj(v) || typeof v.track_id !== 'string' || typeof v.event_time !== 'number') {
    return undefined;
  }
  const s = v as unknown as StoredDeviceState;
  return {
    device_id: deviceId,
    track_id: s.track_id,
    playback_id: s.playback_id,
    session_id: s.session_id,
    phase: s.phase,
    playing: s.phase !== 'ENDED',
    position_ms: s.position_ms,
    ms_played: s.ms_played,
    event_time: s.event_time,
  };
}

/** Newest first; ties by device id so the order is stable. */
const byTimeDesc = (a: DeviceState, b: DeviceState) =>
  b.event_time - a.event_time ||
  (a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0);

function devicesOf(hash: Record<string, string>): DeviceState[] {
  return Object.entries(hash)
    .map(([device, raw]) => parseDevice(device, raw))
    .filter((d): d is DeviceState => d !== undefined)
    .sort(byTimeDesc);
}

const int = (v: string | undefined) => (v === undefined ? 0 : Number(v));

/**
 * The user-state reads over a store resolved per call (one generation per call, so a read
 * never mixes a rebuilt generation with the old one).
 */
export function createUserStateReaderOver(
  resolve: () => Promise<UserStateStore>,
  opts: ReaderOptions = {},
): UserStateReader {
  const maxFriends = opts.maxFriends ?? 1000;
  const now = opts.now ?? Date.now;
  const windowsOf = (rows: readonly { member: string }[]): PrivateWindow[] =>
    rows.map((r) => parsePrivateMember(r.member)).filter((w): w is PrivateWindow => !!w);

  async function followPage(key: string, page: PageRequest | undefined): Promise<FollowPage> {
    const { limit, cursor } = pageArgs(page);
    const store = await resolve();
    const [count, rows] = await Promise.all([
      store.zcard(key),
      store.zrevrangeByScore(key, cursor ? cursor.s : null, cursor ? cursor.n : 0, limit + 1),
    ]);
    const items = rows.slice(0, limit);
    return {
      count,
      items: items.map((r) => ({ id: r.member, followed_at: r.score })),
      next_cursor:
        rows.length > limit
          ? nextCursor(
              items.map((r) => r.score),
              cursor,
            )
          : null,
    };
  }

  const reader: UserStateReader = {
    async settings(userId) {
      const store = await resolve();
      const [hash, rows] = await Promise.all([
        store.hgetall(k.settings(userId)),
        store.zrevrange(k.privateSessions(userId), 0, PRIVATE_CAP - 1),
      ]);
      const s = parseSettings(hash);
      const t = now();
      return {
        share_activity: s?.share_activity === true,
        private_session_until: s?.private_session_until ?? null,
        private_session: windowsOf(rows).some((w) => inWindow(t, w)),
        updated_at: s?.event_time ?? null,
      };
    },
    async devices(userId) {
      return devicesOf(await (await resolve()).hgetall(k.devices(userId)));
    },
    async nowPlaying(userId) {
      const devices = await reader.devices(userId);
      const latest = devices[0];
      return {
        playing: devices.find((d) => d.playing) ?? null,
        resume: latest
          ? {
              device_id: latest.device_id,
              track_id: latest.track_id,
              playback_id: latest.playback_id,
              position_ms: latest.position_ms,
              event_time: latest.event_time,
            }
          : null,
      };
    },
    async recent(userId, page) {
      const { limit, cursor } = pageArgs(page);
      const store = await resolve();
      const rows = await store.zrevrangeByScore(
        k.recent(userId),
        cursor ? cursor.s : null,
        cursor ? cursor.n : 0,
        limit + 1,
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map((r) => ({ ...parseRecentMember(r.member), played_at: r.score })),
        next_cursor:
          rows.length > limit
            ? nextCursor(
                items.map((r) => r.score),
                cursor,
              )
            : null,
      };
    },
    async totals(userId) {
      const h = await (await resolve()).hgetall(k.totals(userId));
      return {
        ms_played: int(h[totalsFields.msPlayed]),
        qualified_streams: int(h[totalsFields.qualifiedStreams]),
        skips: int(h[totalsFields.skips]),
      };
    },
    following: (userId, kind, page) => followPage(k.following(userId, kind), page),
    followers: (kind, id, page) => followPage(k.followers(kind, id), page),
    async friendActivity(userId, page) {
      const { limit, cursor } = pageArgs(page);
      const store = await resolve();
      const friends = await store.zrevrange(k.following(userId, 'user'), 0, maxFriends - 1);
      // Consent first: only the friends who share their activity are read any further.
      const settings = (await store.hgetallMany(friends.map((f) => k.settings(f.member)))).map(
        parseSettings,
      );
      const sharing = friends.filter((_, i) => settings[i]?.share_activity === true);
      const sharingSettings = settings.filter((s) => s?.share_activity === true);
      const [hashes, windows] = await Promise.all([
        store.hgetallMany(sharing.map((f) => k.devices(f.member))),
        store.zrevrangeMany(
          sharing.map((f) => k.privateSessions(f.member)),
          0,
          PRIVATE_CAP - 1,
        ),
      ]);
      const t = now();
      const latest: FriendActivity[] = [];
      sharing.forEach((f, i) => {
        const d = visibleActivity(
          sharingSettings[i],
          windowsOf(windows[i] ?? []),
          devicesOf(hashes[i] ?? {}),
          t,
        )[0];
        if (d) latest.push({ user_id: f.member, ...d });
      });
      latest.sort(
        (a, b) =>
          b.event_time - a.event_time ||
          (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0),
      );
      return pageOfSorted(latest, (a) => a.event_time, limit, cursor);
    },
  };
  return guarded(reader);
}

/** Store failures become retriable BackbeatErrors; bad page arguments pass through. */
function guarded(reader: UserStateReader): UserStateReader {
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (err) {
        if (err instanceof BackbeatError) throw err;
        throw new BackbeatError('USER_STATE_UNAVAILABLE', `user state: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
    };
  return {
    settings: wrap(reader.settings),
    devices: wrap(reader.devices),
    nowPlaying: wrap(reader.nowPlaying),
    recent: wrap(reader.recent),
    totals: wrap(reader.totals),
    following: wrap(reader.following),
    followers: wrap(reader.followers),
    friendActivity: wrap(reader.friendActivity),
  };
}

/**
 * Reads the user-state projection from Redis, resolving the current generation
 * (`readPrefix(redis, 'user-state')`) on every call so a rebuild swap is seen at once.
 */
export function createUserStateReader(
  deps: { redis: Redis },
  opts: ReaderOptions & { name?: string } = {},
): UserStateReader {
  const name = opts.name ?? USER_STATE;
  return createUserStateReaderOver(
    async () => redisUserStateStore(deps.redis, await readPrefix(deps.redis, name)),
    opts,
  );
}
