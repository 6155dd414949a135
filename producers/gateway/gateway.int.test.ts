import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { listen } from '../../common/http/http-server.js';
import { createLogger } from '../../common/logging/logger.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import type { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { startTestGateway } from '../../test/helpers/gateway.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { createGatewayApp, type GatewayDeps } from './gateway.app.js';
import type { startGatewayServer } from './gateway.runtime.js';

const catalogue = loadEventCatalogue();
const KEY = 'test-key-123456';
let config: AppConfig;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
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

/** A request with any method over a raw socket (fetch refuses TRACE). */
function fetchRaw(
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(gateway.url);
    const sock = net.connect({ port: Number(u.port), host: u.hostname });
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of lines.slice(1))
        headers[h.slice(0, h.indexOf(':')).toLowerCase()] = h.slice(h.indexOf(':') + 1).trim();
      const len = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + len) return;
      sock.destroy();
      resolve({ status: Number(lines[0]!.slice(9, 12)), headers, text: buf.slice(end + 4) });
    });
    sock.on('error', reject);
    sock.write(`${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n`);
  });
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
  ({ gateway, codec } = await startTestGateway(config, catalogue, {
    key: KEY,
    app: 'test-app',
    gateway: { maxBodyBytes: 64 * 1024, maxEvents: 50 },
  }));
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

  it('given UTF-16 bodies (BOM, or charset=utf-16le/be), then they are decoded as such; an unsupported or contradicted charset gets 415', async () => {
    const one = fresh('follow');
    (one.event as Record<string, unknown>).target_id = 'artist-Åsa-北京';
    const text = JSON.stringify({ events: [one] });
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const bomLe = Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
    const ok: [Buffer, string][] = [
      [bomLe, 'application/json'],
      [le, 'application/json; charset=utf-16le'],
      [be, 'application/json; charset="UTF-16BE"'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'application/json; charset=utf-16'],
      [
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        'application/json; charset=utf-8',
      ],
    ];
    for (const [body, ct] of ok) {
      const r = await post(body, { 'content-type': ct });
      // The same event_id each time: the first is accepted and later ones again (no cross-batch dedup).
      assert.equal(r.status, 200, `${ct}: ${JSON.stringify(r.json)}`);
    }
    const got = await landed([one.event.event_id as string]);
    assert.ok(got.length >= 1);
    for (const g of got) assert.equal(g.id, one.event.event_id);
    const refused: [Buffer, string, string][] = [
      [Buffer.from(text, 'latin1'), 'application/json; charset=iso-8859-1', 'unsupported-charset'],
      [bomLe, 'application/json; charset=utf-8', 'charset-mismatch'],
      [
        Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
        'application/json; charset=utf-16le',
        'charset-mismatch',
      ],
    ];
    for (const [body, ct, code] of refused) {
      const r = await post(body, { 'content-type': ct });
      assert.equal(r.status, 415, `${ct}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, code);
    }
    // Odd-length UTF-16 is not guessed at: a clear 400.
    const odd = await post(Buffer.concat([bomLe, Buffer.from([0x20])]));
    assert.equal(odd.status, 400);
    assert.equal(odd.json.code, 'invalid-utf16');
  });

  it('given a method a route does not answer (TRACE, GET, PUT), then 405 with Allow; an unknown path stays 404', async () => {
    for (const [method, path, allow] of [
      ['TRACE', '/v1/events', 'OPTIONS, POST'],
      ['GET', '/v1/events', 'OPTIONS, POST'],
      ['PUT', '/v1/events', 'OPTIONS, POST'],
      ['TRACE', '/openapi.json', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/readyz', 'GET, HEAD, OPTIONS'],
    ] as const) {
      const r = await fetchRaw(method, path);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.allow, allow);
      assert.match(r.text, /"code":"method-not-allowed"/);
    }
    assert.equal((await fetchRaw('TRACE', '/nope')).status, 404);
  });

  it('given event_id and playback_id in upper case, then they are canonicalised to lower case (answer and Kafka), and a case variant in one batch is a duplicate', async () => {
    const p = fresh('playback');
    const upper = {
      type: p.type,
      event: {
        ...p.event,
        event_id: (p.event.event_id as string).toUpperCase(),
        playback_id: uuidv7().toUpperCase(),
      },
    };
    const lower = {
      type: p.type,
      event: { ...upper.event, event_id: (p.event.event_id as string).toLowerCase() },
    };
    const r = await post(JSON.stringify({ events: [upper, lower] }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const id = (p.event.event_id as string).toLowerCase();
    assert.deepEqual(
      r.json.results.map((x: { status: string; event_id: string }) => [x.status, x.event_id]),
      [
        ['accepted', id],
        ['duplicate', id],
      ],
    );
    const got = await landed([id]);
    assert.equal(got.length, 1, 'in Kafka once, under the lower-case id');
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
  async function appWith(
    overrides: Partial<AppConfig['gateway']>,
    send: (r: unknown) => Promise<unknown>,
    kafka?: GatewayDeps['kafka'],
  ) {
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
        ...(kafka ? { kafka } : {}),
      },
    );
    const outer = express().use(app);
    return listen(outer, 0, '127.0.0.1');
  }

  it('given Kafka refuses a batch before taking it, then 503 with Retry-After; given it does not confirm, then 504 (in doubt)', async () => {
    const notQueued = Object.assign(new Error('produce failed: Local: Queue full'), {
      code: 'KAFKA_NOT_QUEUED',
    });
    for (const [err, status, code] of [
      [notQueued, 503, 'kafka-unavailable'],
      [new Error('Local: Message timed out'), 504, 'kafka-unconfirmed'],
    ] as const) {
      const s = await appWith({}, () => Promise.reject(err));
      try {
        const r = await postTo(
          `http://127.0.0.1:${s.port}/v1/events`,
          JSON.stringify({ events: [fresh('skip')] }),
        );
        assert.equal(r.status, status);
        assert.equal(r.headers.get('retry-after'), '2');
        assert.equal(((await r.json()) as { code: string }).code, code);
      } finally {
        await s.close();
      }
    }
  });

  it('given more events in flight than allowed, then 503 overloaded before the body is read; past the rate limit, 429', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const s = await appWith({ maxInFlight: 2 }, () => slow);
    const url = `http://127.0.0.1:${s.port}/v1/events`;
    try {
      const first = postTo(url, JSON.stringify({ events: [fresh('skip'), fresh('skip')] }));
      await new Promise((r) => setTimeout(r, 200));
      const over = await rawPost(s.port, { contentLength: 5000, sendBody: false });
      assert.equal(over.status, 503, over.text);
      assert.equal(over.headers['retry-after'], '1');
      assert.match(over.text, /"code":"overloaded"/);
      release();
      assert.equal((await first).status, 200);
    } finally {
      release();
      await s.close();
    }
    const r = await appWith({ rateLimit: 3 }, async () => undefined);
    try {
      const u = `http://127.0.0.1:${r.port}/v1/events`;
      assert.equal(
        (await postTo(u, JSON.stringify({ events: [fresh('skip'), fresh('skip')] }))).status,
        200,
      );
      assert.equal((await postTo(u, JSON.stringify({ events: [fresh('skip')] }))).status, 200);
      const limited = await postTo(u, JSON.stringify({ events: [fresh('skip')] })); // 4 > 3 this second
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await r.close();
    }
  });

  it('given the gateway at its limit of requests in flight, then a new request is shed with 503 and Retry-After before its body is sent', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let sends = 0;
    const s = await appWith({ maxInflightRequests: 1 }, () => (sends++, slow));
    const url = `http://127.0.0.1:${s.port}/v1/events`;
    try {
      const first = postTo(url, JSON.stringify({ events: [fresh('skip')] }));
      await new Promise((r) => setTimeout(r, 200));
      // Headers only: an overloaded gateway answers without waiting for (or reading) the body.
      const shed = await rawPost(s.port, { contentLength: 400_000, sendBody: false });
      assert.equal(shed.status, 503, shed.text);
      assert.equal(shed.headers['retry-after'], '1');
      assert.match(shed.text, /requests are in flight/);
      assert.equal(sends, 1, 'nothing of the shed request was produced');
      release();
      assert.equal((await first).status, 200);
      // Once the first is answered, there is room again.
      assert.equal((await postTo(url, JSON.stringify({ events: [fresh('skip')] }))).status, 200);
    } finally {
      release();
      await s.close();
    }
  });

  it('given the body bytes in flight at the limit, then a request declaring more, or a chunked one growing past it, is shed with 503', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const s = await appWith({ maxInflightBytes: 2500 }, () => slow);
    const url = `http://127.0.0.1:${s.port}/v1/events`;
    try {
      const big = JSON.stringify({ events: Array.from({ length: 5 }, () => fresh('skip')) });
      assert.ok(big.length > 1000 && big.length < 2500, String(big.length));
      const first = postTo(url, big);
      await new Promise((r) => setTimeout(r, 200));
      const declared = await rawPost(s.port, { contentLength: 1000, sendBody: false });
      assert.equal(declared.status, 503, declared.text);
      assert.match(declared.text, /body bytes are in flight/);
      const chunked = await rawPost(s.port, { chunks: [big.slice(0, 1000), big.slice(1000)] });
      assert.equal(chunked.status, 503, chunked.text);
      assert.equal(chunked.headers['retry-after'], '1');
      release();
      assert.equal((await first).status, 200);
    } finally {
      release();
      await s.close();
    }
  });

  it('given Kafka is unreachable, then 503 kafka-unavailable at once and nothing is handed to the producer; given a delivery timeout, then 504 kafka-unconfirmed', async () => {
    let sends = 0;
    const down = await appWith({}, () => (sends++, Promise.resolve()), {
      inFlight: () => 0,
      health: () => ({ up: false, reason: 'no broker answered', since: Date.now() }),
    });
    try {
      const r = await postTo(
        `http://127.0.0.1:${down.port}/v1/events`,
        JSON.stringify({ events: [fresh('skip')] }),
      );
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '2');
      const body = (await r.json()) as { code: string; detail: string };
      assert.equal(body.code, 'kafka-unavailable');
      assert.match(body.detail, /no broker answered/);
      assert.equal(sends, 0);
    } finally {
      await down.close();
    }
    const timedOut = Object.assign(new Error('produce failed: Local: Message timed out'), {
      cause: Object.assign(new Error('Local: Message timed out'), { code: -192 }),
    });
    const slowKafka = await appWith({}, () => Promise.reject(timedOut));
    try {
      const r = await postTo(
        `http://127.0.0.1:${slowKafka.port}/v1/events`,
        JSON.stringify({ events: [fresh('skip')] }),
      );
      assert.equal(r.status, 504);
      assert.equal(((await r.json()) as { code: string }).code, 'kafka-unconfirmed');
      assert.equal(r.headers.get('retry-after'), '2');
    } finally {
      await slowKafka.close();
    }
  });

  it('given events handed to Kafka and not yet reported (abandoned ones too) at GATEWAY_MAX_IN_FLIGHT, then a new request is shed before its body is read', async () => {
    let pending = 10;
    const s = await appWith({ maxInFlight: 10 }, () => Promise.resolve(), {
      inFlight: () => pending,
      health: () => ({ up: true, since: 0 }),
    });
    try {
      const shed = await rawPost(s.port, { contentLength: 5000, sendBody: false });
      assert.equal(shed.status, 503, shed.text);
      assert.match(shed.text, /10 events are waiting for Kafka/);
      pending = 0;
      const r = await postTo(
        `http://127.0.0.1:${s.port}/v1/events`,
        JSON.stringify({ events: [fresh('skip')] }),
      );
      assert.equal(r.status, 200);
    } finally {
      await s.close();
    }
  });

  it('given a string field over its cap (a 900,000-character track_id), then that event is refused with a clear error and its neighbour accepted', async () => {
    const sent: unknown[] = [];
    const s = await appWith({}, async (r: unknown) => void sent.push(r));
    try {
      const long = fresh('playback');
      (long.event as Record<string, unknown>).track_id = 't'.repeat(900_000);
      const good = fresh('skip');
      const r = await postTo(
        `http://127.0.0.1:${s.port}/v1/events`,
        JSON.stringify({ events: [long, good] }),
      );
      assert.equal(r.status, 207);
      const body = (await r.json()) as { results: { status: string; errors?: unknown[] }[] };
      assert.deepEqual(
        body.results.map((x) => x.status),
        ['rejected', 'accepted'],
      );
      assert.deepEqual(body.results[0]!.errors, [
        { path: '/event/track_id', reason: 'must be at most 128 characters, got 900000' },
      ]);
      assert.equal(sent.length, 1);
    } finally {
      await s.close();
    }
  });
});

/** A POST over a raw socket: headers, then a body, chunks, or nothing; resolves on the answer. */
function rawPost(
  port: number,
  o: { contentLength?: number; sendBody?: boolean; chunks?: string[] },
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no answer: ${buf}`))), 5000);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of head.slice(1)) {
        const c = h.indexOf(':');
        headers[h.slice(0, c).toLowerCase()] = h.slice(c + 1).trim();
      }
      const len = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + len) return;
      clearTimeout(timer);
      sock.destroy();
      resolve({
        status: Number(head[0]!.slice(9, 12)),
        headers,
        text: buf.slice(end + 4, end + 4 + len),
      });
    });
    sock.on('error', () => undefined);
    let head = `POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${KEY}\r\n`;
    if (o.chunks) {
      sock.write(`${head}transfer-encoding: chunked\r\n\r\n`);
      let i = 0;
      const next = () => {
        if (i >= o.chunks!.length) return void sock.write('0\r\n\r\n');
        const c = Buffer.from(o.chunks![i++]!);
        sock.write(`${c.length.toString(16)}\r\n`);
        sock.write(c);
        sock.write('\r\n');
        setTimeout(next, 50);
      };
      next();
    } else {
      head += `content-length: ${o.contentLength}\r\n\r\n`;
      sock.write(head);
      if (o.sendBody) sock.write('x'.repeat(o.contentLength ?? 0));
    }
  });
}

function postTo(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body,
  });
}
