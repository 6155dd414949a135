/**
 * The client's behaviour that issue 9 asked for: an outage detected without setOnline (events
 * kept, bounded, and sent with their original ids and times when the transport is back), a
 * write-ahead store that survives a crash, batches capped by the transport's limits (events and
 * bytes), keepalive sends on page hide, and canonical (lower-case) event ids.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { KEEPALIVE_MAX_BYTES, createBackbeatClient } from './backbeat-client.js';
import { batchBytes, itemBytes } from './delivery-queue.js';
import { createFileStore } from './pending-file.store.js';
import { TransportError } from './sdk.errors.js';
import {
  CONTEXT,
  acceptAll,
  createFakeClock,
  playbackInput,
  settle,
} from '../../test/helpers/sdk.helper.js';
import type {
  DeliveryResult,
  DroppedResult,
  OutgoingEvent,
  PageEvents,
  SdkOptions,
  SendOptions,
  Transport,
  TransportLimits,
} from './sdk.types.js';

const down = () =>
  new TransportError('SDK_NETWORK', 'POST http://127.0.0.1:9/v1/events failed: ECONNREFUSED', {
    retriable: true,
  });

/** A transport that is down (connection refused) while `isDown()`, then accepts everything. */
function flakyTransport(clock: { now(): number }, limits?: TransportLimits) {
  const calls: { at: number; batch: OutgoingEvent[]; opts: SendOptions | undefined }[] = [];
  let isDown = false;
  const delivered: OutgoingEvent[] = [];
  const transport: Transport = {
    async send(batch, opts) {
      calls.push({ at: clock.now(), batch: [...batch], opts });
      if (isDown) throw down();
      delivered.push(...batch);
      return acceptAll(batch);
    },
    async close() {},
    ...(limits ? { limits } : {}),
  };
  return { transport, calls, delivered, setDown: (v: boolean) => void (isDown = v) };
}

function setup(
  options: Partial<SdkOptions> = {},
  extra: { limits?: TransportLimits; store?: ReturnType<typeof createFileStore> } = {},
) {
  const clock = createFakeClock();
  const t = flakyTransport(clock, extra.limits);
  const refused: { event: OutgoingEvent; result: DeliveryResult | DroppedResult }[] = [];
  const drops: DroppedResult[] = [];
  const client = createBackbeatClient(
    {
      context: CONTEXT,
      now: clock.now,
      lingerMs: 0,
      retry: { retries: 8, initialMs: 100, maxMs: 1000 },
      onRejected: (event, result) => refused.push({ event, result }),
      onDrop: (_e, result) => drops.push(result),
      flushOnPageHide: false,
      ...options,
    },
    {
      transport: t.transport,
      timers: clock.timers,
      random: () => 0.5,
      ...(extra.store ? { store: extra.store } : {}),
    },
  );
  return { clock, t, client, refused, drops };
}

describe('BackbeatClient: outages are detected without setOnline', () => {
  it('given the gateway refuses connections for 15 s, then every event emitted meanwhile arrives exactly once, in order, with its original event_id and event_time', async () => {
    const { client, t, clock, refused } = setup();
    t.setDown(true);
    const emitted: { id: string; at: number }[] = [];
    for (let i = 0; i < 30; i++) {
      emitted.push({ id: client.playback(playbackInput()), at: clock.now() });
      await clock.advance(500); // 30 events over 15 s
    }
    assert.equal(client.stats().outage, true);
    assert.equal(refused.length, 0, 'nothing dropped during the outage');
    assert.ok(t.calls.length > 9, 'probed more often than the 8 retries the client had');
    t.setDown(false);
    await clock.advance(2000); // the next probe (<= retry.maxMs) finds the gateway back
    assert.equal(client.stats().outage, false);
    assert.deepEqual(
      t.delivered.map((e) => e.event.event_id),
      emitted.map((e) => e.id),
      'each event exactly once, in creation order',
    );
    for (const [i, e] of t.delivered.entries()) assert.equal(e.event.event_time, emitted[i]!.at);
    assert.equal(client.stats().accepted, 30);
    assert.equal(client.stats().dropped, 0);
  });

  it('given a 503 from the gateway (overloaded or Kafka down), then it counts as an outage too, and a 500 spends retries', async () => {
    const clock = createFakeClock();
    let n = 0;
    const transport: Transport = {
      async send(batch) {
        n++;
        if (n <= 12)
          throw new TransportError('SDK_HTTP', 'gateway answered 503', {
            retriable: true,
            status: 503,
          });
        return acceptAll(batch);
      },
      async close() {},
    };
    const client = createBackbeatClient(
      { context: CONTEXT, now: clock.now, lingerMs: 0, retry: { retries: 2, maxMs: 500 } },
      { transport, timers: clock.timers, random: () => 0.5 },
    );
    client.playback(playbackInput());
    await clock.advance(60_000);
    assert.deepEqual([client.stats().accepted, client.stats().dropped], [1, 0]);
  });

  it('given the outage outlasts the bound, then the offline buffer drops its oldest events, counts them and tells onDrop', async () => {
    const { client, t, clock, drops } = setup({ maxOfflineSize: 5 });
    t.setDown(true);
    const ids: string[] = [];
    ids.push(client.playback(playbackInput())); // in flight: the probe batch
    await clock.advance(10);
    for (let i = 0; i < 8; i++) ids.push(client.playback(playbackInput()));
    assert.deepEqual(
      drops.map((d) => [d.event_id, d.reason]),
      ids.slice(1, 4).map((id) => [id, 'queue full (drop-oldest)']),
    );
    assert.equal(client.stats().dropped, 3);
    t.setDown(false);
    await clock.advance(5000);
    assert.deepEqual(
      t.delivered.map((e) => e.event.event_id),
      [ids[0], ...ids.slice(4)],
    );
  });

  it('given close() during an outage, then it ends at once and reports what it held as dropped', async () => {
    const { client, t, clock, refused } = setup();
    t.setDown(true);
    const ids = [client.playback(playbackInput()), client.playback(playbackInput())];
    await clock.advance(100);
    let closed = false;
    void client.close().then(() => (closed = true));
    await settle();
    assert.equal(closed, true);
    assert.deepEqual(
      refused.map((r) => [r.event.event.event_id, (r.result as DroppedResult).reason]).sort(),
      ids.map((id) => [id, 'client closed during a gateway outage']).sort(),
    );
  });
});

describe('BackbeatClient: the pending store (write-ahead file)', () => {
  it('given a crash during an outage, then a new client on the same file delivers the held events with their original ids and times, and the file goes', async () => {
    const file = path.join(tempDir('sdk-store-'), 'pending.jsonl');
    const first = setup({}, { store: createFileStore(file) });
    first.t.setDown(true);
    const emitted: { id: string; at: number }[] = [];
    for (let i = 0; i < 5; i++) {
      emitted.push({ id: first.client.playback(playbackInput()), at: first.clock.now() });
      await first.clock.advance(300);
    }
    assert.ok(existsSync(file), 'the events are on disk');
    // "Crash": the first client is never closed and never sends again.
    const second = setup({}, { store: createFileStore(file) });
    await second.clock.advance(100);
    assert.deepEqual(
      second.t.delivered.map((e) => [e.event.event_id, e.event.event_time]),
      emitted.map((e) => [e.id, e.at]),
    );
    await second.client.close();
    assert.equal(existsSync(file), false, 'removed once delivered');
  });

  it('given close() during an outage with a store, then the events stay in the file for the next client', async () => {
    const file = path.join(tempDir('sdk-store-'), 'pending.jsonl');
    const first = setup({}, { store: createFileStore(file) });
    first.t.setDown(true);
    const ids = [first.client.playback(playbackInput()), first.client.playback(playbackInput())];
    await first.clock.advance(100);
    await first.client.close();
    assert.match((first.refused[0]!.result as DroppedResult).reason, /kept in the pending store/);
    const again = createFileStore(file).load();
    assert.deepEqual(
      again.map((e) => e.event.event_id),
      ids,
    );
  });
});

describe('BackbeatClient: batch limits', () => {
  it("given maxBatchSize 2000 over the gateway's 500, then batches are capped at 500 and none is refused", async () => {
    const { client, t } = setup(
      { maxBatchSize: 2000, maxQueueSize: 5000 },
      { limits: { maxBatchSize: 500 } },
    );
    for (let i = 0; i < 1200; i++) client.playback(playbackInput());
    await client.flush();
    assert.deepEqual(
      t.calls.map((c) => c.batch.length),
      [1, 500, 500, 199],
    );
    assert.equal(client.stats().accepted, 1200);
  });

  it("given events whose batch would exceed the transport's body limit, then batches are cut under it", async () => {
    const limit = 4096;
    const { client, t } = setup({ maxBatchSize: 500 }, { limits: { maxBatchBytes: limit } });
    client.setOnline(false);
    for (let i = 0; i < 100; i++) client.playback(playbackInput({ session_id: 'x'.repeat(50) }));
    client.setOnline(true);
    await client.flush();
    assert.ok(t.calls.length > 1);
    for (const c of t.calls) {
      const body = JSON.stringify({
        events: c.batch.map((e) => ({ type: e.type, event: e.event })),
      });
      assert.ok(Buffer.byteLength(body) <= limit, `${Buffer.byteLength(body)} <= ${limit}`);
      assert.equal(
        batchBytes(c.batch.map((e) => ({ bytes: itemBytes(e) }))),
        Buffer.byteLength(body),
      );
    }
    assert.equal(client.stats().accepted, 100);
  });
});

describe('BackbeatClient: page unload', () => {
  function fakePage() {
    const listeners = new Map<string, () => void>();
    const page: PageEvents & { visibility: string; fire(type: string): void } = {
      visibility: 'visible',
      get document() {
        return { visibilityState: page.visibility };
      },
      addEventListener: (type, fn) => void listeners.set(type, fn),
      removeEventListener: (type) => void listeners.delete(type),
      fire: (type) => listeners.get(type)?.(),
    };
    return { page, listeners };
  }

  it('given pagehide, then the waiting events leave at once in one keepalive send of at most 60 KiB', async () => {
    const clock = createFakeClock();
    const t = flakyTransport(clock);
    const { page, listeners } = fakePage();
    const client = createBackbeatClient(
      { context: CONTEXT, now: clock.now, lingerMs: 10_000, maxBatchSize: 500 },
      { transport: t.transport, timers: clock.timers, page },
    );
    const ids = Array.from({ length: 300 }, () =>
      client.playback(playbackInput({ session_id: 'y'.repeat(200) })),
    );
    assert.equal(t.calls.length, 0, 'still lingering');
    page.fire('pagehide');
    assert.ok(t.calls.length >= 1, 'sent at once, without waiting for the linger');
    assert.deepEqual(t.calls[0]!.opts, { keepalive: true });
    const sent = t.calls[0]!.batch;
    assert.ok(batchBytes(sent.map((e) => ({ bytes: itemBytes(e) }))) <= KEEPALIVE_MAX_BYTES);
    assert.ok(sent.length < 300, 'one keepalive request (the browser takes 64 KiB in flight)');
    assert.deepEqual(
      sent.map((e) => e.event.event_id),
      ids.slice(0, sent.length),
    );
    await settle(); // the rest follows in ordinary sends (if the page lives on)
    assert.equal(client.stats().accepted, 300);
    client.playback(playbackInput());
    page.visibility = 'hidden';
    page.fire('visibilitychange');
    assert.deepEqual(t.calls.at(-1)!.opts, { keepalive: true }, 'a hidden page sends too');
    await client.close();
    assert.equal(listeners.size, 0, 'close removes the listeners');
    assert.equal(client.stats().accepted, 301);
  });

  it('flush({ keepalive: true }) sends with keepalive; a plain flush does not', async () => {
    const { client, t } = setup({ lingerMs: 10_000 });
    client.playback(playbackInput());
    await client.flush({ keepalive: true });
    client.playback(playbackInput());
    await client.flush();
    assert.deepEqual(
      t.calls.map((c) => c.opts),
      [{ keepalive: true }, undefined],
    );
  });
});

describe('BackbeatClient: event ids', () => {
  it('given an event_id in upper case, then the SDK sends it in lower case; a generated one is lower case', async () => {
    const { client, t } = setup();
    const upper = '0190F0F0-0000-7ABC-8DEF-00000000000A';
    assert.equal(client.playback({ ...playbackInput(), event_id: upper }), upper.toLowerCase());
    const made = client.playback(playbackInput());
    assert.equal(made, made.toLowerCase());
    await client.flush();
    assert.deepEqual(
      t.delivered.map((e) => e.event.event_id),
      [upper.toLowerCase(), made],
    );
  });

  it('given an event_id that is not a UUID, then SDK_EVENT_INVALID is thrown and nothing is queued', () => {
    const { client } = setup();
    assert.throws(
      () => client.playback({ ...playbackInput(), event_id: 'not-a-uuid' }),
      (e: unknown) => e instanceof BackbeatError && e.code === 'SDK_EVENT_INVALID',
    );
    assert.equal(client.stats().queued, 0);
  });
});

describe('BackbeatClient: a 413 the transport did not foresee', () => {
  it('given a gateway that takes at most 3 events, then a batch of 8 is split until every event is accepted, and later batches keep to the smaller size', async () => {
    const clock = createFakeClock();
    const sizes: number[] = [];
    const transport: Transport = {
      async send(batch) {
        sizes.push(batch.length);
        if (batch.length > 3)
          throw new TransportError('SDK_BATCH_TOO_LARGE', 'HTTP 413', {
            retriable: false,
            status: 413,
          });
        return acceptAll(batch);
      },
      async close() {},
    };
    const client = createBackbeatClient(
      { context: CONTEXT, now: clock.now, lingerMs: 10, maxBatchSize: 50 },
      { transport, timers: clock.timers },
    );
    for (let i = 0; i < 8; i++) client.playback(playbackInput());
    await client.flush();
    assert.deepEqual(sizes, [8, 4, 2, 2, 4, 2, 2]);
    for (let i = 0; i < 8; i++) client.playback(playbackInput());
    await client.flush();
    assert.deepEqual(sizes.slice(7), [2, 2, 2, 2], 'kept to the half (4 -> 2 learned)');
    assert.equal(client.stats().accepted, 16);
    assert.equal(client.stats().dropped + client.stats().rejected, 0);
  });
});
