import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import { startGatewayServer } from '../gateway/gateway.runtime.js';
import {
  type EventCatalogue,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { type AvroCodec, createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { createBackbeatClient } from './backbeat-client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { createHttpTransport } from './http.transport.js';
import { eventTopicEnds, readEventTopicsSince } from '../../test/helpers/sdk-kafka.helper.js';
import type {
  ClientContext,
  DeliveryResult,
  DroppedResult,
  OutgoingEvent,
  SdkOptions,
} from './sdk.types.js';

const run = randomUUID().slice(0, 8);
const API_KEY = `sdk-int-key-${run}`;
const MAX_EVENTS = 20;

let config: AppConfig;
let catalogue: EventCatalogue;
let codec: AvroCodec;
type Gateway = Awaited<ReturnType<typeof startGatewayServer>>;
let gateway: Gateway;
let limited: Gateway;

const context: ClientContext = {
  user_id: `http-user-${run}`,
  device_id: 'phone-1',
  market: 'DE',
  product: 'FREE',
  platform: 'android',
  client_version: '9.1.0',
};

async function gatewayWith(over: { rateLimit?: number }): Promise<Gateway> {
  return startGatewayServer(
    {
      gateway: {
        ...config.gateway,
        port: 0,
        apiKeys: new Map([[API_KEY, 'sdk-int']]),
        maxEvents: MAX_EVENTS,
        rateLimit: over.rateLimit ?? 0,
      },
      kafka: config.kafka,
      host: config.stack.host,
    },
    {
      logger: createLogger({ level: 'silent' }, 'gateway-test'),
      registry: new Registry(),
      codec,
      catalogue,
    },
  );
}

before(async () => {
  config = await useStack();
  catalogue = loadEventCatalogue();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  gateway = await gatewayWith({});
  limited = await gatewayWith({ rateLimit: 5 });
});

after(async () => {
  await gateway?.close();
  await limited?.close();
});

function clientFor(url: string, options: Partial<SdkOptions> = {}, apiKey = API_KEY) {
  const refused: { event: OutgoingEvent; result: DeliveryResult | DroppedResult }[] = [];
  const client = createBackbeatClient(
    {
      context,
      lingerMs: 5,
      onRejected: (event, result) => refused.push({ event, result }),
      ...options,
    },
    { transport: createHttpTransport({ url, apiKey }) },
  );
  return { client, refused };
}

describe('HTTP transport against the real gateway', () => {
  it('one event of each type reaches Kafka through the gateway; invalid ones come back rejected with their paths', async () => {
    const since = await eventTopicEnds(config.kafka.brokers, catalogue);
    const { client, refused } = clientFor(gateway.url);
    const t0 = Date.now();
    const playbackId = randomUUID();
    const ids = {
      playback: client.playback({
        phase: 'STARTED',
        playback_id: playbackId,
        session_id: `s-${run}`,
        track_id: `t-${run}`,
        position_ms: 0,
        ms_played: 0,
        end_reason: null,
        context: null,
        offline: false,
      }),
      skip: client.skip({
        playback_id: playbackId,
        session_id: `s-${run}`,
        track_id: `t-${run}`,
        position_ms: 5000,
        direction: 'BACKWARD',
      }),
      follow: client.follow({ action: 'UNFOLLOW', target_type: 'USER', target_id: 'someone-else' }),
      'track-upload': client.trackUpload({
        track_id: `t-${run}`,
        isrc: 'DEXYZ2500042',
        title: 'Über HTTP',
        artists: [{ artist_id: 'a-1', name: 'Gateway Band' }],
        label_id: 'label-2',
        label_name: 'Ingest Music',
        release_id: 'rel-1',
        duration_ms: 200_000,
        markets: ['DE', 'AT'],
        rights_holders: [
          { rights_holder_id: 'rh-1', name: 'Ingest Music', role: 'label', share_bps: 10_000 },
        ],
        uploaded_by: 'ops',
      }),
      'revenue-report': client.revenueReport({
        report_id: `r-${run}`,
        market: 'DE',
        period: '2025-04',
        currency: 'EUR',
        minor_unit: 2,
        pool_minor: 5_000_000,
        premium_listeners: 99,
      }),
    };
    const bad = {
      ms: client.playback({
        phase: 'PROGRESS',
        playback_id: playbackId,
        session_id: 's',
        track_id: 't',
        position_ms: 1,
        ms_played: -1,
      }),
      self: client.follow({ action: 'FOLLOW', target_type: 'USER', target_id: context.user_id }),
      isrc: client.trackUpload({
        track_id: 't',
        isrc: 'nope',
        title: 'x',
        artists: [{ artist_id: 'a', name: 'a' }],
        label_id: 'l',
        label_name: 'l',
        duration_ms: 1,
        markets: ['DE'],
        rights_holders: [{ rights_holder_id: 'r', name: 'r', role: 'label', share_bps: 10_000 }],
        uploaded_by: 'u',
      }),
    };
    await client.close();
    const t1 = Date.now();

    assert.deepEqual(
      refused.map((r) => [
        r.event.event.event_id,
        r.result.status,
        r.result.status === 'rejected' && r.result.errors.map((e) => e.path),
      ]),
      [
        // Pointers into the event, as the Kafka transport reports them.
        [bad.ms, 'rejected', ['/ms_played']],
        [bad.self, 'rejected', ['/target_id']],
        [bad.isrc, 'rejected', ['/isrc']],
      ],
    );
    assert.deepEqual(client.stats(), {
      queued: 0,
      offline: 0,
      inFlight: 0,
      sent: 8,
      accepted: 5,
      duplicates: 0,
      rejected: 3,
      dropped: 0,
      retries: 0,
      outage: false,
    });

    const { consumed } = await readEventTopicsSince(config.kafka.brokers, catalogue, codec, since);
    const keys: Record<string, string> = {
      playback: context.user_id,
      skip: context.user_id,
      follow: context.user_id,
      'track-upload': `t-${run}`,
      'revenue-report': 'DE:2025-04',
    };
    for (const [type, id] of Object.entries(ids)) {
      const got = consumed.filter((c) => c.value.event_id === id);
      assert.equal(got.length, 1, `${type} on Kafka once`);
      assert.equal(got[0]!.topic, `backbeat.${type}`);
      assert.equal(got[0]!.key, keys[type]);
      const v = got[0]!.value;
      assert.ok(
        (v.received_time as number) >= t0 && (v.received_time as number) <= t1,
        'stamped by the gateway',
      );
      assert.ok(
        (v.event_time as number) >= t0 && (v.event_time as number) <= (v.received_time as number),
      );
      if (type === 'follow')
        assert.deepEqual(v, {
          ...context,
          event_id: id,
          event_time: v.event_time,
          received_time: v.received_time,
          action: 'UNFOLLOW',
          target_type: 'USER',
          target_id: 'someone-else',
        });
    }
    for (const id of Object.values(bad))
      assert.ok(!consumed.some((c) => c.value.event_id === id), 'nothing invalid on Kafka');
  });

  it('a wrong API key: one request, every event rejected as unauthorized, not retried', async () => {
    const { client, refused } = clientFor(gateway.url, {}, 'not-the-key');
    client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: 'a' });
    client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: 'b' });
    await client.close();
    assert.equal(refused.length, 2);
    for (const r of refused)
      assert.match(
        r.result.status === 'rejected' ? r.result.errors[0]!.reason : '',
        /^HTTP 401: unauthorized.*Missing or unknown API key/,
      );
    assert.deepEqual([client.stats().retries, client.stats().rejected], [0, 2]);
  });

  it('a batch over a gateway limit the transport was not told: the 413 batch is split and every event accepted', async () => {
    const { client, refused } = clientFor(gateway.url, {
      maxBatchSize: MAX_EVENTS + 5,
      lingerMs: 60_000,
    });
    for (let i = 0; i < 3 * MAX_EVENTS + 1; i++)
      client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: `a${i}` });
    await client.close();
    assert.deepEqual(refused, []);
    assert.equal(client.stats().accepted, 3 * MAX_EVENTS + 1);
  });

  it("a transport told the gateway's limit (maxEvents) never sends a batch over it", async () => {
    const refused: unknown[] = [];
    const sizes: number[] = [];
    const http = createHttpTransport({ url: gateway.url, apiKey: API_KEY, maxEvents: MAX_EVENTS });
    const client = createBackbeatClient(
      { context, maxBatchSize: 500, lingerMs: 60_000, onRejected: (e, r) => refused.push(r) },
      {
        transport: {
          limits: http.limits!,
          send: (b, o) => (sizes.push(b.length), http.send(b, o)),
          close: () => http.close(),
        },
      },
    );
    for (let i = 0; i < 2 * MAX_EVENTS + 3; i++)
      client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: `c${i}` });
    await client.close();
    assert.deepEqual(refused, []);
    assert.deepEqual(sizes, [MAX_EVENTS, MAX_EVENTS, 3]);
  });

  it('rate limited: the client waits the 429 Retry-After and the batch is then accepted', async () => {
    const { client, refused } = clientFor(limited.url, { maxBatchSize: 5, lingerMs: 0 });
    const t0 = Date.now();
    // The second batch of 5 finds the bucket (5 events/s) empty: 429 with Retry-After: 1.
    const ids = Array.from({ length: 10 }, (_, i) =>
      client.follow({ action: 'FOLLOW', target_type: 'ARTIST', target_id: `r${i}` }),
    );
    await client.close();
    const s = client.stats();
    assert.deepEqual(refused, []);
    assert.equal(s.accepted, ids.length);
    assert.ok(s.retries >= 1, 'retried after the 429');
    assert.ok(Date.now() - t0 >= 1000, 'waited the Retry-After (1 s)');
  });
});
