import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAdmission } from './admission.js';
import { canonicalIds, ingestBatch } from './ingest.service.js';
import { createKafkaHealth } from './kafka-health.js';
import { createRateLimiter } from './rate-limiter.js';
import { bodyEncoding, declaredCharset, maxNesting, parseJsonBody } from './request-body.js';

const catalogue = loadEventCatalogue();
const now = Date.UTC(2026, 10, 24, 12);
const good = validEvents(now);

describe('request body', () => {
  it('given valid JSON, then it parses', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"events":[{"a":"{[\\"x"}]}'), 4), {
      ok: true,
      value: { events: [{ a: '{["x' }] },
    });
  });
  it('given invalid UTF-8, malformed JSON or deep nesting, then each gets its own code', () => {
    assert.equal(
      (parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]), 8) as { code: string }).code,
      'INVALID_UTF8',
    );
    assert.equal(
      (parseJsonBody(Buffer.from('{"events": [}'), 8) as { code: string }).code,
      'MALFORMED_JSON',
    );
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    assert.deepEqual(parseJsonBody(Buffer.from(deep), 16), {
      ok: false,
      code: 'TOO_DEEP',
      detail: 'JSON nesting depth 100 exceeds the limit of 16',
    });
  });
  it('counts nesting outside strings only', () => {
    assert.equal(maxNesting('{"a":"[[[[","b":[{"c":"\\"]]"}]}'), 3);
  });
});

describe('rate limiter', () => {
  it('given a rate, then a burst of one second passes and the rest waits its share', () => {
    let t = 0;
    const rl = createRateLimiter({ perSecond: 100 }, { now: () => t });
    assert.equal(rl.take('app', 60), 0);
    assert.equal(rl.take('app', 60), 200);
    t = 200;
    assert.equal(rl.take('app', 60), 0);
    assert.equal(rl.take('other', 100), 0, 'buckets are per app');
  });
  it('given a batch larger than the bucket, then it passes when the bucket is full', () => {
    let t = 0;
    const rl = createRateLimiter({ perSecond: 10 }, { now: () => t });
    assert.equal(rl.take('a', 500), 0);
    assert.ok(rl.take('a', 1) > 0);
    t = 60_000;
    assert.equal(rl.take('a', 500), 0);
  });
  it('given 0, then nothing is limited', () => {
    const rl = createRateLimiter({ perSecond: 0 }, { now: () => 0 });
    assert.equal(rl.take('a', 1e9), 0);
  });
});

describe('ingestBatch', () => {
  const codec = { encode: (name: string, e: unknown) => Buffer.from(JSON.stringify({ name, e })) };

  it('given a mixed batch, then good events go to Kafka with their keys and bad ones get paths and reasons', async () => {
    const sent: { topic: string; key: string }[] = [];
    const out = await ingestBatch(
      [
        { type: 'playback', event: good.playback },
        {
          type: 'playback',
          event: {
            ...good.playback,
            event_id: '0190a0b0-0000-7000-8000-0000000000f1',
            ms_played: 'x',
          },
        },
        { type: 'nope', event: {} },
        { type: 'track-upload', event: good['track-upload'] },
        { type: 'playback', event: good.playback },
        'not an object',
        { type: 'skip', event: good.skip, extra: 1 },
      ],
      {
        catalogue,
        codec: codec as never,
        now: () => now,
        send: async (r) => void sent.push({ topic: r.topic, key: r.key }),
      },
    );
    assert.deepEqual(sent, [
      { topic: 'backbeat.playback', key: 'user-1' },
      { topic: 'backbeat.track-upload', key: 'track-1' },
    ]);
    assert.deepEqual(
      out.results.map((r) => [r.index, r.status]),
      [
        [0, 'accepted'],
        [1, 'rejected'],
        [2, 'rejected'],
        [3, 'accepted'],
        [4, 'duplicate'],
        [5, 'rejected'],
        [6, 'rejected'],
      ],
    );
    assert.deepEqual((out.results[1] as { errors: unknown }).errors, [
      { path: '/event/ms_played', reason: 'expected an integer (long), got string "x"' },
    ]);
    assert.deepEqual((out.results[2] as { errors: unknown }).errors, [
      { path: '/type', reason: 'unknown event type "nope"' },
    ]);
    assert.deepEqual((out.results[6] as { errors: unknown }).errors, [
      { path: '/extra', reason: 'unknown field (expected only type and event)' },
    ]);
    assert.equal(out.results[1]!.event_id, '0190a0b0-0000-7000-8000-0000000000f1');
  });

  it("given a listener token, then its own playlist edits go to Kafka keyed by playlist; another user's edit and a track upload are refused", async () => {
    const sent: { topic: string; key: string }[] = [];
    const edit = good['playlist-edit'];
    const out = await ingestBatch(
      [
        { type: 'playlist-edit', event: edit },
        {
          type: 'playlist-edit',
          event: { ...edit, event_id: '0190a0b0-0000-7000-8000-0000000000f2', user_id: 'user-2' },
        },
        { type: 'track-upload', event: good['track-upload'] },
      ],
      {
        catalogue,
        codec: codec as never,
        now: () => now,
        send: async (r) => void sent.push({ topic: r.topic, key: r.key }),
      },
      { userId: 'user-1' },
    );
    assert.deepEqual(sent, [{ topic: 'backbeat.playlist-edit', key: edit.playlist_id }]);
    assert.deepEqual(
      out.results.map((r) => (r.status === 'rejected' ? r.errors : r.status)),
      [
        'accepted',
        [
          {
            path: '/event/user_id',
            reason: 'a listener token for user-1 may only send events with user_id user-1',
          },
        ],
        [
          {
            path: '/type',
            reason: 'a listener token may not send track-upload events (use a server-side app key)',
          },
        ],
      ],
    );
  });

  it('given a client received_time, then the gateway stamps its own', async () => {
    let encoded: { e: { received_time: number } } | undefined;
    await ingestBatch([{ type: 'skip', event: { ...good.skip, received_time: 5 } }], {
      catalogue,
      codec: {
        encode: (_n: string, e: unknown) => ((encoded = { e } as never), Buffer.alloc(0)),
      } as never,
      now: () => now,
      send: async () => undefined,
    });
    assert.equal(encoded!.e.received_time, now);
  });

  it('given Kafka does not confirm, then the batch fails as a whole', async () => {
    await assert.rejects(
      ingestBatch([{ type: 'skip', event: good.skip }], {
        catalogue,
        codec: codec as never,
        now: () => now,
        send: () => Promise.reject(new Error('timed out')),
      }),
      /timed out/,
    );
  });
});

describe('admission control', () => {
  it('given the request limit, then the next request is shed; a released ticket makes room', () => {
    const a = createAdmission({ maxRequests: 2, maxBytes: 1000, maxEvents: 100 });
    const t1 = a.admit(10, 0);
    const t2 = a.admit(10, 0);
    assert.ok(t1.ok && t2.ok);
    const t3 = a.admit(10, 0);
    assert.equal(t3.ok, false);
    assert.equal((t3 as { reason: string }).reason, 'requests');
    t1.ticket.release();
    t1.ticket.release(); // idempotent
    assert.deepEqual(a.snapshot(), { requests: 1, bytes: 10 });
    assert.ok(a.admit(10, 0).ok);
  });
  it('given declared bytes over the budget, then shed, but one request alone may use all of it', () => {
    const a = createAdmission({ maxRequests: 10, maxBytes: 1000, maxEvents: 100 });
    const big = a.admit(1500, 0);
    assert.ok(big.ok, 'alone, a body up to the body limit passes');
    assert.equal((a.admit(1, 0) as { reason: string }).reason, 'bytes');
    if (big.ok) big.ticket.release();
    const t = a.admit(600, 0);
    assert.ok(t.ok);
    assert.equal((a.admit(500, 0) as { reason: string }).reason, 'bytes');
    assert.ok(a.admit(400, 0).ok);
  });
  it('given a chunked body, then its bytes count as they arrive and stop it past the budget', () => {
    const a = createAdmission({ maxRequests: 10, maxBytes: 1000, maxEvents: 100 });
    const other = a.admit(500, 0);
    const chunked = a.admit(undefined, 0);
    assert.ok(other.ok && chunked.ok);
    assert.equal(chunked.ticket.addBytes(300), true);
    assert.deepEqual(a.snapshot(), { requests: 2, bytes: 800 });
    assert.equal(chunked.ticket.addBytes(300), false);
    chunked.ticket.release();
    assert.deepEqual(a.snapshot(), { requests: 1, bytes: 500 });
  });
  it('given events waiting for Kafka at GATEWAY_MAX_IN_FLIGHT, then shed before the body is read', () => {
    const a = createAdmission({ maxRequests: 10, maxBytes: 1000, maxEvents: 100 });
    assert.equal((a.admit(10, 100) as { reason: string }).reason, 'events');
    assert.ok(a.admit(10, 99).ok);
  });
});

describe('kafka health', () => {
  it('given probe failures in a row, then down; one success, then up', async () => {
    let fail = true;
    const h = createKafkaHealth({
      probe: async () => {
        if (fail) throw new Error('no broker answered');
      },
      now: () => 0,
      failuresToDown: 2,
    });
    await h.probeOnce();
    assert.equal(h.state().up, true, 'one failure is not an outage');
    await h.probeOnce();
    assert.deepEqual(h.state(), { up: false, reason: 'no broker answered', since: 0 });
    fail = false;
    await h.probeOnce();
    assert.equal(h.state().up, true);
  });
  it('given events handed over and no delivery report for the stall time, then down until a report', () => {
    let t = 0;
    const h = createKafkaHealth({ probe: async () => undefined, now: () => t, stallMs: 2000 });
    h.sent();
    t = 1500;
    assert.equal(h.state().up, true);
    t = 2500;
    assert.equal(h.state().up, false);
    assert.match(h.state().reason!, /no delivery report/);
    h.reported(false);
    assert.equal(h.state().up, true, 'a report, even an error, is progress');
  });
  it('given all brokers down, then down at once; a confirmed write brings it up', () => {
    const h = createKafkaHealth({ probe: async () => undefined, now: () => 0 });
    h.allBrokersDown('all brokers are down');
    assert.equal(h.state().up, false);
    h.sent();
    h.reported(true);
    assert.equal(h.state().up, true);
  });
});

describe('charset and body encoding', () => {
  it('reads the charset parameter by allow list', () => {
    assert.deepEqual(declaredCharset('application/json'), { ok: true, charset: undefined });
    assert.deepEqual(declaredCharset('application/json; charset=UTF-8'), {
      ok: true,
      charset: 'utf-8',
    });
    assert.deepEqual(declaredCharset('application/json;charset="utf-16LE"'), {
      ok: true,
      charset: 'utf-16le',
    });
    assert.deepEqual(declaredCharset('application/json; charset=latin1'), {
      ok: false,
      charset: 'latin1',
    });
  });
  it('decodes UTF-16 by BOM, by charset, or by its zero bytes, and refuses a contradicting BOM', () => {
    const text = '{"events":["å"]}';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: [Buffer, Parameters<typeof bodyEncoding>[1]][] = [
      [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), undefined],
      [le, undefined],
      [be, undefined],
      [be, 'utf-16'],
      [le, 'utf-16le'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'utf-8'],
    ];
    for (const [raw, declared] of cases) {
      const enc = bodyEncoding(raw, declared);
      assert.ok(enc.ok, JSON.stringify(enc));
      assert.deepEqual(parseJsonBody(raw, 4, enc.encoding, enc.bomBytes), {
        ok: true,
        value: { events: ['å'] },
      });
    }
    assert.equal(bodyEncoding(Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'utf-8').ok, false);
    assert.equal(parseJsonBody(Buffer.from([0x7b, 0x00, 0x7d]), 4, 'utf-16le').ok, false);
  });
});

describe('canonical ids', () => {
  it("lower-cases event_id, playback_id and a playlist edit's ids when they are UUIDs, and leaves anything else as sent", () => {
    const e = {
      event_id: '0190A0B0-0000-7000-8000-0000000000F1',
      playback_id: 'NOT-A-UUID',
      x: 'ABC',
    };
    assert.deepEqual(canonicalIds(e), { ...e, event_id: '0190a0b0-0000-7000-8000-0000000000f1' });
    const playlist = {
      playlist_id: '0190A0B0-0000-7000-8000-0000000000B1',
      item_id: '0190A0B0-0000-7000-8000-0000000000B2',
      after_position_id: '0190A0B0-0000-7000-8000-0000000000B3',
    };
    assert.deepEqual(canonicalIds(playlist), {
      playlist_id: '0190a0b0-0000-7000-8000-0000000000b1',
      item_id: '0190a0b0-0000-7000-8000-0000000000b2',
      after_position_id: '0190a0b0-0000-7000-8000-0000000000b3',
    });
    const lower = { event_id: '0190a0b0-0000-7000-8000-0000000000f1' };
    assert.equal(canonicalIds(lower), lower, 'unchanged: the same object');
  });
});
