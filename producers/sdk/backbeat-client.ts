/**
 * The Backbeat client SDK: one typed method per event type, batching by size, bytes and linger,
 * a bounded queue with an overflow policy, retries with exponential backoff and full jitter, an
 * offline buffer that also fills by itself during a gateway outage, an optional write-ahead
 * store of pending events, keepalive sends on page unload, and flush/close. Runs in browsers
 * and in Node: no Node-only imports here (timers are the global setTimeout, ids use
 * globalThis.crypto).
 *
 * One batch is in flight at a time and a failed batch is retried before any later event is
 * sent, so events leave in the order they were created, and one user's events never overtake
 * each other, across retries, outages and offline periods alike. (The one exception is the
 * keepalive batch sent when the page goes away.)
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { isUuid } from '../../common/ids/uuidv7.js';
import { createDeliveryQueue, type QueuedEvent } from './delivery-queue.js';
import { createEventIdGenerator, cryptoRandomBytes } from './event-id.js';
import { retryDelay } from './retry-policy.js';
import { LISTENER_CONTEXT_FIELDS } from '../../schemas/generated/events.types.js';
import { resolveOptions } from './sdk-options.js';
import { saveMixAsPlaylist } from './daily-mix.playlist.js';
import { SDK_ERROR_CODES, isOutage, isRetriable, messageOf, retryAfterOf } from './sdk.errors.js';
import type {
  BackbeatClient,
  ClientContext,
  DeliveryResult,
  DroppedResult,
  EventInput,
  EventTypeName,
  OutgoingEvent,
  PageEvents,
  SdkDeps,
  SdkOptions,
  SdkStats,
  SdkTimers,
  SendOptions,
} from './sdk.types.js';

/** Keepalive requests may carry 64 KiB in flight per page; stay under it. */
export const KEEPALIVE_MAX_BYTES = 60 * 1024;

const globalTimers: SdkTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

function browserPage(): PageEvents | undefined {
  const g = globalThis as unknown as Partial<PageEvents>;
  return typeof g.addEventListener === 'function' && typeof g.document === 'object'
    ? (g as PageEvents)
    : undefined;
}

export function createBackbeatClient(options: SdkOptions, deps: SdkDeps): BackbeatClient {
  const cfg = resolveOptions(options);
  // A snapshot: changing the caller's object later does not change events already created.
  const context = options.context ? { ...options.context } : undefined;
  const { transport, store } = deps;
  const now = options.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const timers = deps.timers ?? globalTimers;
  const nextEventId = createEventIdGenerator(now, deps.randomBytes ?? cryptoRandomBytes);
  const queue = createDeliveryQueue(cfg);
  const counts = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, retries: 0 };
  // A batch never exceeds what the transport takes (the gateway's GATEWAY_MAX_EVENTS, its body limit).
  let batchSize = Math.min(cfg.maxBatchSize, transport.limits?.maxBatchSize ?? Infinity);
  const batchBytes = Math.min(
    cfg.maxBatchBytes ?? Infinity,
    transport.limits?.maxBatchBytes ?? Infinity,
  );

  let inFlight: QueuedEvent[] = [];
  const sideFlights = new Set<QueuedEvent[]>(); // keepalive batches
  let pumping = false;
  let lingerTimer: unknown;
  let lingerDue = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let appOnline = true;
  let outage = false;
  let keptInStore = false; // closed with events left in the store: the journal must stay
  const flushWaiters: { upTo: number; resolve: () => void }[] = [];
  const onlineWaiters: ((online: boolean) => void)[] = [];
  const sleepers = new Set<() => void>();

  function closedError(what: string): BackbeatError {
    return new BackbeatError(SDK_ERROR_CODES.closed, `${what}() called after close()`);
  }

  function requireContext(type: EventTypeName): ClientContext {
    if (!context)
      throw new BackbeatError(
        SDK_ERROR_CODES.contextMissing,
        `${type} events are user-scoped and need the client context: ` +
          `createBackbeatClient({ context: { ${LISTENER_CONTEXT_FIELDS.join(', ')} } }, deps)`,
      );
    return context;
  }

  function applyOnline(): void {
    queue.setOnline(appOnline && !outage);
  }

  function emit<N extends EventTypeName>(
    type: N,
    input: EventInput<N>,
    userContext?: ClientContext,
  ): string {
    if (closed) throw closedError(type);
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new BackbeatError(SDK_ERROR_CODES.eventInvalid, `${type}: expected an event object`);
    const {
      event_time,
      event_id: given,
      ...payload
    } = input as {
      event_time?: number;
      event_id?: unknown;
    };
    if (given !== undefined && !isUuid(given))
      throw new BackbeatError(
        SDK_ERROR_CODES.eventInvalid,
        `${type}: event_id must be a UUID (or left out: the SDK makes a UUIDv7), got ${JSON.stringify(given)}`,
      );
    if (cfg.overflow === 'reject' && queue.isFull())
      throw new BackbeatError(
        SDK_ERROR_CODES.queueFull,
        `${queue.online ? 'queue' : 'offline buffer'} is full ` +
          `(${queue.online ? cfg.maxQueueSize : cfg.maxOfflineSize} events); try again later`,
        { retriable: true },
      );
    // Canonical (lower-case) ids: the same event never counts twice because of letter case.
    const event_id = given === undefined ? nextEventId() : given.toLowerCase();
    const event = { ...payload, ...userContext, event_id, event_time: event_time ?? now() };
    const out = { type, event } as OutgoingEvent;
    take(out);
    schedule();
    return event_id;
  }

  /** Queues an event (new or reloaded from the store), applying the overflow policy. */
  function take(out: OutgoingEvent, journal = true): void {
    const pushed = queue.push(out);
    if (journal && pushed.kept) store?.added([out]);
    if (pushed.dropped) {
      finish(pushed.dropped, `queue full (${cfg.overflow})`);
      store?.settled([pushed.dropped.out.event.event_id]);
      settleFlushWaiters();
    }
  }

  /** Records the answer for one event and tells onRejected/onDrop about refusals and drops. */
  function finish(entry: QueuedEvent, result: DeliveryResult | string): void {
    const r: DeliveryResult | DroppedResult =
      typeof result === 'string'
        ? { status: 'dropped', event_id: entry.out.event.event_id, reason: result }
        : result;
    if (r.status === 'accepted') counts.accepted++;
    else if (r.status === 'duplicate') counts.duplicates++;
    else if (r.status === 'rejected') counts.rejected++;
    else counts.dropped++;
    if (r.status !== 'dropped') counts.sent++;
    if (r.status === 'rejected' || r.status === 'dropped') {
      try {
        options.onRejected?.(entry.out, r);
        if (r.status === 'dropped') options.onDrop?.(entry.out, r);
      } catch {
        // A throwing callback must not stop delivery of the other events.
      }
    }
  }

  function isDue(): boolean {
    return (
      queue.size >= batchSize ||
      lingerDue ||
      cfg.lingerMs === 0 ||
      queue.offline > 0 || // back online: the offline buffer goes out at once
      flushWaiters.length > 0 ||
      closed
    );
  }

  function clearLinger(): void {
    if (lingerTimer !== undefined) timers.clearTimeout(lingerTimer);
    lingerTimer = undefined;
  }

  function schedule(): void {
    if (!queue.online || queue.size === 0) return clearLinger();
    if (isDue()) return void pump();
    lingerTimer ??= timers.setTimeout(() => {
      lingerTimer = undefined;
      lingerDue = true;
      void pump();
    }, cfg.lingerMs);
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.online && queue.size > 0 && isDue()) {
        lingerDue = false;
        clearLinger();
        inFlight = queue.take(batchSize, batchBytes);
        if (inFlight.length === 0) break;
        await deliver(inFlight);
        inFlight = [];
        settleFlushWaiters();
      }
    } finally {
      pumping = false;
    }
    schedule();
  }

  async function sendBatch(batch: QueuedEvent[], opts?: SendOptions): Promise<DeliveryResult[]> {
    const outs = batch.map((e) => e.out);
    const results = await (opts ? transport.send(outs, opts) : transport.send(outs));
    if (!Array.isArray(results) || results.length !== batch.length)
      throw new BackbeatError(
        SDK_ERROR_CODES.transportProtocol,
        `transport answered ${Array.isArray(results) ? results.length : 'no'} results for ${batch.length} events`,
      );
    return results;
  }

  function answered(batch: QueuedEvent[], results: DeliveryResult[] | string): void {
    batch.forEach((e, i) => finish(e, typeof results === 'string' ? results : results[i]!));
    store?.settled(batch.map((e) => e.out.event.event_id));
  }

  /**
   * Sends one batch until it is answered. An outage (network error, timeout, 502/503/504) moves
   * the waiting events into the offline buffer and probes with this batch, with backoff and
   * without a retry limit, until the transport answers; other retriable failures spend
   * `retry.retries`.
   */
  async function deliver(batch: QueuedEvent[]): Promise<void> {
    let retriesUsed = 0;
    let probes = 0;
    for (;;) {
      let failure: unknown;
      try {
        answered(batch, await sendBatch(batch));
        endOutage();
        return;
      } catch (err) {
        failure = err;
      }
      if (
        (failure as { code?: unknown }).code === SDK_ERROR_CODES.batchTooLarge &&
        batch.length > 1
      ) {
        // The gateway takes fewer events than we were told: halve, and keep to the half.
        const half = Math.ceil(batch.length / 2);
        batchSize = Math.min(batchSize, half);
        await deliver(batch.slice(0, half));
        await deliver(batch.slice(half));
        return;
      }
      if (isOutage(failure)) {
        if (closed) {
          // close() made one last attempt: it failed, so give up on everything still held.
          abandon(batch, 'client closed during a gateway outage');
          abandon(queue.drain(), 'client closed during a gateway outage');
          return;
        }
        if (!outage) {
          outage = true;
          applyOnline();
        }
        counts.retries++;
        await sleep(retryDelay(probes++, cfg.retry, random, retryAfterOf(failure)));
        if (await untilOnline()) continue; // close() cuts the sleep short: one last attempt
        return abandon(batch, 'client closed while offline');
      }
      let reason = `not retriable: ${messageOf(failure)}`;
      if (isRetriable(failure)) {
        reason = `gave up after ${retriesUsed} retries: ${messageOf(failure)}`;
        if (retriesUsed < cfg.retry.retries) {
          counts.retries++;
          await sleep(retryDelay(retriesUsed++, cfg.retry, random, retryAfterOf(failure)));
          if (await untilOnline()) continue;
          return abandon(batch, 'client closed while offline');
        }
      }
      answered(batch, reason);
      return;
    }
  }

  /** Reports events the client gives up on at close; a store keeps them for the next client. */
  function abandon(batch: QueuedEvent[], why: string): void {
    const reason = store ? `${why}; kept in the pending store for the next client` : why;
    for (const e of batch) finish(e, reason);
    if (store && batch.length) keptInStore = true;
  }

  function endOutage(): void {
    if (!outage) return;
    outage = false;
    applyOnline();
  }

  /** A timer sleep that close() cuts short. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        sleepers.delete(done);
        timers.clearTimeout(handle);
        resolve();
      };
      const handle = timers.setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  /** Resolves true once the app says online (at once if so), false if the client is closed first. */
  function untilOnline(): Promise<boolean> {
    if (appOnline) return Promise.resolve(true);
    if (closed) return Promise.resolve(false);
    return new Promise((resolve) => onlineWaiters.push(resolve));
  }

  function oldestPending(): number | undefined {
    let oldest = inFlight[0]?.seq ?? queue.oldestSeq();
    for (const b of sideFlights)
      if (b[0] && (oldest === undefined || b[0].seq < oldest)) oldest = b[0].seq;
    return oldest;
  }

  function settleFlushWaiters(): void {
    const oldest = oldestPending();
    if (oldest === undefined && !keptInStore) store?.clear();
    for (let i = flushWaiters.length - 1; i >= 0; i--) {
      const w = flushWaiters[i]!;
      if (oldest === undefined || w.upTo < oldest) {
        flushWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  function flushAll(): Promise<void> {
    const upTo = queue.lastSeq();
    const oldest = oldestPending();
    if (oldest === undefined || oldest > upTo) return Promise.resolve();
    return new Promise((resolve) => {
      flushWaiters.push({ upTo, resolve });
      schedule();
    });
  }

  /**
   * Page unload: the oldest waiting events, up to KEEPALIVE_MAX_BYTES, leave at once in one
   * keepalive request, beside the batch in flight. If it fails they go back to the queue.
   */
  function sendKeepalive(): void {
    if (!queue.online || queue.size === 0) return;
    clearLinger();
    const batch = queue.take(batchSize, Math.min(batchBytes, KEEPALIVE_MAX_BYTES));
    sideFlights.add(batch);
    void sendBatch(batch, { keepalive: true })
      .then(
        (results) => answered(batch, results),
        () => queue.unshift(batch),
      )
      .finally(() => {
        sideFlights.delete(batch);
        settleFlushWaiters();
        schedule();
      });
  }

  function flush(opts?: SendOptions): Promise<void> {
    if (closed) return Promise.reject(closedError('flush'));
    if (opts?.keepalive) sendKeepalive();
    return flushAll();
  }

  function setOnline(online: boolean): void {
    if (closed) throw closedError('setOnline');
    appOnline = online;
    applyOnline();
    if (online) for (const w of onlineWaiters.splice(0)) w(true);
    schedule();
  }

  const page = options.flushOnPageHide === false ? undefined : (deps.page ?? browserPage());
  const onPageHide = () => void flush({ keepalive: true }).catch(() => undefined);
  const onVisibility = () => {
    if (page?.document?.visibilityState === 'hidden') onPageHide();
  };
  page?.addEventListener('pagehide', onPageHide);
  page?.addEventListener('visibilitychange', onVisibility);

  function close(): Promise<void> {
    if (closing) return closing;
    closed = true;
    page?.removeEventListener('pagehide', onPageHide);
    page?.removeEventListener('visibilitychange', onVisibility);
    closing = (async () => {
      if (!appOnline) {
        // Nothing can be sent: report what is kept, so that the app may persist it (a store
        // already has it).
        abandon(queue.drain(), 'client closed while offline');
        for (const w of onlineWaiters.splice(0)) w(false);
        for (const wake of [...sleepers]) wake();
        settleFlushWaiters();
      } else if (outage) {
        // Probe at once, one last time: if the gateway is back everything is sent, otherwise
        // what is held is reported dropped (or stays in the store).
        for (const wake of [...sleepers]) wake();
      }
      await flushAll();
      clearLinger();
      await transport.close();
    })();
    return closing;
  }

  // Events an earlier client left in the store go first, with their own ids and times.
  if (store) for (const out of store.load()) take(out, false);
  schedule();

  const client: BackbeatClient = {
    playback: (e) => emit('playback', e, requireContext('playback')),
    skip: (e) => emit('skip', e, requireContext('skip')),
    follow: (e) => emit('follow', e, requireContext('follow')),
    listenerSettings: (e) => emit('listener-settings', e, requireContext('listener-settings')),
    playlistEdit: (e) => emit('playlist-edit', e, requireContext('playlist-edit')),
    createPlaylist: (e) => {
      const ctx = requireContext('playlist-edit');
      const id = nextEventId();
      return emit(
        'playlist-edit',
        { ...e, op: 'CREATE', event_id: id, playlist_id: id } as EventInput<'playlist-edit'>,
        ctx,
      );
    },
    saveDailyMix: (tracks, opts) => saveMixAsPlaylist(client, tracks, opts),
    trackUpload: (e) => emit('track-upload', e),
    revenueReport: (e) => emit('revenue-report', e),
    setOnline,
    flush,
    close,
    stats: (): SdkStats => ({
      queued: queue.queued,
      offline: queue.offline,
      inFlight: inFlight.length,
      ...counts,
      outage,
    }),
  };
  return client;
}
