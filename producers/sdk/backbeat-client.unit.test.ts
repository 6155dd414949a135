import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { isUuid, uuidv7Time } from '../../common/ids/uuidv7.js';
import { createBackbeatClient } from './backbeat-client.js';
import { createEventIdGenerator } from './event-id.js';
import { backoffCap, retryDelay } from './retry-policy.js';
import { TransportError } from './sdk.errors.js';
import {
  CONTEXT,
  acceptAll,
  createFakeClock,
  createFakeTransport,
  gate,
  playbackInput,
  revenueInput,
  settle,
  type Responder,
} from '../../test/helpers/sdk.helper.js';
import type { DeliveryResult, DroppedResult, OutgoingEvent, SdkOptions } from './sdk.types.js';

function setup(options: Partial<SdkOptions> = {}, random: () => number = () => 0.5) {
  const clock = createFakeClock();
  const fake = createFakeTransport(clock);
  const refused: { event: OutgoingEvent; result: DeliveryResult | DroppedResult }[] = [];
  const client = createBackbeatClient(
    {
      context: CONTEXT,
      now: clock.now,
      onRejected: (event, result) => refused.push({ event, result }),
      ...options,
    },
    { transport: fake.transport, timers: clock.timers, random },
  );
  return { clock, fake, client, refused };
}

const retriable =
  (retryAfterMs?: number): Responder =>
  () => {
    throw new TransportError('SDK_HTTP', 'gateway answered 503', {
      retriable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  };

describe('BackbeatClient: events', () => {
  it('given a context, when playback is emitted, then it carries the context, a UUIDv7 event_id and event_time = now', async () => {
    const { client, fake, clock } = setup({ lingerMs: 0 });
    const id = client.playback(playbackInput({ phase: 'STARTED' }));
    await settle();
    const [sent] = fake.calls[0]!.batch;
    assert.equal(sent!.type, 'playback');
    assert.equal(sent!.event.event_id, id);
    assert.ok(isUuid(id) && id[14] === '7', 'a version-7 UUID');
    assert.equal(uuidv7Time(id), clock.now());
    assert.equal(sent!.event.event_time, clock.now());
    assert.deepEqual(
      Object.fromEntries(Object.keys(CONTEXT).map((k) => [k, (sent!.event as never)[k]])),
      CONTEXT,
    );
    assert.equal('received_time' in sent!.event, false, 'received_time is stamped by ingest');
  });

  it('given an explicit event_time, when emitted, then it is kept as given', async () => {
    const { client, fake } = setup({ lingerMs: 0 });
    client.skip({ ...playbackInput(), direction: 'FORWARD', event_time: 1_700_000_000_000 });
    await settle();
    assert.equal(fake.calls[0]!.batch[0]!.event.event_time, 1_700_000_000_000);
  });

  it('given no context, when a user-scoped event is emitted, then SDK_CONTEXT_MISSING is thrown and nothing is queued; catalogue events need none', async () => {
    const { client, fake } = setup({ context: undefined, lingerMs: 0 });
    for (const emit of [
      () => client.playback(playbackInput()),
      () => client.skip({ ...playbackInput(), direction: 'FORWARD' }),
      () => client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: 'a1' }),
    ])
      assert.throws(
        emit,
        (e: BackbeatError) => e.code === 'SDK_CONTEXT_MISSING' && /context/.test(e.message),
      );
    assert.equal(client.stats().queued, 0);
    client.revenueReport(revenueInput());
    await settle();
    assert.equal(fake.calls.length, 1);
    const event = fake.calls[0]!.batch[0]!.event as Record<string, unknown>;
    assert.equal(event.user_id, undefined, 'no context merged into a finance event');
    assert.equal(event.market, 'SE');
  });

  it('given a context, when a playlist is created and edited, then the CREATE carries its own event_id as playlist_id and each edit the context', async () => {
    const { client, fake } = setup({ lingerMs: 0 });
    const playlist = client.createPlaylist({ name: 'Road trip', public: false });
    const item = client.playlistEdit({
      playlist_id: playlist,
      op: 'ADD_TRACK',
      track_id: 'track-1',
      after_position_id: null,
    });
    await client.flush();
    const sent = fake.calls.flatMap((c) => c.batch);
    assert.deepEqual(
      sent.map((o) => o.type),
      ['playlist-edit', 'playlist-edit'],
    );
    const [create, addTrack] = sent.map((o) => o.event as Record<string, unknown>);
    assert.equal(create!.event_id, playlist);
    assert.equal(create!.playlist_id, playlist);
    assert.deepEqual([create!.op, create!.name, create!.public], ['CREATE', 'Road trip', false]);
    assert.equal(addTrack!.event_id, item);
    assert.equal(addTrack!.user_id, CONTEXT.user_id);
    assert.equal(addTrack!.device_id, CONTEXT.device_id);
    const { client: bare } = setup({ context: undefined });
    assert.throws(
      () => bare.createPlaylist({ name: 'x', public: true }),
      (e: BackbeatError) => e.code === 'SDK_CONTEXT_MISSING',
    );
  });

  it('given invalid options, when the client is created, then SDK_CONFIG_INVALID names each problem', () => {
    const fake = createFakeTransport({ now: Date.now });
    assert.throws(
      () =>
        createBackbeatClient(
          { maxBatchSize: 0, lingerMs: -1, overflow: 'drop-all' as never },
          { transport: fake.transport },
        ),
      (e: BackbeatError) =>
        e.code === 'SDK_CONFIG_INVALID' &&
        /maxBatchSize/.test(e.message) &&
        /lingerMs/.test(e.message) &&
        /overflow/.test(e.message),
    );
  });

  it('UUIDv7 ids are unique and strictly time-ordered, within one millisecond and when the clock steps back', () => {
    let t = Date.UTC(2025, 0, 1);
    const next = createEventIdGenerator(() => t);
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 500 === 0) t += 1; // four milliseconds, 500 ids each
      ids.push(next());
    }
    t -= 10; // the clock steps back
    ids.push(next(), next());
    assert.equal(new Set(ids).size, ids.length, 'unique');
    assert.ok(ids.every((id) => isUuid(id) && id[14] === '7' && /^[89ab]$/.test(id[19]!)));
    assert.deepEqual([...ids].sort(), ids, 'sorted order is creation order');
    assert.equal(uuidv7Time(ids[0]!), Date.UTC(2025, 0, 1) + 1);
    assert.equal(uuidv7Time(ids[1999]!), Date.UTC(2025, 0, 1) + 4);
  });
});

describe('BackbeatClient: batching', () => {
  it('given maxBatchSize 3, when 7 events are emitted, then two full batches leave at once and the last one after lingerMs', async () => {
    const { client, fake, clock } = setup({ maxBatchSize: 3, lingerMs: 1000 });
    const ids = Array.from({ length: 7 }, () => client.playback(playbackInput()));
    await settle();
    assert.deepEqual(
      fake.calls.map((c) => c.batch.length),
      [3, 3],
    );
    assert.equal(client.stats().queued, 1);
    await clock.advance(999);
    assert.equal(fake.calls.length, 2);
    await clock.advance(1);
    assert.deepEqual(
      fake.calls.map((c) => c.batch.length),
      [3, 3, 1],
    );
    assert.deepEqual(fake.sentIds(), ids);
  });

  it('given lingerMs 50, when 2 events are emitted, then nothing leaves before 50 ms and both leave together at 50 ms', async () => {
    const { client, fake, clock } = setup({ lingerMs: 50 });
    client.playback(playbackInput());
    await clock.advance(20);
    client.playback(playbackInput());
    await clock.advance(29);
    assert.equal(fake.calls.length, 0);
    await clock.advance(1);
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0]!.batch.length, 2);
    assert.equal(fake.calls[0]!.at - fake.calls[0]!.batch[0]!.event.event_time, 50);
  });
});

describe('BackbeatClient: retries', () => {
  it('backoff: retry n waits uniform [0, min(maxMs, initialMs * 2^n)), raised to Retry-After', () => {
    const policy = { retries: 8, initialMs: 100, maxMs: 10_000 };
    assert.deepEqual(
      Array.from({ length: 10 }, (_, n) => backoffCap(n, policy)),
      [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000],
    );
    for (let n = 0; n < 12; n++) {
      const cap = backoffCap(n, policy);
      const samples = Array.from({ length: 500 }, () => retryDelay(n, policy, Math.random));
      assert.ok(
        samples.every((d) => d >= 0 && d < cap),
        `retry ${n} within [0, ${cap})`,
      );
      assert.ok(
        Math.max(...samples) > cap * 0.8 && Math.min(...samples) < cap * 0.2,
        'spread over the range (jitter)',
      );
    }
    assert.equal(
      retryDelay(0, policy, () => 0.99, 3000),
      3000,
      'Retry-After is a floor',
    );
    assert.equal(
      retryDelay(7, policy, () => 0.9, 3000),
      9000,
    );
    assert.equal(backoffCap(5000, policy), 10_000, 'no overflow on huge attempt counts');
  });

  it('given a transport that keeps failing, then attempts are spaced by jittered, doubling delays and the batch is reported dropped after the last retry', async () => {
    const randoms = [0.9, 0.1, 0.5, 0.75, 0.3];
    let r = 0;
    const { client, fake, clock, refused } = setup(
      { lingerMs: 0, retry: { retries: 4, initialMs: 100, maxMs: 1000 } },
      () => randoms[r++]!,
    );
    fake.respond(retriable(), retriable(), retriable(), retriable(), retriable());
    const ids = [client.playback(playbackInput())];
    await clock.advance(60_000);
    const gaps = fake.calls.slice(1).map((c, i) => c.at - fake.calls[i]!.at);
    // floor(random * min(1000, 100 * 2^n)) for n = 0..3
    assert.deepEqual(gaps, [90, 20, 200, 600]);
    assert.equal(fake.calls.length, 5, 'one attempt and four retries');
    assert.deepEqual(
      fake.calls.map((c) => c.batch[0]!.event.event_id),
      [...ids, ...ids, ...ids, ...ids, ...ids],
    );
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.result.status, 'dropped');
    assert.match(
      (refused[0]!.result as DroppedResult).reason,
      /gave up after 4 retries: gateway answered 503/,
    );
    assert.deepEqual(
      { ...client.stats() },
      {
        queued: 0,
        offline: 0,
        inFlight: 0,
        sent: 0,
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        dropped: 1,
        retries: 4,
        outage: false,
      },
    );
  });

  it('given a Retry-After of 3 s, when the batch fails, then the next attempt waits exactly that long', async () => {
    const { client, fake, clock } = setup({ lingerMs: 0 }, () => 0);
    fake.respond(retriable(3000));
    client.playback(playbackInput());
    await clock.advance(2999);
    assert.equal(fake.calls.length, 1);
    await clock.advance(1);
    assert.equal(fake.calls.length, 2);
    assert.equal(client.stats().accepted, 1);
  });

  it("given a failing batch, then no later event is sent before it, so one user's events keep their order across retries", async () => {
    const { client, fake, clock } = setup({ maxBatchSize: 2, lingerMs: 10 });
    fake.respond(retriable(), retriable());
    const ids = [
      client.playback(playbackInput({ phase: 'STARTED' })),
      client.playback(playbackInput({ phase: 'PROGRESS' })),
      client.skip({ ...playbackInput(), direction: 'FORWARD' }),
      client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: 'artist-9' }),
      client.playback(playbackInput({ phase: 'ENDED', end_reason: 'SKIP_FORWARD' })),
    ];
    await clock.advance(10_000);
    const batches = fake.calls.map((c) => c.batch.map((e) => e.event.event_id));
    assert.deepEqual(batches, [
      [ids[0], ids[1]],
      [ids[0], ids[1]],
      [ids[0], ids[1]],
      [ids[2], ids[3]],
      [ids[4]],
    ]);
    assert.equal(client.stats().accepted, 5);
    assert.equal(client.stats().retries, 2);
  });

  it('given a refused event, then onRejected gets its errors, it is not retried, and the others are accepted', async () => {
    const { client, fake, clock, refused } = setup({ maxBatchSize: 3, lingerMs: 0 });
    fake.respond((batch) =>
      batch.map((e, i) =>
        i === 1
          ? {
              status: 'rejected',
              event_id: e.event.event_id,
              errors: [{ path: '/ms_played', reason: 'must be >= 0' }],
            }
          : i === 2
            ? { status: 'duplicate', event_id: e.event.event_id }
            : { status: 'accepted', event_id: e.event.event_id },
      ),
    );
    client.setOnline(false);
    client.playback(playbackInput());
    const bad = client.playback(playbackInput({ ms_played: -5 }));
    client.playback(playbackInput());
    client.setOnline(true);
    await clock.advance(60_000);
    assert.equal(fake.calls.length, 1, 'not retried');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.event.event.event_id, bad);
    assert.deepEqual(refused[0]!.result, {
      status: 'rejected',
      event_id: bad,
      errors: [{ path: '/ms_played', reason: 'must be >= 0' }],
    });
    const s = client.stats();
    assert.deepEqual([s.sent, s.accepted, s.duplicates, s.rejected, s.retries], [3, 1, 1, 1, 0]);
  });

  it('given a non-retriable failure or a wrong number of results, then the batch is reported dropped at once', async () => {
    const { client, fake, clock, refused } = setup({ lingerMs: 0 });
    fake.respond(
      () => {
        throw new TransportError('SDK_CLOSED', 'transport is closed', { retriable: false });
      },
      () => [],
    );
    client.playback(playbackInput());
    await settle();
    client.playback(playbackInput());
    await clock.advance(60_000);
    assert.equal(fake.calls.length, 2);
    assert.deepEqual(
      refused.map((r) => (r.result as DroppedResult).reason),
      [
        'not retriable: transport is closed',
        'not retriable: transport answered 0 results for 1 events',
      ],
    );
  });

  it('given onRejected throws, then delivery goes on', async () => {
    const clock = createFakeClock();
    const fake = createFakeTransport(clock, (b) =>
      b.map((e) => ({ status: 'rejected', event_id: e.event.event_id, errors: [] })),
    );
    const client = createBackbeatClient(
      {
        context: CONTEXT,
        lingerMs: 0,
        maxBatchSize: 1,
        now: clock.now,
        onRejected: () => {
          throw new Error('app bug');
        },
      },
      { transport: fake.transport, timers: clock.timers },
    );
    client.playback(playbackInput());
    client.playback(playbackInput());
    await client.flush();
    assert.equal(client.stats().rejected, 2);
  });
});

describe('BackbeatClient: overflow policies', () => {
  // A long linger keeps everything queued, so the bound is what the test sees.
  const opts = (overflow: SdkOptions['overflow']) => ({
    maxQueueSize: 3,
    lingerMs: 60_000,
    overflow,
  });

  it('drop-oldest (default): the oldest queued events make room and are reported dropped', async () => {
    const { client, fake, refused } = setup({ maxQueueSize: 3, lingerMs: 60_000 });
    const ids = Array.from({ length: 5 }, () => client.playback(playbackInput()));
    assert.deepEqual(
      refused.map((r) => [r.event.event.event_id, r.result.status]),
      [
        [ids[0], 'dropped'],
        [ids[1], 'dropped'],
      ],
    );
    assert.match((refused[0]!.result as DroppedResult).reason, /queue full \(drop-oldest\)/);
    await client.flush();
    assert.deepEqual(fake.sentIds(), ids.slice(2));
    assert.equal(client.stats().dropped, 2);
  });

  it('drop-newest: new events past the bound are reported dropped, the queued ones kept', async () => {
    const { client, fake, refused } = setup(opts('drop-newest'));
    const ids = Array.from({ length: 5 }, () => client.playback(playbackInput()));
    assert.deepEqual(
      refused.map((r) => r.event.event.event_id),
      ids.slice(3),
    );
    await client.flush();
    assert.deepEqual(fake.sentIds(), ids.slice(0, 3));
  });

  it('reject: the method throws a retriable SDK_QUEUE_FULL and the event is not taken; it works again once there is room', async () => {
    const { client, fake, refused } = setup(opts('reject'));
    const ids = Array.from({ length: 3 }, () => client.playback(playbackInput()));
    assert.throws(
      () => client.playback(playbackInput()),
      (e: BackbeatError) =>
        e instanceof BackbeatError && e.code === 'SDK_QUEUE_FULL' && e.retriable,
    );
    assert.equal(refused.length, 0);
    assert.equal(client.stats().queued, 3);
    await client.flush();
    ids.push(client.playback(playbackInput()));
    await client.flush();
    assert.deepEqual(fake.sentIds(), ids);
  });
});

describe('BackbeatClient: offline buffer', () => {
  it('given offline, then events are kept with their original event_time and sent in order, after earlier ones and before later ones, when back online', async () => {
    const { client, fake, clock } = setup({ lingerMs: 50 });
    const before = client.playback(playbackInput({ phase: 'STARTED' })); // queued, not yet sent
    client.setOnline(false);
    const offline: { id: string; at: number }[] = [];
    for (let i = 0; i < 3; i++) {
      offline.push({ id: client.playback(playbackInput()), at: clock.now() });
      await clock.advance(20 * 60_000);
    }
    assert.equal(fake.calls.length, 0, 'nothing is sent while offline');
    assert.deepEqual(
      { queued: client.stats().queued, offline: client.stats().offline },
      { queued: 0, offline: 4 },
    );
    client.setOnline(true);
    const after = client.playback(playbackInput({ phase: 'ENDED', end_reason: 'TRACK_DONE' }));
    await clock.advance(100);
    assert.deepEqual(fake.sentIds(), [before, ...offline.map((o) => o.id), after]);
    const sent = fake.calls.flatMap((c) => c.batch);
    for (const o of offline)
      assert.equal(sent.find((e) => e.event.event_id === o.id)!.event.event_time, o.at);
    assert.ok(
      fake.calls[0]!.at - offline[0]!.at >= 60 * 60_000,
      'sent an hour after they happened',
    );
    assert.equal(sent[1]!.event.event_time, offline[0]!.at);
  });

  it('given connectivity flaps while the offline buffer drains, then creation order still holds', async () => {
    const { client, fake, clock } = setup({ maxBatchSize: 1, lingerMs: 0 });
    const g = gate();
    fake.respond(g.responder);
    client.setOnline(false);
    const o1 = client.playback(playbackInput());
    const o2 = client.playback(playbackInput());
    client.setOnline(true); // o1 leaves (and hangs), o2 still waits in the offline buffer
    await settle();
    const q1 = client.playback(playbackInput()); // online: goes to the queue, behind o2
    client.setOnline(false);
    const o3 = client.playback(playbackInput());
    assert.deepEqual(client.stats().offline, 3);
    client.setOnline(true);
    g.release();
    await clock.advance(1000);
    assert.deepEqual(fake.sentIds(), [o1, o2, q1, o3]);
  });

  it('given the offline buffer is full, then the overflow policy applies to it', async () => {
    const { client, fake, refused } = setup({ maxOfflineSize: 2, lingerMs: 0 });
    client.setOnline(false);
    const ids = Array.from({ length: 4 }, () => client.playback(playbackInput()));
    assert.deepEqual(
      refused.map((r) => r.event.event.event_id),
      ids.slice(0, 2),
    );
    client.setOnline(true);
    await client.flush();
    assert.deepEqual(fake.sentIds(), ids.slice(2));
  });

  it('given a retry is due while offline, then it waits for online without spending retries', async () => {
    const { client, fake, clock } = setup({ lingerMs: 0, retry: { retries: 1 } });
    fake.respond(retriable());
    client.playback(playbackInput());
    await settle();
    client.setOnline(false);
    await clock.advance(10 * 60_000);
    assert.equal(fake.calls.length, 1);
    client.setOnline(true);
    await settle();
    assert.equal(fake.calls.length, 2);
    assert.equal(client.stats().accepted, 1);
  });
});

describe('BackbeatClient: flush and close', () => {
  it('flush resolves only once every event queued before it was answered', async () => {
    const { client, fake } = setup({ maxBatchSize: 2, lingerMs: 60_000 });
    const g = gate();
    fake.respond(g.responder);
    const ids = [
      client.playback(playbackInput()),
      client.playback(playbackInput()),
      client.playback(playbackInput()),
    ];
    let flushed = false;
    const f = client.flush().then(() => (flushed = true));
    await settle();
    assert.equal(flushed, false, 'first batch still in flight');
    assert.equal(client.stats().inFlight, 2);
    g.release();
    await f;
    assert.deepEqual(fake.sentIds(), ids);
    assert.equal(client.stats().accepted, 3);
    await client.flush(); // nothing pending: resolves at once
  });

  it('close flushes, then closes the transport once; every method afterwards throws SDK_CLOSED', async () => {
    const { client, fake } = setup({ lingerMs: 60_000 });
    const id = client.revenueReport(revenueInput());
    const c1 = client.close();
    assert.throws(
      () => client.playback(playbackInput()),
      (e: BackbeatError) => e.code === 'SDK_CLOSED',
    );
    assert.throws(
      () => client.setOnline(false),
      (e: BackbeatError) => e.code === 'SDK_CLOSED',
    );
    await assert.rejects(client.flush(), (e: BackbeatError) => e.code === 'SDK_CLOSED');
    assert.equal(client.close(), c1, 'a second close is the same close');
    await c1;
    assert.deepEqual(fake.sentIds(), [id]);
    assert.deepEqual(fake.closeInfo(), { closeCalls: 1, sendsBeforeClose: 1 });
  });

  it('close while offline reports the kept events dropped (so the app may persist them) and sends nothing', async () => {
    const { client, fake, refused } = setup();
    client.setOnline(false);
    const ids = [client.playback(playbackInput()), client.playback(playbackInput())];
    await client.close();
    assert.equal(fake.calls.length, 0);
    assert.deepEqual(
      refused.map((r) => [r.event.event.event_id, (r.result as DroppedResult).reason]),
      ids.map((id) => [id, 'client closed while offline']),
    );
    assert.equal(fake.closeInfo().closeCalls, 1);
  });

  it('a client with the default timers and the global crypto delivers with real time', async () => {
    const fake = createFakeTransport({ now: Date.now }, acceptAll);
    const client = createBackbeatClient(
      { context: CONTEXT, lingerMs: 5 },
      { transport: fake.transport },
    );
    const ids = [
      client.playback(playbackInput()),
      client.follow({ action: 'UNFOLLOW', target_type: 'USER', target_id: 'user-2' }),
    ];
    await client.close();
    assert.deepEqual(fake.sentIds(), ids);
  });
});
