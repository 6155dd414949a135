import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from '../../test/fixtures/events.fixture.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { ingestBatch } from './ingest.service.js';
import { createRateLimiter } from './rate-limiter.js';
import { maxNesting, parseJsonBody } from './request-body.js';

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
