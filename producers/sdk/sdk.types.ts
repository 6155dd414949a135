/**
 * The client SDK's public contract. Browser-safe: no Node-only imports here, and the HTTP
 * transport uses only fetch. Event payloads are the generated Avro types minus what the SDK
 * fills in itself (event_id, event_time when omitted, received_time, and the client context).
 */
import type {
  ENVELOPE_FIELDS,
  EventTypeMap,
  EventTypeName,
  LISTENER_EVENT_NAMES,
  ListenerContext,
} from '../../schemas/generated/events.types.js';

export type { EventTypeMap, EventTypeName };

/**
 * Fields every listener-client event carries, set once per SDK instance (derived from the
 * schemas: schemas/generated LISTENER_CONTEXT_FIELDS).
 */
export type ClientContext = ListenerContext;

/** The event types that carry a ClientContext (keyed by user id on Kafka). */
export type UserScopedEventName = (typeof LISTENER_EVENT_NAMES)[number];

type Envelope = (typeof ENVELOPE_FIELDS)[number];
type ClientFields = keyof ClientContext;

/**
 * What the caller passes for one event: the payload, optionally with its own event_time and
 * event_id (a UUID the app already has, e.g. when it resends events it kept itself; the SDK
 * writes it in lower case, so that one event never counts twice by letter case).
 */
export type EventInput<N extends EventTypeName> = Omit<
  EventTypeMap[N],
  Envelope | (N extends UserScopedEventName ? ClientFields : never)
> & {
  event_time?: number;
  event_id?: string;
};

/** What `createPlaylist` takes: the name, the visibility and optionally the event time. */
export interface CreatePlaylistInput {
  name: string;
  public: boolean;
  event_time?: number;
}

/** What `saveDailyMix` takes besides the tracks. */
export interface SaveMixOptions {
  name: string;
  public: boolean;
  /** The event time of every edit it sends (default: now). */
  event_time?: number;
}

/** A playlist saved from a list: its id, and each track's item id (= position id), in order. */
export interface SavedPlaylist {
  playlist_id: string;
  item_ids: string[];
}

/**
 * One event on its way: the full record the transport sends. A union over the event types, so
 * that checking `type` narrows `event`.
 */
export type OutgoingEvent<N extends EventTypeName = EventTypeName> = {
  [K in N]: {
    type: K;
    event: Omit<EventTypeMap[K], 'received_time'> & { received_time?: number };
  };
}[N];

/** One reason an event was refused, at a JSON Pointer into the event (e.g. `/ms_played`). */
export interface EventError {
  path: string;
  reason: string;
}

/** Per-event answer of a transport. */
export type DeliveryResult =
  | { status: 'accepted'; event_id: string }
  | { status: 'duplicate'; event_id: string }
  | { status: 'rejected'; event_id: string; errors: EventError[] };

/** The SDK gave up on an event without an answer from the platform (overflow, retries exhausted, closed offline). */
export interface DroppedResult {
  status: 'dropped';
  event_id: string;
  reason: string;
}

/** What the SDK does when its bounded queue is full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

export interface RetryOptions {
  /** Retries after the first attempt (default 8). */
  retries?: number;
  /** Cap of the first retry's delay (default 100 ms); the cap doubles per retry... */
  initialMs?: number;
  /** ...up to this (default 10,000 ms). The delay is uniform in [0, cap) ("full jitter"). */
  maxMs?: number;
}

export interface SdkOptions {
  /** Context for listener events (playback, skip, follow, listener settings, playlist edits). */
  context?: ClientContext;
  /** Send when this many events are queued (default 100). */
  maxBatchSize?: number;
  /** ...or when the oldest queued event is this old (default 50 ms). */
  lingerMs?: number;
  /** Queue bound (default 10,000 events) and what happens past it (default 'drop-oldest'). */
  maxQueueSize?: number;
  overflow?: OverflowPolicy;
  /** Bound of the offline buffer (default 10,000 events); `overflow` applies to it as well. */
  maxOfflineSize?: number;
  /** Retries of a failed batch: exponential backoff with full jitter. */
  retry?: RetryOptions;
  /**
   * Largest batch body in bytes (default: the transport's limit, 1 MiB for the HTTP
   * transport); a batch is cut before it would exceed it. Never above the transport's limit.
   */
  maxBatchBytes?: number;
  /** Called for events the platform refused (they are not retried) and for dropped ones. */
  onRejected?: (event: OutgoingEvent, result: DeliveryResult | DroppedResult) => void;
  /** Called for dropped events only (overflow, retries used up, closed during an outage). */
  onDrop?: (event: OutgoingEvent, result: DroppedResult) => void;
  /**
   * In a browser, send what is waiting with `keepalive` when the page is hidden or unloaded
   * (`pagehide`, `visibilitychange` to hidden). Default true; ignored outside browsers.
   */
  flushOnPageHide?: boolean;
  /** Clock, injectable for tests and the simulator. */
  now?: () => number;
}

/** Timer functions the client schedules with (the global ones unless injected). */
export interface SdkTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the client is built from: its transport, and optional sources of randomness and time. */
export interface SdkDeps {
  transport: Transport;
  /** Uniform [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
  /** Fills a buffer with random bytes for event ids (default globalThis.crypto.getRandomValues). */
  randomBytes?: (buf: Uint8Array) => void;
  timers?: SdkTimers;
  /**
   * Keeps waiting events across restarts (Node: `createFileStore(path)` from
   * `pending-file.store.ts`). Events it holds at construction are sent first, with their
   * original event_id and event_time.
   */
  store?: PendingStore;
  /** Where to listen for `pagehide` (default globalThis when it has a document). */
  page?: PageEvents;
}

/** The part of `window` the client listens to for page unload. */
export interface PageEvents {
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
  readonly document?: { readonly visibilityState?: string };
}

/** A write-ahead journal of the events the client holds (see pending-file.store.ts). */
export interface PendingStore {
  /** Events an earlier client left undelivered, oldest first. */
  load(): OutgoingEvent[];
  /** Events the client took on (emitted or reloaded). */
  added(events: readonly OutgoingEvent[]): void;
  /** Events that got their final answer (accepted, duplicate, rejected or dropped). */
  settled(eventIds: readonly string[]): void;
  /** Nothing is pending any more: the journal may go. */
  clear(): void;
}

/** Per-send options. */
export interface SendOptions {
  /** The page is going away: the request must outlive it (fetch keepalive, body <= 64 KiB). */
  keepalive?: boolean;
}

/** What one batch may hold for a transport (the gateway's GATEWAY_MAX_EVENTS and body limit). */
export interface TransportLimits {
  maxBatchSize?: number;
  maxBatchBytes?: number;
}

/** A transport sends one batch and answers per event, or throws a retriable error. */
export interface Transport {
  /**
   * Answers one result per event, in batch order. Throws when the batch as a whole failed: an
   * error with `retriable: true` (and optionally `retryAfterMs`) makes the client retry it.
   */
  send(batch: OutgoingEvent[], options?: SendOptions): Promise<DeliveryResult[]>;
  close(): Promise<void>;
  /** Batch limits the client keeps to (it caps maxBatchSize and cuts batches by bytes). */
  readonly limits?: TransportLimits;
}

export interface SdkStats {
  /** Waiting to be sent (online queue). */
  queued: number;
  /** Kept in the offline buffer. */
  offline: number;
  /** In the batch being sent or retried. */
  inFlight: number;
  /** Events answered by the transport (accepted + duplicates + rejected). */
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  /** Retries of failed batches (attempts during an outage included). */
  retries: number;
  /** True while the transport is unreachable (network error, timeout, 502/503/504). */
  outage: boolean;
}

/** The SDK: one typed method per event type, plus lifecycle. */
export interface BackbeatClient {
  playback(e: EventInput<'playback'>): string;
  skip(e: EventInput<'skip'>): string;
  follow(e: EventInput<'follow'>): string;
  /** Who may see the listener's activity: `share_activity`, and a private session until a time. */
  listenerSettings(e: EventInput<'listener-settings'>): string;
  /**
   * One edit of a playlist (add, remove or move a track, rename, visibility, collaborators,
   * delete), by the client's listener. Returns the event_id: an ADD_TRACK's is the new item's
   * id and position id, a MOVE_TRACK's the item's new position id.
   */
  playlistEdit(e: EventInput<'playlist-edit'>): string;
  /**
   * Creates a playlist owned by the client's listener; returns its playlist_id (the CREATE's
   * event_id, as the contract requires).
   */
  createPlaylist(e: CreatePlaylistInput): string;
  /**
   * Saves tracks (e.g. the items of GET /v1/me/daily-mix) as a new playlist in their order: a
   * CREATE, then each track added right after the previous one. Returns the playlist id and the
   * item ids; the events leave like any other (`flush()` waits for them).
   */
  saveDailyMix(tracks: readonly { track_id: string }[], options: SaveMixOptions): SavedPlaylist;
  trackUpload(e: EventInput<'track-upload'>): string;
  revenueReport(e: EventInput<'revenue-report'>): string;
  /** Offline mode: events are kept (with their original event_time) until `setOnline(true)`. */
  setOnline(online: boolean): void;
  /**
   * Resolves when every event queued so far has been answered by the transport. With
   * `{ keepalive: true }` (page unload) the waiting events leave at once in keepalive requests
   * of at most 60 KiB each (the browser's limit is 64 KiB in flight per page).
   */
  flush(options?: SendOptions): Promise<void>;
  /** Flushes, then releases the transport. Methods called after close throw. */
  close(): Promise<void>;
  stats(): SdkStats;
}
