import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { assertProperty } from '../../test/helpers/fuzz.helper.js';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import type { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import {
  countIds,
  markTopics,
  postBatch,
  startTestGateway,
} from '../../test/helpers/gateway.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import type { startGatewayServer } from './gateway.runtime.js';

/**
 * Property-based fuzzing of POST /v1/events against a real gateway on real Kafka: batches of
 * good events mixed with bad ones (wrong types, missing and unknown fields, overlong strings,
 * deep values, upper-case ids), in UTF-8, UTF-8 with BOM and UTF-16, near the batch and body
 * limits, and whole bodies that are not JSON at all. Invariants: no 5xx other than a designed
 * 503, the gateway keeps serving, every good event beside a bad one is accepted, and every
 * accepted event is in Kafka exactly once while no refused one is.
 */
const catalogue = loadEventCatalogue();
const KEY = 'fuzz-key-123456';
const MAX_BODY = 256 * 1024;
const MAX_EVENTS = 100;
const TYPES = ['playback', 'skip', 'follow', 'track-upload', 'revenue-report'] as const;
let config: AppConfig;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
let codec: ReturnType<typeof createAvroCodec>;

type Item = { good: boolean; id: string; value: unknown };

function good(type: (typeof TYPES)[number], upper: boolean): Item {
  const e = { ...validEvents(Date.now())[type] } as unknown as Record<string, unknown>;
  delete e.received_time;
  const id = uuidv7();
  e.event_id = upper ? id.toUpperCase() : id;
  if ('user_id' in e) e.user_id = `fz-${randomUUID().slice(0, 8)}`;
  if ('playback_id' in e) e.playback_id = uuidv7();
  return { good: true, id, value: { type, event: e } };
}

const mutations: ((e: Record<string, unknown>) => unknown)[] = [
  (e) => ({ ...e, event_time: 'yesterday' }),
  (e) => {
    const { event_time: _t, ...rest } = e;
    return rest;
  },
  (e) => ({ ...e, surprise: 1 }),
  (e) => ({ ...e, event_id: 'not-a-uuid' }),
  (e) => ({ ...e, market: 'x'.repeat(50_000) }),
  (e) => ({ ...e, device_id: 'd'.repeat(129 + 300) }),
  (e) => ({ ...e, event_id: [[[[[[[[1]]]]]]]] }),
  (e) => ({ ...e, event_time: 1e300 }),
  (e) => ({ ...e, market: '\u0000\ud800' }),
];

const badItem = fc
  .tuple(fc.constantFrom(...TYPES), fc.nat(mutations.length + 3))
  .map(([type, m]): Item => {
    const g = good(type, false);
    const v = g.value as { type: string; event: Record<string, unknown> };
    if (m < mutations.length)
      return { good: false, id: g.id, value: { type, event: mutations[m]!(v.event) } };
    if (m === mutations.length)
      return { good: false, id: g.id, value: { type: 'mystery', event: v.event } };
    if (m === mutations.length + 1) return { good: false, id: g.id, value: { ...v, extra: true } };
    if (m === mutations.length + 2) return { good: false, id: g.id, value: 42 };
    return { good: false, id: g.id, value: { type, event: null } };
  });
const goodItem = fc
  .tuple(fc.constantFrom(...TYPES), fc.boolean())
  .map(([type, upper]) => good(type, upper));

const encodings = fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le-bom', 'utf-16be');
function encode(text: string, enc: string): { body: Buffer; contentType: string } {
  if (enc === 'utf-8-bom')
    return {
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      contentType: 'application/json',
    };
  if (enc === 'utf-16le-bom')
    return {
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      contentType: 'application/json',
    };
  if (enc === 'utf-16be')
    return {
      body: Buffer.from(text, 'utf16le').swap16(),
      contentType: 'application/json; charset=utf-16be',
    };
  return { body: Buffer.from(text), contentType: 'application/json; charset=utf-8' };
}

/** A body that is not a batch: broken JSON, bad bytes, too deep, too big, wrong charset. */
const brokenBody = fc.oneof(
  fc
    .string({ maxLength: 200 })
    .map((s) => ({ body: Buffer.from(`{"events": [${s}`), contentType: 'application/json' })),
  fc
    .uint8Array({ minLength: 1, maxLength: 300 })
    .map((b) => ({ body: Buffer.from(b), contentType: 'application/json' })),
  fc.integer({ min: 17, max: 5000 }).map((d) => ({
    body: Buffer.from(`{"events":[${'['.repeat(d)}${']'.repeat(d)}]}`),
    contentType: 'application/json',
  })),
  fc.constant({
    body: Buffer.from(`{"events":["${'x'.repeat(MAX_BODY)}"]}`),
    contentType: 'application/json',
  }),
  fc.constant({
    body: Buffer.from('{"events":[]}'),
    contentType: 'application/json; charset=koi8-r',
  }),
);

before(async () => {
  config = await useStack();
  ({ gateway, codec } = await startTestGateway(config, catalogue, {
    key: KEY,
    app: 'fuzz',
    gateway: { maxBodyBytes: MAX_BODY, maxEvents: MAX_EVENTS },
  }));
});
after(() => gateway?.close());

describe('gateway fuzz (fast-check, real gateway, real Kafka)', () => {
  it('given good events mixed with bad ones, odd encodings, sizes near the limits and broken bodies, then no undesigned 5xx and every good event lands exactly once', async (t) => {
    const mark = await markTopics(config.kafka, catalogue, codec);
    const accepted = new Set<string>();
    const refused = new Set<string>();
    const statuses: Record<string, number> = {};
    await assertProperty(
      fc.asyncProperty(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .tuple(
                fc.array(fc.oneof(goodItem, badItem), { minLength: 1, maxLength: MAX_EVENTS + 3 }),
                encodings,
              )
              .map(([items, enc]) => ({ items, enc })),
          },
          { weight: 1, arbitrary: brokenBody.map((b) => ({ raw: b })) },
        ),
        async (c) => {
          if ('raw' in c) {
            const r = await postBatch(gateway.url, KEY, c.raw.body, {
              'content-type': c.raw.contentType,
            });
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            assert.ok([400, 413, 415, 503].includes(r.status), `broken body got ${r.status}`);
            return;
          }
          const text = JSON.stringify({ events: c.items.map((i) => i.value) });
          const { body, contentType } = encode(text, c.enc);
          const r = await postBatch(gateway.url, KEY, body, { 'content-type': contentType });
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          assert.ok(
            r.status < 500 || r.status === 503,
            `undesigned ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`,
          );
          if (r.status === 503) {
            assert.ok(Number(r.headers.get('retry-after')) >= 1);
            for (const i of c.items) refused.add(i.id);
            return;
          }
          if (c.items.length > MAX_EVENTS || body.length > MAX_BODY) {
            assert.equal(r.status, 413);
            for (const i of c.items) refused.add(i.id);
            return;
          }
          const allBad = c.items.every((i) => !i.good);
          assert.equal(
            r.status,
            allBad ? 400 : c.items.every((i) => i.good) ? 200 : 207,
            JSON.stringify(r.json).slice(0, 300),
          );
          const results = (r.json as { results: { status: string; event_id?: string }[] }).results;
          c.items.forEach((item, k) => {
            const res = results[k]!;
            if (item.good) {
              assert.equal(res.status, 'accepted', `good event ${k}: ${JSON.stringify(res)}`);
              assert.equal(res.event_id, item.id, 'the answer names the canonical (lower-case) id');
              accepted.add(item.id);
            } else {
              assert.equal(
                res.status,
                'rejected',
                `bad event ${k}: ${JSON.stringify(item.value).slice(0, 200)}`,
              );
              refused.add(item.id);
            }
          });
        },
      ),
      {
        numRuns: 80,
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
        endOnFailure: true,
      },
    );
    // The gateway still serves after all of that.
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    const landed = countIds(await mark.read());
    const wrong = [...accepted].filter((id) => landed.get(id) !== 1);
    assert.equal(wrong.length, 0, `${wrong.length} accepted events not in Kafka exactly once`);
    const leaked = [...refused].filter((id) => landed.has(id));
    assert.equal(leaked.length, 0, `${leaked.length} refused events are in Kafka`);
    assert.equal(landed.size, accepted.size);
    assert.ok(accepted.size > 0);
    t.diagnostic(
      `answers by status: ${JSON.stringify(statuses)}; ${accepted.size} events accepted and in Kafka once, ${refused.size} refused and absent`,
    );
  });
});
