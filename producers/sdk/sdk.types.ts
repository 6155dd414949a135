/**
 * The client SDK's public contract. Browser-safe: no Node-only imports here, and the HTTP
 * transport uses only fetch. Event payloads are the generated Avro types minus what the SDK
 * fills in itself (event_id, event_time when omitted, received_time, and the client context).
 */
import type { EventTypeMap, EventTypeName } from '../../schemas/generated/events.types.js';

/** Fields every listener-client event carries, set once per SDK instance. */
export interface ClientContext {
  user_id: string;
  device_id: string;
  market: string;
  product: 'FREE' | 'PREMIUM';
  platform: string;
  client_version: string;
}

type Envelope = 'event_id' | 'event_time' | 'received_time';
type ClientFields = keyof ClientContext;

/** What the caller passes for one event: the payload, optionally with its own event_time. */
export type EventInput<N extends EventTypeName> = Omit<
  EventTypeMap[N],
  Envelope | (N extends 'playback' | 'skip' | 'follow' ? ClientFields : never)
> & {
  event_time?: number;
};

/** One event on its way: the full record the transport sends. */
export interface OutgoingEvent<N extends EventTypeName = EventTypeName> {
  type: N;
  event: Omit<EventTypeMap[N], 'received_time'> & { received_time?: number };
}

/** Per-event answer of a transport. */
export type DeliveryResult =
  | { status: 'accepted'; event_id: string }
  | { status: 'duplicate'; event_id: string }
  | { status: 'rejected'; event_id: string; errors: { path: string; reason: string }[] };

/** What the SDK does when its bounded queue is full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

export interface SdkOptions {
  /** Context for user-scoped events (playback, skip, follow). */
  context?: ClientContext;
  /** Send when this many events are queued (default 100). */
  maxBatchSize?: number;
  /** ...or when the oldest queued event is this old (default 50 ms). */
  lingerMs?: number;
  /** Queue bound (default 10,000 events) and what happens past it (default 'drop-oldest'). */
  maxQueueSize?: number;
  overflow?: OverflowPolicy;
  /** Retries of a failed batch: exponential backoff with full jitter. */
  retry?: { retries?: number; initialMs?: number; maxMs?: number };
  /** Called for events the platform refused (they are not retried) and for dropped ones. */
  onRejected?: (
    event: OutgoingEvent,
    result: DeliveryResult | { status: 'dropped'; reason: string },
  ) => void;
  /** Clock, injectable for tests and the simulator. */
  now?: () => number;
}

/** A transport sends one batch and answers per event, or throws a retriable error. */
export interface Transport {
  send(batch: OutgoingEvent[]): Promise<DeliveryResult[]>;
  close(): Promise<void>;
}

/** The SDK: one typed method per event type, plus lifecycle. */
export interface BackbeatClient {
  playback(e: EventInput<'playback'>): string;
  skip(e: EventInput<'skip'>): string;
  follow(e: EventInput<'follow'>): string;
  trackUpload(e: EventInput<'track-upload'>): string;
  revenueReport(e: EventInput<'revenue-report'>): string;
  /** Offline mode: events are kept (with their original event_time) until `setOnline(true)`. */
  setOnline(online: boolean): void;
  /** Resolves when every event queued so far has been answered by the transport. */
  flush(): Promise<void>;
  /** Flushes, then releases the transport. Methods called after close throw. */
  close(): Promise<void>;
  stats(): {
    queued: number;
    offline: number;
    sent: number;
    accepted: number;
    rejected: number;
    dropped: number;
    retries: number;
  };
}
