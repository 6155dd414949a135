/**
 * The client's two bounded FIFOs, browser-safe and free of timers:
 *
 * - the **queue** holds events created while online, bounded by `maxQueueSize`;
 * - the **offline buffer** holds events created while offline (or during a gateway outage),
 *   bounded by `maxOfflineSize`.
 *
 * Going offline moves the queue's events to the end of the offline buffer (they are kept, not
 * dropped, whatever the bound), so every event in the offline buffer is older than every event
 * in the queue. Batches are taken from the offline buffer first, then from the queue: events
 * leave in the order they were created, which keeps each user's events in order.
 *
 * Each entry knows its size as JSON (UTF-8 bytes of `{"type":...,"event":...}`), so that a batch
 * can be cut under a byte limit as well as a count.
 */
import type { OutgoingEvent, OverflowPolicy } from './sdk.types.js';

export interface QueuedEvent {
  /** Creation order, 1, 2, 3, ... per client. */
  seq: number;
  out: OutgoingEvent;
  /** UTF-8 bytes of the event's item in a batch body. */
  bytes: number;
}

export interface DeliveryQueueConfig {
  maxQueueSize: number;
  maxOfflineSize: number;
  overflow: OverflowPolicy;
}

const utf8 = new TextEncoder();

/** The JSON of one batch item, as the HTTP transport writes it. */
export function itemBytes(out: OutgoingEvent): number {
  return utf8.encode(JSON.stringify({ type: out.type, event: out.event })).length;
}

/** Bytes of `{"events":[item,item,...]}` around items of these sizes. */
export function batchBytes(items: readonly { bytes: number }[]): number {
  return items.reduce((n, e) => n + e.bytes, 0) + Math.max(0, items.length - 1) + 13;
}

export function createDeliveryQueue(config: DeliveryQueueConfig) {
  let queue: QueuedEvent[] = [];
  let offline: QueuedEvent[] = [];
  let online = true;
  let seq = 0;

  const target = () => (online ? queue : offline);
  const bound = () => (online ? config.maxQueueSize : config.maxOfflineSize);

  /** True when the next event would overflow the list it goes to. */
  function isFull(): boolean {
    return target().length >= bound();
  }

  /**
   * Adds an event, applying the overflow policy when full ('reject' must be handled by the
   * caller, with isFull(), before the event is built). Returns the event dropped to make room
   * (drop-oldest) or the new event itself when it was not kept (drop-newest).
   */
  function push(out: OutgoingEvent): { kept: boolean; dropped?: QueuedEvent } {
    const list = target();
    const entry = { seq: ++seq, out, bytes: itemBytes(out) };
    if (list.length < bound()) {
      list.push(entry);
      return { kept: true };
    }
    if (config.overflow === 'drop-oldest') {
      const dropped = list.shift();
      list.push(entry);
      return dropped ? { kept: true, dropped } : { kept: true };
    }
    return { kept: false, dropped: entry };
  }

  /**
   * Up to n events, oldest first (offline buffer, then queue), whose batch body stays within
   * maxBytes; the first event is always taken (a batch of one that is too large is the
   * gateway's to refuse, with 413).
   */
  function take(n: number, maxBytes = Infinity): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    let bytes = 13;
    while (out.length < n) {
      const next = offline[0] ?? queue[0];
      if (!next) break;
      const add = next.bytes + (out.length ? 1 : 0);
      if (out.length && bytes + add > maxBytes) break;
      (offline.length ? offline : queue).shift();
      out.push(next);
      bytes += add;
    }
    return out;
  }

  /** Puts events back at the front (oldest first), e.g. a batch whose send was abandoned. */
  function unshift(entries: QueuedEvent[]): void {
    if (online) queue = entries.concat(queue);
    else offline = entries.concat(offline);
  }

  function setOnline(value: boolean): void {
    if (value === online) return;
    online = value;
    if (!online) {
      offline = offline.concat(queue);
      queue = [];
    }
  }

  /** Removes and returns every waiting event (oldest first). */
  function drain(): QueuedEvent[] {
    const all = offline.concat(queue);
    offline = [];
    queue = [];
    return all;
  }

  return {
    isFull,
    push,
    take,
    unshift,
    setOnline,
    drain,
    /** Every waiting event, oldest first, without removing them. */
    peekAll: (): QueuedEvent[] => offline.concat(queue),
    /** The oldest waiting event's seq, or undefined. */
    oldestSeq: (): number | undefined => (offline[0] ?? queue[0])?.seq,
    lastSeq: (): number => seq,
    get online() {
      return online;
    },
    get queued() {
      return queue.length;
    },
    get offline() {
      return offline.length;
    },
    get size() {
      return queue.length + offline.length;
    },
  };
}

export type DeliveryQueue = ReturnType<typeof createDeliveryQueue>;
