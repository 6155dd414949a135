import { uuidv7 } from '../../common/ids/uuidv7.js';
import { generateFollows, generateUsers } from './audience.generator.js';
import { type Catalogue, generateCatalogue, uploadRecord } from './catalogue.generator.js';
import {
  type SessionPlan,
  createSessionPlanner,
  materialiseSession,
} from './listening.generator.js';
import { createPrng } from './prng.js';
import { generateRevenueReports } from './revenue.generator.js';
import { HOUR_MS, type AnySimEvent, type SimulationParams, type User } from './simulator.types.js';

type Draft = Omit<AnySimEvent, 'seq'>;
interface Queued {
  draft: Draft;
  order: number;
}

/** A binary min-heap on (sent_at, order): the stream's send order. */
function createSendQueue() {
  const heap: Queued[] = [];
  const less = (a: Queued, b: Queued) =>
    a.draft.sent_at < b.draft.sent_at || (a.draft.sent_at === b.draft.sent_at && a.order < b.order);
  let order = 0;
  return {
    get size() {
      return heap.length;
    },
    peek: () => heap[0],
    push(draft: Draft) {
      heap.push({ draft, order: order++ });
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i] as Queued, heap[parent] as Queued)) break;
        [heap[i], heap[parent]] = [heap[parent] as Queued, heap[i] as Queued];
        i = parent;
      }
    },
    pop(): Draft | undefined {
      const top = heap[0];
      const last = heap.pop();
      if (!top || !last || top === last) return top?.draft;
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l] as Queued, heap[m] as Queued)) m = l;
        if (r < heap.length && less(heap[r] as Queued, heap[m] as Queued)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Queued, heap[i] as Queued];
        i = m;
      }
      return top.draft;
    },
  };
}

export interface TrafficWorld {
  params: SimulationParams;
  catalogue: Catalogue;
  users: User[];
  sessions: SessionPlan[];
  /** Events the stream will hold, known before it is produced. */
  totalEvents: number;
}

/**
 * The whole simulated world for one set of parameters, and its event stream in send order.
 * Pure: no Math.random, no clock. `events()` can be iterated any number of times and yields
 * the same events (including every event_id, playback_id and session_id) each time. The stream
 * is produced lazily: only about a day of pending sends is held in memory.
 */
export function createTrafficGenerator(params: SimulationParams) {
  const root = createPrng(params.seed);
  const catalogue = generateCatalogue(params, { rng: root.fork('catalogue') });
  const users = generateUsers(params, { rng: root.fork('users') });
  const backfillAt = params.startMs - HOUR_MS;
  const uploads: Draft[] = catalogue.tracks.map((t, i) => {
    const sentAt = t.released_at < params.startMs ? backfillAt + i : t.released_at;
    return {
      type: 'track-upload',
      event: uploadRecord(catalogue, t, {
        event_id: '',
        event_time: t.released_at,
        received_time: sentAt,
      }),
      sent_at: sentAt,
      delivery: t.released_at < params.startMs ? 'backfill' : 'online',
    };
  });
  const follows = generateFollows(params, { rng: root.fork('follows'), users, catalogue });
  const reports = generateRevenueReports(params, { users });
  const fixed: Draft[] = [...uploads, ...follows, ...reports];
  const planner = createSessionPlanner(params, { rng: root.fork('sessions'), users, catalogue });
  const target = params.targetEvents;
  const sessions = planner.plan((n, events) =>
    target === undefined ? n >= params.sessions : fixed.length + events >= target,
  );
  const world: TrafficWorld = {
    params,
    catalogue,
    users,
    sessions,
    totalEvents: fixed.length + sessions.reduce((n, s) => n + s.events, 0),
  };

  function* events(): Generator<AnySimEvent> {
    const ids = root.fork('ids');
    const newId = (t: number) => uuidv7(t, (b) => ids.fill(b));
    const queue = createSendQueue();
    for (const d of fixed) queue.push(d);
    let seq = 0;
    const emit = (d: Draft): AnySimEvent =>
      ({
        ...d,
        seq: seq++,
        event: { ...d.event, event_id: newId(d.event.event_time) },
      }) as AnySimEvent;
    for (const s of sessions) {
      // Every event of this and later sessions is sent after s.start: what is due goes now.
      while (queue.size && (queue.peek() as Queued).draft.sent_at <= s.start) {
        yield emit(queue.pop() as Draft);
      }
      for (const d of materialiseSession(s, params, newId)) queue.push(d);
    }
    while (queue.size) yield emit(queue.pop() as Draft);
  }

  return { world, events };
}

export type TrafficGenerator = ReturnType<typeof createTrafficGenerator>;
