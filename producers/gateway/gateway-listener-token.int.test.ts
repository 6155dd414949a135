/**
 * Client-side ingestion with a listener token, through a real gateway (real Kafka and registry):
 * the token binds user_id, so a listener writes only their own user-scoped events; the
 * server-side app key still writes for any user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { mintToken } from '../../common/auth/api-token.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { createLogger } from '../../common/logging/logger.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec, type AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { markTopics, postBatch } from '../../test/helpers/gateway.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { startGatewayServer } from './gateway.runtime.js';

const catalogue = loadEventCatalogue();
const KEY = 'listener-test-app-key';
const SECRET = 'listener-token-test-secret-0123456789';
let config: AppConfig;
let codec: AvroCodec;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;

type Name = keyof ReturnType<typeof validEvents>;
const fresh = (type: Name, over: Record<string, unknown> = {}) => ({
  type,
  event: {
    ...(validEvents(Date.now())[type] as unknown as Record<string, unknown>),
    event_id: uuidv7(),
    received_time: undefined,
    ...over,
  },
});
const body = (...events: ReturnType<typeof fresh>[]) =>
  JSON.stringify({
    events: events.map((e) => ({
      type: e.type,
      event: Object.fromEntries(Object.entries(e.event).filter(([k]) => k !== 'received_time')),
    })),
  });

before(async () => {
  config = await useStack();
  codec = createAvroCodec(catalogue, { registry: createRegistryClient(config.registry) });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  gateway = await startGatewayServer(
    {
      gateway: { ...config.gateway, port: 0, apiKeys: new Map([[KEY, 'test-app']]) },
      kafka: config.kafka,
      host: '127.0.0.1',
      listenerTokenSecret: SECRET,
    },
    {
      logger: createLogger({ level: 'silent' }, 'test-gateway'),
      registry: new Registry(),
      codec,
      catalogue,
    },
  );
});
after(() => gateway?.close());

describe('gateway: client-side ingestion with a listener token', () => {
  it("given a listener token, then the listener's own events are written and every other event is refused per event", async () => {
    // A topic created just now may not have its leader yet: retry the mark a few times.
    let mark: Awaited<ReturnType<typeof markTopics>> | undefined;
    for (let i = 0; !mark; i++) {
      try {
        mark = await markTopics(config.kafka, catalogue, codec);
      } catch (err) {
        if (i >= 20) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const token = mintToken({ role: 'user', sub: 'alice', ttlSeconds: 600 }, SECRET);
    const own = [
      fresh('playback', { user_id: 'alice' }),
      fresh('listener-settings', { user_id: 'alice', share_activity: true }),
    ];
    const others = [
      fresh('playback', { user_id: 'bob' }),
      fresh('follow', { user_id: 'mallory' }),
      fresh('track-upload'),
    ];
    const r = await postBatch(
      gateway.url,
      token,
      body(own[0]!, others[0]!, own[1]!, others[1]!, others[2]!),
    );
    assert.equal(r.status, 207, JSON.stringify(r.json));
    const json = r.json as {
      accepted: number;
      rejected: number;
      results: { index: number; status: string; errors?: { path: string; reason: string }[] }[];
    };
    assert.equal(json.accepted, 2);
    assert.equal(json.rejected, 3);
    assert.deepEqual(
      json.results.map((x) => [x.index, x.status, x.errors?.[0]?.path]),
      [
        [0, 'accepted', undefined],
        [1, 'rejected', '/event/user_id'],
        [2, 'accepted', undefined],
        [3, 'rejected', '/event/user_id'],
        [4, 'rejected', '/type'],
      ],
    );
    assert.match(
      json.results[1]!.errors![0]!.reason,
      /listener token for alice may only send events with user_id alice/,
    );
    const landed = await mark.read();
    assert.deepEqual(
      landed.map((l) => l.event_id).sort(),
      own.map((e) => e.event.event_id as string).sort(),
      "only the listener's own events reach Kafka",
    );
  });

  it('given a forged, expired or non-user token, then 401; the app key still writes for any user', async () => {
    const forged = mintToken(
      { role: 'user', sub: 'alice', ttlSeconds: 600 },
      'another-secret-0123456789abc',
    );
    const expired = mintToken(
      { role: 'user', sub: 'alice', ttlSeconds: 1 },
      SECRET,
      Date.now() - 10_000,
    );
    const analyst = mintToken({ role: 'analyst', sub: 'alice', ttlSeconds: 600 }, SECRET);
    for (const t of [forged, expired, analyst]) {
      const r = await postBatch(gateway.url, t, body(fresh('playback', { user_id: 'alice' })));
      assert.equal(r.status, 401, JSON.stringify(r.json));
    }
    const viaXApiKey = await postBatch(
      gateway.url,
      'x',
      body(fresh('playback', { user_id: 'alice' })),
      {
        authorization: '',
        'x-api-key': mintToken({ role: 'user', sub: 'alice', ttlSeconds: 600 }, SECRET),
      },
    );
    assert.equal(viaXApiKey.status, 401, 'a listener token is only taken as a Bearer token');
    const app = await postBatch(
      gateway.url,
      KEY,
      body(fresh('playback', { user_id: 'bob' }), fresh('track-upload')),
    );
    assert.equal(app.status, 200, JSON.stringify(app.json));
  });
});
