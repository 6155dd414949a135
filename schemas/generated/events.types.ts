// Generated from schemas/avro/*.avsc by schemas/codegen/generate-types.ts. Do not edit:
// change the .avsc file and run `npm run schemas:generate`.

/** The listener's subscription. */
export type Product = 'FREE' | 'PREMIUM';

export type FollowAction = 'FOLLOW' | 'UNFOLLOW';

export type FollowTarget = 'ARTIST' | 'USER';

/** The listener followed or unfollowed an artist or another user. Follows and unfollows share one topic so that their order per user holds. */
export interface FollowEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** The listener's user id (the Kafka key). */
  user_id: string;
  /** The device the client runs on. */
  device_id: string;
  /** ISO 3166-1 alpha-2 country code of the listener's market. */
  market: string;
  /** free (ad-supported) or premium. */
  product: Product;
  /** Client platform: ios, android, web, desktop, ... */
  platform: string;
  /** Client application version. */
  client_version: string;
  /** Follow or unfollow. */
  action: FollowAction;
  /** What is followed. */
  target_type: FollowTarget;
  /** The artist id or user id followed. */
  target_id: string;
}

/** The listener changed who may see their listening activity. Friend activity shows a listener to their followers only while their latest settings share activity and no private session covers the play; with no settings event a listener's activity is hidden (opt-in). Plays in a private session still count for the listener's own state and play counts. */
export interface ListenerSettingsEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** The listener's user id (the Kafka key). */
  user_id: string;
  /** The device the client runs on. */
  device_id: string;
  /** ISO 3166-1 alpha-2 country code of the listener's market. */
  market: string;
  /** free (ad-supported) or premium. */
  product: Product;
  /** Client platform: ios, android, web, desktop, ... */
  platform: string;
  /** Client application version. */
  client_version: string;
  /** Whether followers may see what the listener plays (friend activity). Hidden until the listener opts in. */
  share_activity: boolean;
  /** A private session from event_time until this time (ms since the epoch): nothing played in it is shown to others, now or later; it still counts for the listener's own state. null: no private session. */
  private_session_until?: null | number;
}

export type PlaybackPhase = 'STARTED' | 'PROGRESS' | 'ENDED';

export type EndReason = 'TRACK_DONE' | 'SKIP_FORWARD' | 'SKIP_BACKWARD' | 'USER_STOPPED' | 'NEW_TRACK' | 'ERROR' | 'LOGOUT' | 'UNKNOWN';

/** One step in the lifecycle of a playback: STARTED when a track starts, PROGRESS heartbeats while it plays, ENDED with the milliseconds played and why it ended. All steps of one playback share playback_id; one topic keeps them in order per user. */
export interface PlaybackEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** The listener's user id (the Kafka key). */
  user_id: string;
  /** The device the client runs on. */
  device_id: string;
  /** ISO 3166-1 alpha-2 country code of the listener's market. */
  market: string;
  /** free (ad-supported) or premium. */
  product: Product;
  /** Client platform: ios, android, web, desktop, ... */
  platform: string;
  /** Client application version. */
  client_version: string;
  /** Which lifecycle step this is. */
  phase: PlaybackPhase;
  /** Id of this playback (one track, one play). */
  playback_id: string;
  /** The listening session it belongs to (tracks played in one sitting). */
  session_id: string;
  /** The track played. */
  track_id: string;
  /** Position in the track at event_time, in ms. */
  position_ms: number;
  /** Milliseconds actually listened in this playback so far; on ENDED the total. A stream qualifies at 30000. */
  ms_played: number;
  /** Why it ended (ENDED only). */
  end_reason?: null | EndReason;
  /** Where it was started from: playlist, album, artist or radio id. */
  context?: null | string;
  /** Played while offline and sent when the device came back online. */
  offline?: boolean;
}

export type PlaylistOp = 'CREATE' | 'RENAME' | 'SET_VISIBILITY' | 'ADD_TRACK' | 'REMOVE_TRACK' | 'MOVE_TRACK' | 'ADD_COLLABORATOR' | 'REMOVE_COLLABORATOR' | 'DELETE';

/** One edit of a collaborative playlist: create it, rename it, set its visibility, add, remove or move a track, grant or revoke a collaborator, delete it. All edits of one playlist share one topic keyed by playlist_id, so they are applied in one order; the item order converges whatever that order is (position ids, newest first after one position). */
export interface PlaylistEditEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** The author: the listener who made the edit. Only the owner and the playlist's collaborators may edit (see processors/playlists). */
  user_id: string;
  /** The device the client runs on. */
  device_id: string;
  /** ISO 3166-1 alpha-2 country code of the listener's market. */
  market: string;
  /** free (ad-supported) or premium. */
  product: Product;
  /** Client platform: ios, android, web, desktop, ... */
  platform: string;
  /** Client application version. */
  client_version: string;
  /** The playlist (the Kafka key): the event_id of the CREATE that made it. */
  playlist_id: string;
  /** What the edit does; each op carries only its own fields below, the others are null. */
  op: PlaylistOp;
  /** CREATE, RENAME: the playlist's name (not blank). */
  name?: null | string;
  /** CREATE, SET_VISIBILITY: true, anyone may read the playlist; false, only its owner and collaborators. */
  public?: null | boolean;
  /** ADD_TRACK: the track added. The new item's id is the ADD_TRACK's event_id. */
  track_id?: null | string;
  /** REMOVE_TRACK, MOVE_TRACK: the item, by the event_id of the ADD_TRACK that added it. */
  item_id?: null | string;
  /** ADD_TRACK, MOVE_TRACK: the position the item goes right after, by the event_id of the ADD_TRACK or MOVE_TRACK that made it (it stays a position when its item moves on or is removed); null: at the head. */
  after_position_id?: null | string;
  /** ADD_COLLABORATOR, REMOVE_COLLABORATOR: the user granted or revoked the right to edit. */
  collaborator_id?: null | string;
}

/** The royalty pool of one market for one month, as finance reports it. Amounts are integers of the currency's minor unit. */
export interface RevenueReportEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** Finance's id for the report; a corrected report gets a new id and a later event_time. */
  report_id: string;
  /** ISO 3166-1 alpha-2 market code (the Kafka key is market:period). */
  market: string;
  /** The month, YYYY-MM. */
  period: string;
  /** ISO 4217 currency code. */
  currency: string;
  /** Decimal places of the minor unit (2 for EUR cents, 0 for JPY). */
  minor_unit: number;
  /** Royalty pool to distribute, in minor units. */
  pool_minor: number;
  /** Paying listeners in the market that month (for user-centric statements). */
  premium_listeners: number;
}

export type SkipDirection = 'FORWARD' | 'BACKWARD';

/** The listener skipped away from a track. */
export interface SkipEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** The listener's user id (the Kafka key). */
  user_id: string;
  /** The device the client runs on. */
  device_id: string;
  /** ISO 3166-1 alpha-2 country code of the listener's market. */
  market: string;
  /** free (ad-supported) or premium. */
  product: Product;
  /** Client platform: ios, android, web, desktop, ... */
  platform: string;
  /** Client application version. */
  client_version: string;
  /** The playback that was skipped. */
  playback_id: string;
  /** The listening session. */
  session_id: string;
  /** The track skipped. */
  track_id: string;
  /** Position in the track when skipped, in ms. */
  position_ms: number;
  /** Next track or previous track. */
  direction: SkipDirection;
}

export interface ArtistCredit {
  artist_id: string;
  name: string;
}

export interface RightsHolderShare {
  rights_holder_id: string;
  name: string;
  /** label, artist, publisher, distributor, ... */
  role: string;
  /** Share of the track's royalties in basis points. */
  share_bps: number;
}

/** A track entered the catalogue (or was re-delivered with new metadata), with its rights holders and their shares. */
export interface TrackUploadEvent {
  /** Globally unique id (UUIDv7 from the SDK); the idempotency key. */
  event_id: string;
  /** When it happened, by the client's (or source system's) clock, in ms since the epoch. */
  event_time: number;
  /** When Backbeat's ingest (gateway or SDK) received it, in ms since the epoch. */
  received_time: number;
  /** Backbeat's track id (the Kafka key). */
  track_id: string;
  /** International Standard Recording Code, 12 characters. */
  isrc: string;
  /** Track title. */
  title: string;
  /** Credited artists, main artist first. */
  artists: ArtistCredit[];
  /** The label that delivered the track. */
  label_id: string;
  /** The label's name. */
  label_name: string;
  /** The release (album, single) it belongs to. */
  release_id?: null | string;
  /** Duration in ms. */
  duration_ms: number;
  /** ISO 3166-1 alpha-2 codes where it may be streamed. */
  markets: string[];
  /** Who is paid for streams of it; share_bps sum to exactly 10000. */
  rights_holders: RightsHolderShare[];
  /** Account that uploaded it. */
  uploaded_by: string;
}

/** Event type name (the .avsc file name) -> its record type. */
export interface EventTypeMap {
  'follow': FollowEvent;
  'listener-settings': ListenerSettingsEvent;
  'playback': PlaybackEvent;
  'playlist-edit': PlaylistEditEvent;
  'revenue-report': RevenueReportEvent;
  'skip': SkipEvent;
  'track-upload': TrackUploadEvent;
}

export type EventTypeName = keyof EventTypeMap;

export const EVENT_TYPE_NAMES = ['follow', 'listener-settings', 'playback', 'playlist-edit', 'revenue-report', 'skip', 'track-upload'] as const;

export const RECORD_NAMES = {
  'follow': 'FollowEvent',
  'listener-settings': 'ListenerSettingsEvent',
  'playback': 'PlaybackEvent',
  'playlist-edit': 'PlaylistEditEvent',
  'revenue-report': 'RevenueReportEvent',
  'skip': 'SkipEvent',
  'track-upload': 'TrackUploadEvent',
} as const satisfies Record<EventTypeName, string>;

/** Fields every event type carries: the envelope. */
export const ENVELOPE_FIELDS = ['event_id', 'event_time', 'received_time'] as const;

/** Event types a listener makes (they have user_id, the Kafka key of all but playlist edits). */
export const LISTENER_EVENT_NAMES = ['follow', 'listener-settings', 'playback', 'playlist-edit', 'skip'] as const satisfies readonly EventTypeName[];

/** Fields every listener event carries besides the envelope: the listener's client context. */
export const LISTENER_CONTEXT_FIELDS = ['user_id', 'device_id', 'market', 'product', 'platform', 'client_version'] as const;

/** The listener's client context: the LISTENER_CONTEXT_FIELDS of a listener event. */
export type ListenerContext = Pick<FollowEvent, (typeof LISTENER_CONTEXT_FIELDS)[number]>;

