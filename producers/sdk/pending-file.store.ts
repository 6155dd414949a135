/**
 * A write-ahead journal of the events a client holds, in one file (Node only): give it to
 * `createBackbeatClient(options, { transport, store: createFileStore(path) })` and events that
 * were waiting when the process died (an outage, a crash, a deploy) are sent by the next client
 * with their original event_id and event_time.
 *
 * The file is JSON lines: `{"add":<OutgoingEvent>}` when the client takes an event on,
 * `{"done":[event_id,...]}` when events got their final answer. Appends are synchronous, so an
 * event is in the file before its method returns. `load()` replays it (a torn last line from a
 * crash is skipped), then rewrites it compacted to the pending events with an atomic
 * write-then-rename; `clear()` removes it once nothing is pending.
 */
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { OutgoingEvent, PendingStore } from './sdk.types.js';

export function createFileStore(file: string): PendingStore {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });

  function read(): OutgoingEvent[] {
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const pending = new Map<string, OutgoingEvent>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let rec: { add?: OutgoingEvent; done?: string[] };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue; // a line torn by a crash mid-append: it was never acknowledged to anyone
      }
      const id = rec.add?.event?.event_id;
      if (typeof id === 'string') pending.set(id, rec.add!);
      for (const d of Array.isArray(rec.done) ? rec.done : []) pending.delete(d);
    }
    return [...pending.values()];
  }

  function rewrite(events: OutgoingEvent[]): void {
    if (events.length === 0) return clear();
    const tmp = `${abs}.${process.pid}.tmp`;
    writeFileSync(tmp, events.map((add) => `${JSON.stringify({ add })}\n`).join(''));
    renameSync(tmp, abs);
  }

  function clear(): void {
    rmSync(abs, { force: true });
  }

  return {
    load() {
      const events = read();
      rewrite(events);
      return events;
    },
    added(events) {
      if (events.length)
        appendFileSync(abs, events.map((add) => `${JSON.stringify({ add })}\n`).join(''));
    },
    settled(ids) {
      if (ids.length) appendFileSync(abs, `${JSON.stringify({ done: ids })}\n`);
    },
    clear,
  };
}
