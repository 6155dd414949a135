import type { EventTypeMap, EventTypeName, Product } from '../../schemas/generated/events.types.js';

/** Everything that decides the generated stream. Same parameters, same stream, byte for byte. */
export interface SimulationParams {
  seed: number;
  users: number;
  tracks: number;
  artists: number;
  labels: number;
  /** Planted taste clusters (each track belongs to one, each user to one). */
  clusters: number;
  /** Fraction of a user's plays drawn from their own cluster (the rest from other clusters). */
  affinity: number;
  /** Zipf exponent of track popularity. */
  zipf: number;
  days: number;
  /** Start of the simulated period, ms since the epoch (UTC). */
  startMs: number;
  /** Listening sessions to generate; ignored when `targetEvents` is set. */
  sessions: number;
  /** Generate sessions until at least this many events exist (uploads, follows, reports included). */
  targetEvents?: number;
  /** Fraction of online playbacks whose events are sent late. */
  lateRate: number;
  /** Fraction of sessions on mobile devices played offline and sent in a burst the next day. */
  offlineRate: number;
  /** Interval of PROGRESS heartbeats, in ms of listening, and their cap per playback. */
  heartbeatMs: number;
  maxHeartbeats: number;
}

export const DEFAULT_PARAMS: Omit<SimulationParams, 'seed' | 'startMs' | 'sessions'> = {
  users: 200,
  tracks: 500,
  artists: 100,
  labels: 10,
  clusters: 8,
  affinity: 0.8,
  zipf: 1.1,
  days: 7,
  lateRate: 0.03,
  offlineRate: 0.05,
  heartbeatMs: 30_000,
  maxHeartbeats: 6,
};

/** The markets the simulator knows: weight of its listeners, currency, price and UTC offset. */
export interface MarketSpec {
  code: string;
  weight: number;
  currency: string;
  minorUnit: number;
  /** Monthly premium price in minor units. */
  priceMinor: number;
  /** Local time offset from UTC in minutes (for the daily listening curve). */
  utcOffsetMin: number;
}

export const MARKETS: readonly MarketSpec[] = [
  { code: 'US', weight: 30, currency: 'USD', minorUnit: 2, priceMinor: 1199, utcOffsetMin: -300 },
  { code: 'GB', weight: 12, currency: 'GBP', minorUnit: 2, priceMinor: 1199, utcOffsetMin: 0 },
  { code: 'DE', weight: 12, currency: 'EUR', minorUnit: 2, priceMinor: 1099, utcOffsetMin: 60 },
  { code: 'BR', weight: 12, currency: 'BRL', minorUnit: 2, priceMinor: 2190, utcOffsetMin: -180 },
  { code: 'IN', weight: 10, currency: 'INR', minorUnit: 2, priceMinor: 11900, utcOffsetMin: 330 },
  { code: 'SE', weight: 8, currency: 'SEK', minorUnit: 2, priceMinor: 12900, utcOffsetMin: 60 },
  { code: 'JP', weight: 8, currency: 'JPY', minorUnit: 0, priceMinor: 980, utcOffsetMin: 540 },
  { code: 'FR', weight: 8, currency: 'EUR', minorUnit: 2, priceMinor: 1099, utcOffsetMin: 60 },
];

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const QUALIFYING_MS = 30_000;

export interface Label {
  label_id: string;
  name: string;
  /** ISRC registrant code (3 alphanumerics). */
  registrant: string;
  country: string;
}

export interface Artist {
  artist_id: string;
  name: string;
  label_id: string;
}

export interface Track {
  index: number;
  track_id: string;
  title: string;
  isrc: string;
  artist_ids: string[];
  label_id: string;
  duration_ms: number;
  markets: string[];
  /** 1 = most popular. */
  popularity_rank: number;
  cluster: number;
  /** Upload time: before the period for the back catalogue, during it for new releases. */
  released_at: number;
}

export interface Device {
  device_id: string;
  platform: string;
  client_version: string;
}

export interface User {
  index: number;
  user_id: string;
  market: string;
  product: Product;
  devices: Device[];
  cluster: number;
  /** Relative listening activity (heavy listeners have more sessions). */
  activity: number;
}

/** Why an event reaches Backbeat when it does. */
export type Delivery = 'online' | 'late' | 'offline' | 'backfill';

/** One generated event, in send order, with the simulated time it is sent at. */
export interface SimEvent<N extends EventTypeName = EventTypeName> {
  /** Position in the stream (0-based). */
  seq: number;
  type: N;
  /** The full record; received_time is the simulated send time. */
  event: EventTypeMap[N];
  /** Simulated send time (ms since the epoch). */
  sent_at: number;
  delivery: Delivery;
}

export type AnySimEvent = { [N in EventTypeName]: SimEvent<N> }[EventTypeName];
