/**
 * Test doubles for the SDK's pure queue logic (Node only, used by *.unit.test.ts): a virtual
 * clock whose timers fire only when a test advances time, and an in-memory Transport that
 * records every batch and answers as a test scripts it.
 */
import type {
  ClientContext,
  DeliveryResult,
  EventInput,
  OutgoingEvent,
  SdkTimers,
  Transport,
} from '../../producers/sdk/sdk.types.js';

/** Lets every pending promise continuation (and what they schedule) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

export function createFakeClock(start = Date.UTC(2025, 5, 1, 12, 0, 0)) {
  let t = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  const api: SdkTimers = {
    setTimeout(fn, ms) {
      const id = ++nextId;
      timers.set(id, { at: t + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
  };

  /** Moves time forward, firing due timers in time order and settling promises after each. */
  async function advance(ms: number): Promise<void> {
    const end = t + ms;
    await settle();
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers)
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      timers.delete(due[0]);
      t = due[1].at;
      due[1].fn();
      await settle();
    }
    t = end;
    await settle();
  }

  return {
    now: () => t,
    timers: api,
    advance,
    /** Sets the wall clock without firing timers (an event created "later"). */
    set: (ms: number) => void (t = ms),
    pendingTimers: () => timers.size,
  };
}

export type Responder = (batch: OutgoingEvent[]) => DeliveryResult[] | Promise<DeliveryResult[]>;

export const acceptAll: Responder = (batch) =>
  batch.map((e) => ({ status: 'accepted', event_id: e.event.event_id }));

/**
 * An in-memory Transport. Each send takes the next scripted responder (or `fallback` when the
 * script is used up) and records the batch with the clock's time.
 */
export function createFakeTransport(clock: { now(): number }, fallback: Responder = acceptAll) {
  const calls: { at: number; batch: OutgoingEvent[] }[] = [];
  const script: Responder[] = [];
  let closedAt: number | undefined;
  let closeCalls = 0;
  const transport: Transport = {
    async send(batch) {
      calls.push({ at: clock.now(), batch: [...batch] });
      return (script.shift() ?? fallback)(batch);
    },
    async close() {
      closeCalls++;
      closedAt = calls.length;
    },
  };
  return {
    transport,
    calls,
    /** Queues responders for the next sends, in order. */
    respond: (...r: Responder[]) => void script.push(...r),
    /** Event ids of every batch sent, flattened, in send order. */
    sentIds: () => calls.flatMap((c) => c.batch.map((e) => e.event.event_id)),
    closeInfo: () => ({ closeCalls, sendsBeforeClose: closedAt }),
  };
}

/** A send that stays pending until the test calls `release`. */
export function gate(then: Responder = acceptAll) {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  const responder: Responder = async (batch) => {
    await opened;
    return then(batch);
  };
  return { responder, release: () => release() };
}

export const CONTEXT: ClientContext = {
  user_id: 'user-1',
  device_id: 'device-1',
  market: 'SE',
  product: 'PREMIUM',
  platform: 'web',
  client_version: '1.2.3',
};

let n = 0;
export function playbackInput(over: Partial<EventInput<'playback'>> = {}): EventInput<'playback'> {
  n++;
  return {
    phase: 'PROGRESS',
    playback_id: '0190f0f0-0000-7000-8000-000000000001',
    session_id: 'session-1',
    track_id: `track-${n}`,
    position_ms: 1000 * n,
    ms_played: 1000 * n,
    ...over,
  };
}

export function revenueInput(
  over: Partial<EventInput<'revenue-report'>> = {},
): EventInput<'revenue-report'> {
  return {
    report_id: 'rep-1',
    market: 'SE',
    period: '2025-05',
    currency: 'SEK',
    minor_unit: 2,
    pool_minor: 100_000_00,
    premium_listeners: 1234,
    ...over,
  };
}
