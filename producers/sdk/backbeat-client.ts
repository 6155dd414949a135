/**
 * The Backbeat client SDK: one typed method per event type, batching by size and linger, a
 * bounded queue with an overflow policy, retries with exponential backoff and full jitter, an
 * offline buffer, and flush/close. Runs in browsers and in Node: no Node-only imports here
 * (timers are the global setTimeout, ids use globalThis.crypto).
 *
 * One batch is in flight at a time and a failed batch is retried before any later event is
 * sent, so events leave in the order they were created, and one user's events never overtake
 * each other, across retries and offline periods alike.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createDeliveryQueue, type QueuedEvent } from './delivery-queue.js';
import { createEventIdGenerator, cryptoRandomBytes } from './event-id.js';
import { retryDelay } from './retry-policy.js';
import { CONTEXT_FIELDS, resolveOptions } from './sdk-options.js';
import { SDK_ERROR_CODES, isRetriable, messageOf, retryAfterOf } from './sdk.errors.js';
import type {
  BackbeatClient,
  ClientContext,
  DeliveryResult,
  DroppedResult,
  EventInput,
  EventTypeName,
  OutgoingEvent,
  SdkDeps,
  SdkOptions,
  SdkStats,
  SdkTimers,
} from './sdk.types.js';

const globalTimers: SdkTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

export function createBackbeatClient(options: SdkOptions, deps: SdkDeps): BackbeatClient {
  const cfg = resolveOptions(options);
  // A snapshot: changing the caller's object later does not change events already created.
  const context = options.context ? { ...options.context } : undefined;
  const { transport } = deps;
  const now = options.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const timers = deps.timers ?? globalTimers;
  const nextEventId = createEventIdGenerator(now, deps.randomBytes ?? cryptoRandomBytes);
  const queue = createDeliveryQueue(cfg);
  const counts = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, retries: 0 };

  let inFlight: QueuedEvent[] = [];
  let pumping = false;
  let lingerTimer: unknown;
  let lingerDue = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  const flushWaiters: { upTo: number; resolve: () => void }[] = [];
  const onlineWaiters: ((online: boolean) => void)[] = [];

  function closedError(what: string): BackbeatError {
    return new BackbeatError(SDK_ERROR_CODES.closed, `${what}() called after close()`);
  }

  function requireContext(type: EventTypeName): ClientContext {
    if (!context)
      throw new BackbeatError(
        SDK_ERROR_CODES.contextMissing,
        `${type} events are user-scoped and need the client context: ` +
          `createBackbeatClient({ context: { ${CONTEXT_FIELDS.join(', ')} } }, deps)`,
      );
    return context;
  }

  function emit<N extends EventTypeName>(
    type: N,
    input: EventInput<N>,
    userContext?: ClientContext,
  ): string {
    if (closed) throw closedError(type);
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new BackbeatError(SDK_ERROR_CODES.eventInvalid, `${type}: expected an event object`);
    if (cfg.overflow === 'reject' && queue.isFull())
      throw new BackbeatError(
        SDK_ERROR_CODES.queueFull,
        `${queue.online ? 'queue' : 'offline buffer'} is full ` +
          `(${queue.online ? cfg.maxQueueSize : cfg.maxOfflineSize} events); try again later`,
        { retriable: true },
      );
    const { event_time, ...payload } = input as { event_time?: number };
    const event_id = nextEventId();
    const event = { ...payload, ...userContext, event_id, event_time: event_time ?? now() };
    const pushed = queue.push({ type, event } as OutgoingEvent);
    if (pushed.dropped) {
      finish(pushed.dropped, `queue full (${cfg.overflow})`);
      settleFlushWaiters();
    }
    schedule();
    return event_id;
  }

  /** Records the answer for one event and tells onRejected about refusals and drops. */
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
      } catch {
        // A throwing callback must not stop delivery of the other events.
      }
    }
  }

  function isDue(): boolean {
    return (
      queue.size >= cfg.maxBatchSize ||
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
        inFlight = queue.take(cfg.maxBatchSize);
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

  /** Sends one batch until it is answered, retrying retriable failures with backoff. */
  async function deliver(batch: QueuedEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const results = await transport.send(batch.map((e) => e.out));
        if (!Array.isArray(results) || results.length !== batch.length)
          throw new BackbeatError(
            SDK_ERROR_CODES.transportProtocol,
            `transport answered ${Array.isArray(results) ? results.length : 'no'} results for ${batch.length} events`,
          );
        batch.forEach((e, i) => finish(e, results[i]!));
        return;
      } catch (err) {
        failure = err;
      }
      let reason = `not retriable: ${messageOf(failure)}`;
      if (isRetriable(failure)) {
        reason = `gave up after ${attempt} retries: ${messageOf(failure)}`;
        if (attempt < cfg.retry.retries) {
          counts.retries++;
          await sleep(retryDelay(attempt, cfg.retry, random, retryAfterOf(failure)));
          if (await untilOnline()) continue;
          reason = 'client closed while offline';
        }
      }
      for (const e of batch) finish(e, reason);
      return;
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => void timers.setTimeout(resolve, ms));
  }

  /** Resolves true once online (at once if so), false if the client is closed while offline. */
  function untilOnline(): Promise<boolean> {
    if (queue.online) return Promise.resolve(true);
    if (closed) return Promise.resolve(false);
    return new Promise((resolve) => onlineWaiters.push(resolve));
  }

  function settleFlushWaiters(): void {
    const oldest = inFlight[0]?.seq ?? queue.oldestSeq();
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
    const oldest = inFlight[0]?.seq ?? queue.oldestSeq();
    if (oldest === undefined || oldest > upTo) return Promise.resolve();
    return new Promise((resolve) => {
      flushWaiters.push({ upTo, resolve });
      schedule();
    });
  }

  function setOnline(online: boolean): void {
    if (closed) throw closedError('setOnline');
    queue.setOnline(online);
    if (online) for (const w of onlineWaiters.splice(0)) w(true);
    schedule();
  }

  function close(): Promise<void> {
    if (closing) return closing;
    closed = true;
    closing = (async () => {
      if (!queue.online) {
        // Nothing can be sent: report what is kept, so that the app may persist it.
        for (const e of queue.drain()) finish(e, 'client closed while offline');
        for (const w of onlineWaiters.splice(0)) w(false);
        settleFlushWaiters();
      }
      await flushAll();
      clearLinger();
      await transport.close();
    })();
    return closing;
  }

  return {
    playback: (e) => emit('playback', e, requireContext('playback')),
    skip: (e) => emit('skip', e, requireContext('skip')),
    follow: (e) => emit('follow', e, requireContext('follow')),
    trackUpload: (e) => emit('track-upload', e),
    revenueReport: (e) => emit('revenue-report', e),
    setOnline,
    flush: () => (closed ? Promise.reject(closedError('flush')) : flushAll()),
    close,
    stats: (): SdkStats => ({
      queued: queue.queued,
      offline: queue.offline,
      inFlight: inFlight.length,
      ...counts,
    }),
  };
}
