/**
 * Replays a generated stream through the client SDK: one SDK client per simulated device (the
 * SDK's client context is per device), plus one without context for catalogue and finance
 * events. All clients share one transport through a funnel that
 *  - stamps each outgoing event with the simulated envelope (the generator's deterministic
 *    event_id and its simulated received_time) in place of the SDK's own, and
 *  - coalesces the small batches of many clients into large sends to the real transport.
 * Every client has one batch in flight and the funnel keeps each batch whole and in order, so a
 * device's events stay in their order. Backpressure keeps at most `maxPending` events
 * unanswered; `rate` (events/s) paces emission at a fixed rate.
 */
import { LISTENER_CONTEXT_FIELDS } from '../../schemas/generated/events.types.js';
import { createBackbeatClient } from '../sdk/backbeat-client.js';
import type {
  BackbeatClient,
  DeliveryResult,
  OutgoingEvent,
  SdkDeps,
  SdkOptions,
  Transport,
} from '../sdk/sdk.types.js';
import { createPrng } from './prng.js';
import type { AnySimEvent } from './simulator.types.js';

export interface SenderConfig {
  /** Seeds the random bytes of the SDK's own event ids (replaced on the wire by the generated ones). */
  seed: number;
  /** Events per second; 0 = as fast as the transport answers. */
  rate: number;
  /** Unanswered events allowed before emission waits (default 20,000). */
  maxPending?: number;
  /** Largest combined send to the transport (default 5,000 events). */
  maxCombined?: number;
  /** SDK batching per device client (defaults 500 events, 20 ms). */
  maxBatchSize?: number;
  lingerMs?: number;
}

export interface SenderDeps {
  transport: Transport;
  createClient?: (options: SdkOptions, deps: SdkDeps) => BackbeatClient;
  /** Wall clock for pacing (default performance.now). */
  clock?: () => number;
  onProgress?: (stats: SendStats) => void;
}

export interface SendStats {
  emitted: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  retries: number;
  /** Outgoing events the funnel could not match to a generated event (0 unless a bug). */
  unpinned: number;
  /** The first few refusals, for the summary. */
  problems: { event_id: string; type: string; reason: string }[];
}

/** What the SDK fills in itself: the envelope, and for user-scoped events the client context. */
const ENVELOPE = ['event_id', 'received_time'] as const;
const USER_ENVELOPE = [...ENVELOPE, ...LISTENER_CONTEXT_FIELDS] as const;

function omit<T extends object, K extends keyof T>(record: T, keys: readonly K[]): Omit<T, K> {
  const out = { ...record };
  for (const k of keys) delete out[k];
  return out;
}

function pick<T extends object, K extends keyof T>(record: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, record[k]])) as Pick<T, K>;
}

/** A listener event as the SDK takes it: without what the SDK fills in itself. */
export const withoutUserEnvelope = <T extends Record<(typeof USER_ENVELOPE)[number], unknown>>(
  event: T,
) => omit(event, USER_ENVELOPE);

interface Pending {
  batch: OutgoingEvent[];
  resolve: (r: DeliveryResult[]) => void;
  reject: (e: unknown) => void;
}

export function createTrafficSender(config: SenderConfig, deps: SenderDeps) {
  const maxPending = config.maxPending ?? 20_000;
  const maxCombined = config.maxCombined ?? 5_000;
  const clock = deps.clock ?? (() => performance.now());
  const create = deps.createClient ?? createBackbeatClient;
  const stats: SendStats = {
    emitted: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    dropped: 0,
    retries: 0,
    unpinned: 0,
    problems: [],
  };
  /** SDK event_id -> the generated event's envelope. */
  const pins = new Map<string, { event_id: string; received_time: number }>();
  const waiting: Pending[] = [];
  let sending = false;
  let wake: (() => void) | undefined;
  const answered = () => stats.accepted + stats.duplicates + stats.rejected + stats.dropped;
  const progress = () => {
    deps.onProgress?.(stats);
    wake?.();
  };
  const note = (event_id: string, type: string, reason: string) => {
    if (stats.problems.length < 10) stats.problems.push({ event_id, type, reason });
  };

  function stamp(out: OutgoingEvent): OutgoingEvent {
    const pin = pins.get(out.event.event_id);
    if (!pin) {
      stats.unpinned++;
      return out;
    }
    return { type: out.type, event: { ...out.event, ...pin } } as OutgoingEvent;
  }

  /** Sends everything waiting as one batch (or a few), one combined send at a time. */
  async function drain(): Promise<void> {
    if (sending) return;
    sending = true;
    await new Promise<void>((r) => setImmediate(r)); // let more clients join this send
    try {
      while (waiting.length) {
        const group: Pending[] = [];
        let size = 0;
        while (
          waiting.length &&
          (size === 0 || size + (waiting[0] as Pending).batch.length <= maxCombined)
        ) {
          const p = waiting.shift() as Pending;
          group.push(p);
          size += p.batch.length;
        }
        const combined = group.flatMap((p) => p.batch);
        const stamped = combined.map(stamp);
        let results: DeliveryResult[];
        try {
          results = await deps.transport.send(stamped);
        } catch (err) {
          for (const p of group) p.reject(err); // each client retries its own batch
          continue;
        }
        let at = 0;
        for (const p of group) {
          const mine = p.batch.map((out, i) => {
            const r = results[at + i] as DeliveryResult;
            const sdkId = out.event.event_id;
            pins.delete(sdkId);
            if (r.status === 'accepted') stats.accepted++;
            else if (r.status === 'duplicate') stats.duplicates++;
            else {
              stats.rejected++;
              note(r.event_id, out.type, r.errors.map((e) => `${e.path}: ${e.reason}`).join('; '));
            }
            return { ...r, event_id: sdkId } as DeliveryResult;
          });
          at += p.batch.length;
          p.resolve(mine);
        }
        progress();
      }
    } finally {
      sending = false;
    }
  }

  const shared: Transport = {
    send: (batch) =>
      new Promise<DeliveryResult[]>((resolve, reject) => {
        waiting.push({ batch, resolve, reject });
        void drain();
      }),
    close: async () => undefined, // the real transport is closed once, by the caller
  };

  const sdkRandom = createPrng(config.seed).fork('sdk');
  const clients = new Map<string, BackbeatClient>();
  function clientFor(e: AnySimEvent): BackbeatClient {
    const key = 'device_id' in e.event ? e.event.device_id : '';
    let c = clients.get(key);
    if (!c) {
      const context = 'device_id' in e.event ? pick(e.event, LISTENER_CONTEXT_FIELDS) : undefined;
      c = create(
        {
          ...(context ? { context } : {}),
          maxBatchSize: config.maxBatchSize ?? 500,
          lingerMs: config.lingerMs ?? 20,
          maxQueueSize: maxPending + maxCombined,
          retry: { retries: 10, initialMs: 100, maxMs: 5_000 },
          onRejected: (out, r) => {
            if (r.status !== 'dropped') return;
            stats.dropped++;
            note(pins.get(out.event.event_id)?.event_id ?? out.event.event_id, out.type, r.reason);
            pins.delete(out.event.event_id);
            progress();
          },
        },
        { transport: shared, randomBytes: (b) => sdkRandom.fill(b) },
      );
      clients.set(key, c);
    }
    return c;
  }

  /** Hands one event to its SDK client through the typed method for its type. */
  function emit(e: AnySimEvent): void {
    const client = clientFor(e);
    let sdkId: string;
    switch (e.type) {
      case 'playback':
        sdkId = client.playback(withoutUserEnvelope(e.event));
        break;
      case 'skip':
        sdkId = client.skip(withoutUserEnvelope(e.event));
        break;
      case 'follow':
        sdkId = client.follow(withoutUserEnvelope(e.event));
        break;
      case 'listener-settings':
        sdkId = client.listenerSettings(withoutUserEnvelope(e.event));
        break;
      case 'playlist-edit':
        sdkId = client.playlistEdit(withoutUserEnvelope(e.event));
        break;
      case 'track-upload':
        sdkId = client.trackUpload(omit(e.event, ENVELOPE));
        break;
      case 'revenue-report':
        sdkId = client.revenueReport(omit(e.event, ENVELOPE));
        break;
    }
    pins.set(sdkId, { event_id: e.event.event_id, received_time: e.sent_at });
    stats.emitted++;
  }

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const untilProgress = () => new Promise<void>((r) => (wake = r));

  /** Sends the whole stream; resolves after every client has flushed and been closed. */
  async function send(events: Iterable<AnySimEvent>): Promise<SendStats> {
    const t0 = clock();
    let uploadsPending = false;
    for (const e of events) {
      // A track's upload is answered before anything that may play it is emitted.
      if (uploadsPending && e.type !== 'track-upload') {
        await clients.get('')?.flush();
        uploadsPending = false;
      }
      while (stats.emitted - answered() >= maxPending) await untilProgress();
      if (config.rate > 0) {
        const ahead = t0 + (stats.emitted * 1000) / config.rate - clock();
        if (ahead >= 5) await sleep(ahead);
      } else if (stats.emitted % 5_000 === 0) {
        await new Promise<void>((r) => setImmediate(r)); // let timers and answers run
      }
      emit(e);
      if (e.type === 'track-upload') uploadsPending = true;
    }
    await Promise.all([...clients.values()].map((c) => c.flush()));
    for (const c of clients.values()) stats.retries += c.stats().retries;
    await Promise.all([...clients.values()].map((c) => c.close()));
    progress();
    return stats;
  }

  return { send, stats: () => stats };
}
