import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
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
 * Issue 9, item 5: many concurrent clients with big batches against a real gateway on real
 * Kafka. The gateway must shed (503 or 429 with Retry-After) instead of collapsing, and its
 * answers must tell the truth: every accepted event is in Kafka exactly once, and no event of a
 * shed batch is there at all.
 */
const catalogue = loadEventCatalogue();
const KEY = 'overload-key-123456';
const CLIENTS = 150;
const ROUNDS = 2;
const BATCH = 500;
let config: AppConfig;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
let codec: ReturnType<typeof createAvroCodec>;

function batch(): { body: string; ids: string[] } {
  const now = Date.now();
  const base = validEvents(now).playback as unknown as Record<string, unknown>;
  const user = `ov-${randomUUID().slice(0, 8)}`;
  const events = Array.from({ length: BATCH }, () => {
    const { received_time: _r, ...e } = {
      ...base,
      event_id: uuidv7(),
      playback_id: uuidv7(),
    } as Record<string, unknown>;
    return { type: 'playback', event: { ...e, user_id: user } as Record<string, unknown> };
  });
  return { body: JSON.stringify({ events }), ids: events.map((e) => e.event.event_id as string) };
}

before(async () => {
  config = await useStack();
  ({ gateway, codec } = await startTestGateway(config, catalogue, { key: KEY, app: 'overload' }));
});
after(() => gateway?.close());

describe('gateway under overload (real gateway, real Kafka)', () => {
  it(`given ${CLIENTS} concurrent clients sending ${BATCH}-event batches, then it sheds with Retry-After, and what it accepted is in Kafka exactly once and what it shed is not`, async (t) => {
    const mark = await markTopics(config.kafka, catalogue, codec);
    const bodies = Array.from({ length: CLIENTS * ROUNDS }, batch);
    const answers: { status: number; retryAfter: string | null; ids: string[]; code?: string }[] =
      [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let r = 0; r < ROUNDS; r++) {
          const b = bodies[c * ROUNDS + r]!;
          const res = await postBatch(gateway.url, KEY, b.body);
          answers.push({
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            ids: b.ids,
            code: (res.json as { code?: string })?.code,
          });
        }
      }),
    );
    const statuses = countBy(answers.map((a) => a.status));
    t.diagnostic(`answers by status: ${JSON.stringify(statuses)}`);
    // Every answer is one of the designed ones: no other 5xx, no 4xx for good batches.
    for (const a of answers)
      assert.ok([200, 207, 429, 503].includes(a.status), JSON.stringify(statuses));
    const shed = answers.filter((a) => a.status === 429 || a.status === 503);
    const accepted = answers.filter((a) => a.status === 200);
    assert.ok(
      shed.length > 0,
      `the load was meant to overload the gateway: ${JSON.stringify(statuses)}`,
    );
    assert.ok(
      accepted.length > 0,
      `an overloaded gateway still accepts work: ${JSON.stringify(statuses)}`,
    );
    for (const a of shed)
      assert.ok(Number(a.retryAfter) >= 1, `a ${a.status} ${a.code} without Retry-After`);

    const landed = countIds(await mark.read());
    const acceptedIds = accepted.flatMap((a) => a.ids);
    const missing = acceptedIds.filter((id) => landed.get(id) !== 1);
    assert.equal(missing.length, 0, `${missing.length} accepted events not in Kafka exactly once`);
    const shedIds = shed.flatMap((a) => a.ids).filter((id) => landed.has(id));
    assert.equal(shedIds.length, 0, `${shedIds.length} events of shed batches are in Kafka`);
    assert.equal(landed.size, acceptedIds.length, 'nothing else of this load landed');
    assert.equal(gateway.inFlight(), 0, 'every handed-over event has its delivery report');
  });
});

function countBy(xs: number[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}
