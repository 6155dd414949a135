/**
 * The client's two bounded FIFOs, browser-safe and free of timers:
 *
 * - the **queue** holds events created while online, bounded by `maxQueueSize`;
 * - the **offline buffer** holds events created while offline, bounded by `maxOfflineSize`.
 *
 * Going offline moves the queue's events to the end of the offline buffer (they are kept, not
 * dropped, whatever the bound), so every event in the offline buffer is older than every event
 * in the queue. Batches are taken from the offline buffer first, then from the queue: events
 * leave in the order they were created, which keeps each user's events in order.
 */
import type { OutgoingEvent, OverflowPolicy } from './sdk.types.js';

export interface QueuedEvent {
  /** Creation order, 1, 2, 3, ... per client. */
  seq: number;
  out: OutgoingEvent;
}

export interface DeliveryQueueConfig {
  maxQueueSize: number;
  maxOfflineSize: number;
  overflow: OverflowPolicy;
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
    const entry = { seq: ++seq, out };
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

  /** Up to n events, oldest first (offline buffer, then queue). */
  function take(n: number): QueuedEvent[] {
    const fromOffline = offline.splice(0, n);
    const fromQueue = fromOffline.length < n ? queue.splice(0, n - fromOffline.length) : [];
    return fromOffline.concat(fromQueue);
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
    setOnline,
    drain,
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
