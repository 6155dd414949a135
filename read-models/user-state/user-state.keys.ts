/**
 * Redis keys of the user-state projection, relative to its namespace (the sink prefixes
 * `bb:user-state:g<gen>:d:`). Shared by the projection and its reader so they cannot drift.
 * Ids are URI-encoded inside keys, so an id holding ':' can never collide with another key;
 * sorted-set members are raw ids.
 */
export const USER_STATE = 'user-state';

/** Recently played keeps the 50 latest plays (by event time) per user. */
export const RECENT_CAP = 50;

/** A stream qualifies for listening totals (and royalties) after 30 s of listening. */
export const QUALIFYING_MS = 30_000;

export type FollowKind = 'artist' | 'user';
export const FOLLOW_KINDS: readonly FollowKind[] = ['artist', 'user'];

const id = (s: string) => encodeURIComponent(s);

export const userStateKeys = {
  /** Hash: device_id -> "<event_time>|<DeviceStateJson>" (last writer by event time wins). */
  devices: (userId: string) => `u:${id(userId)}:devices`,
  /** Sorted set: "<playback_id>:<track_id>" scored by the ENDED event time; 50 newest kept. */
  recent: (userId: string) => `u:${id(userId)}:recent`,
  /** Hash: ms_played, qualified_streams, skips. */
  totals: (userId: string) => `u:${id(userId)}:totals`,
  /** Sorted set: followed artist or user id, scored by the follow's event time. */
  following: (userId: string, kind: FollowKind) => `u:${id(userId)}:following:${kind}`,
  /** Sorted set: follower user id, scored by the follow's event time. */
  followers: (kind: FollowKind, targetId: string) =>
    kind === 'artist' ? `a:${id(targetId)}:followers` : `u:${id(targetId)}:followers`,
  /** Hash: `activity` -> "<event_time>|<StoredActivitySettings>" (the latest settings win). */
  settings: (userId: string) => `u:${id(userId)}:settings`,
  /** Sorted set: "<from>:<until>" private-session windows, scored by start; PRIVATE_CAP kept. */
  privateSessions: (userId: string) => `u:${id(userId)}:private`,
} as const;

/** The field of the settings hash that holds friend-activity sharing. */
export const ACTIVITY_FIELD = 'activity';

/** How many private-session windows are remembered per listener (the newest by start). */
export const PRIVATE_CAP = 50;

/** The JSON stored in the settings hash (the hsetlww value). */
export interface StoredActivitySettings {
  share_activity: boolean;
  private_session_until: number | null;
  event_time: number;
}

/** A private-session window member: "<from ms>:<until ms>". */
export const privateMember = (from: number, until: number) => `${from}:${until}`;

export function parsePrivateMember(member: string): { from: number; until: number } | undefined {
  const [from, until] = member.split(':').map(Number);
  return Number.isSafeInteger(from) && Number.isSafeInteger(until)
    ? { from: from!, until: until! }
    : undefined;
}

export const totalsFields = {
  msPlayed: 'ms_played',
  qualifiedStreams: 'qualified_streams',
  skips: 'skips',
} as const;

/** The JSON stored per device (the hsetlww value). */
export interface StoredDeviceState {
  track_id: string;
  playback_id: string;
  phase: 'STARTED' | 'PROGRESS' | 'ENDED';
  position_ms: number;
  ms_played: number;
  session_id: string;
  event_time: number;
}

/** A recently-played member: playback ids are UUIDs, so the first ':' separates the two. */
export const recentMember = (playbackId: string, trackId: string) => `${playbackId}:${trackId}`;

export function parseRecentMember(member: string): { playback_id: string; track_id: string } {
  const at = member.indexOf(':');
  return { playback_id: member.slice(0, at), track_id: member.slice(at + 1) };
}
