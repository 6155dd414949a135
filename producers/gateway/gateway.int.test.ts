import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { listen } from '../../common/http/http-server.js';
import { createLogger } from '../../common/logging/logger.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { validEvents } from '../../test/fixtures/events.fixture.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { ensureEventTopics } from '../sdk/event-topics.js';
import { createGatewayApp } from './gateway.app.js';
import { startGateway } from './gateway.runtime.js';

const catalogue = loadEventCatalogue();
const KEY = 'test-key-123456';
let config: AppConfig;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let codec: ReturnType<typeof createAvroCodec>;
const logger = createLogger({ level: 'silent' }, 'test-gateway');

/** A fresh valid event of a type, with a new event_id and a unique user. */
function fresh<N extends keyof ReturnType<typeof validEvents>>(type: N) {
  const e = { ...validEvents(Date.now())[type], event_id: uuidv7() } as Record<string, unknown>;
  delete e.received_time;
  if ('user_id' in e) e.user_id = `gw-${randomUUID().slice(0, 8)}`;
  return { type, event: e };
}

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** Reads every message of the event topics whose decoded event_id is in `ids`. */
async function landed(
  ids: string[],
  timeoutMs = 20_000,
): Promise<{ id: string; key: string; topic: string }[]> {
  const kafka = new Kafka({
    clientId: 'test-gw-reader',
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `test-gw-${randomUUID()}` });
  const want = new Set(ids);
  const got: { id: string; key: string; topic: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({
    topics: Object.values(catalogue).map((s) => s.topic),
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const type = Object.values(catalogue).find((s) => s.topic === topic)!.name;
      const d = await codec.decode(type, message.value);
      if (d.ok && want.has((d.value as { event_id: string }).event_id))
        got.push({
          id: (d.value as { event_id: string }).event_id,
          key: message.key!.toString(),
          topic,
        });
    },
  });
  await eventually(() => got.length >= want.size, timeoutMs, 'accepted events in Kafka').catch(
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, 1000)); // anything extra (a duplicate) would show up now
  await consumer.disconnect();
  return got;
}

before(async () => {
  config = await useStack();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient({ url: config.registry.url }),
  });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  gateway = await startGateway(
    {
      gateway: {
        ...config.gateway,
        port: 0,
        apiKeys: new Map([[KEY, 'test-app']]),
        maxBodyBytes: 64 * 1024,
        maxEvents: 50,
      },
      kafka: config.kafka,
      host: '127.0.0.1',
    },
    { logger, registry: new Registry(), codec, catalogue },
  );
});
after(() => gateway?.close());

describe('ingest gateway against real Kafka and the registry', () => {
  it('given one valid event of each type, then 200, and each is in its topic under its key', async () => {
    const batch = (['playback', 'skip', 'follow', 'track-upload', 'revenue-report'] as const).map(
      (t) => fresh(t),
    );
    const r = await post(JSON.stringify({ events: batch }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual([r.json.accepted, r.json.duplicates, r.json.rejected], [5, 0, 0]);
    const got = await landed(batch.map((b) => b.event.event_id as string));
    assert.equal(got.length, 5);
    for (const b of batch) {
      const g = got.find((x) => x.id === b.event.event_id)!;
      assert.equal(g.topic, `backbeat.${b.type}`);
      assert.equal(g.key, catalogue[b.type].key(b.event as never));
    }
  });

  it('given a partly good batch (wrong types, missing fields, unknown types, duplicates), then 207 and only the good events land', async () => {
    const good = [fresh('playback'), fresh('follow')];
    const dup = { ...good[0]! };
    const wrong = fresh('playback');
    (wrong.event as Record<string, unknown>).ms_played = 'a lot';
    const missing = fresh('skip');
    delete (missing.event as Record<string, unknown>).track_id;
    const r = await post(
      JSON.stringify({
        events: [good[0], wrong, { type: 'mystery', event: {} }, missing, dup, good[1], 42],
      }),
    );
    assert.equal(r.status, 207);
    assert.deepEqual(
      r.json.results.map((x: { status: string }) => x.status),
      ['accepted', 'rejected', 'rejected', 'rejected', 'duplicate', 'accepted', 'rejected'],
    );
    assert.deepEqual(r.json.results[1].errors, [
      { path: '/event/ms_played', reason: 'expected an integer (long), got string "a lot"' },
    ]);
    assert.deepEqual(r.json.results[2].errors, [
      { path: '/type', reason: 'unknown event type "mystery"' },
    ]);
    assert.deepEqual(r.json.results[3].errors, [
      { path: '/event/track_id', reason: 'missing required field (string)' },
    ]);
    const got = await landed([...good, wrong, missing].map((b) => b.event.event_id as string));
    assert.deepEqual(
      got.map((g) => g.id).sort(),
      good.map((g) => g.event.event_id as string).sort(),
      'only the good events, each once',
    );
  });

  it('given every event bad, then 400 with a result per event', async () => {
    const r = await post(JSON.stringify({ events: [{ type: 'skip', event: {} }] }));
    assert.equal(r.status, 400);
    assert.equal(r.json.rejected, 1);
    assert.ok(r.json.results[0].errors.length > 3);
  });

  it('given bodies that are not a batch, then clear problem+json answers', async () => {
    const cases: [string | Buffer, number, string][] = [
      ['{"events": [', 400, 'malformed-json'],
      [Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), 400, 'invalid-utf8'],
      [`{"events":${'['.repeat(40)}${']'.repeat(40)}}`, 400, 'too-deep'],
      ['[1,2]', 400, 'invalid-batch'],
      ['{"events": [], "extra": 1}', 400, 'invalid-batch'],
      ['{"events": []}', 400, 'empty-batch'],
      [
        JSON.stringify({ events: Array.from({ length: 51 }, () => fresh('skip')) }),
        413,
        'too-many-events',
      ],
      [
        JSON.stringify({ events: [{ type: 'skip', event: { pad: 'x'.repeat(70_000) } }] }),
        413,
        'body-too-large',
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, `${code}: ${JSON.stringify(r.json)}`);
      assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(r.json.code, code);
      assert.equal(r.json.status, status);
    }
  });

  it('given no key, a wrong key or the wrong content type, then 401 or 415', async () => {
    const body = JSON.stringify({ events: [fresh('skip')] });
    assert.equal((await post(body, { authorization: '' })).status, 401);
    assert.equal((await post(body, { authorization: 'Bearer nope-nope-nope' })).status, 401);
    const viaHeader = await post(body, { authorization: '', 'x-api-key': KEY });
    assert.equal(viaHeader.status, 200);
    const r = await post(body, { 'content-type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.equal(r.json.code, 'unsupported-media-type');
  });

  it('after all of that the gateway still serves, describes itself and exposes metrics', async () => {
    assert.equal((await post(JSON.stringify({ events: [fresh('follow')] }))).status, 200);
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    assert.ok(doc.paths['/v1/events']?.post.responses['207']);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /backbeat_gateway_requests_total\{outcome="partial"\} 1/);
  });
});

describe('gateway overload and Kafka failure (real HTTP, Kafka replaced by a send that never confirms)', () => {
  async function appWith(overrides: Partial<AppConfig['gateway']>, send: () => Promise<unknown>) {
    const app = createGatewayApp(
      { ...config.gateway, apiKeys: new Map([[KEY, 'app']]), ...overrides },
      {
        catalogue,
        codec: { encode: () => Buffer.alloc(1) },
        send,
        now: Date.now,
        logger,
        registry: new Registry(),
        readiness: [],
      },
    );
    const outer = express().use(app);
    return listen(outer, 0, '127.0.0.1');
  }

  it('given Kafka does not confirm, then 503 with Retry-After and nothing acknowledged', async () => {
    const s = await appWith({}, () => Promise.reject(new Error('Local: Message timed out')));
    try {
      const r = await fetch(`http://127.0.0.1:${s.port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ events: [fresh('skip')] }),
      });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '2');
      assert.equal(((await r.json()) as { code: string }).code, 'kafka-unavailable');
    } finally {
      await s.close();
    }
  });

  it('given more events in flight than allowed, then 503 overloaded; past the rate limit, 429', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const s = await appWith({ maxInFlight: 2, rateLimit: 3 }, () => slow);
    const url = `http://127.0.0.1:${s.port}/v1/events`;
    const send = (n: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ events: Array.from({ length: n }, () => fresh('skip')) }),
      });
    try {
      const first = send(2); // holds both in-flight slots until released
      await new Promise((r) => setTimeout(r, 200));
      const over = await send(1);
      assert.equal(over.status, 503);
      assert.equal(over.headers.get('retry-after'), '1');
      const limited = await send(1); // 2 + 1 + 1 > 3 events this second
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      release();
      assert.equal((await first).status, 200);
    } finally {
      release();
      await s.close();
    }
  });
});
