import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import {
  type EventCatalogue,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { type AvroCodec, createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { createBackbeatClient } from './backbeat-client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { createKafkaTransport } from './kafka.transport.js';
import { eventTopicEnds, readEventTopicsSince } from '../../test/helpers/sdk-kafka.helper.js';
import type { ClientContext, DeliveryResult, OutgoingEvent, Transport } from './sdk.types.js';

let config: AppConfig;
let catalogue: EventCatalogue;
let codec: AvroCodec;
let transport: Transport;
const run = randomUUID().slice(0, 8);
const receivedAt = Date.now();
const T = receivedAt - 60_000;

const context: ClientContext = {
  user_id: `user-${run}`,
  device_id: 'device-1',
  market: 'SE',
  product: 'PREMIUM',
  platform: 'web',
  client_version: '2.0.0',
};
const id = () => uuidv7();

/** One valid event of each type, every field given (so a decoded value must equal it exactly). */
const valid: OutgoingEvent[] = [
  {
    type: 'playback',
    event: {
      ...context,
      event_id: id(),
      event_time: T,
      phase: 'ENDED',
      playback_id: id(),
      session_id: `s-${run}`,
      track_id: `track-${run}`,
      position_ms: 184_000,
      ms_played: 183_500,
      end_reason: 'TRACK_DONE',
      context: 'playlist:42',
      offline: true,
    },
  },
  {
    type: 'skip',
    event: {
      ...context,
      event_id: id(),
      event_time: T + 1,
      playback_id: id(),
      session_id: `s-${run}`,
      track_id: `track-${run}`,
      position_ms: 12_000,
      direction: 'FORWARD',
    },
  },
  {
    type: 'follow',
    event: {
      ...context,
      event_id: id(),
      event_time: T + 2,
      action: 'FOLLOW',
      target_type: 'ARTIST',
      target_id: 'artist-7',
    },
  },
  {
    type: 'track-upload',
    event: {
      event_id: id(),
      event_time: T + 3,
      track_id: `track-${run}`,
      isrc: 'SEABC2500001',
      title: 'Kafka in Köln ♪',
      artists: [{ artist_id: 'artist-7', name: 'The Partitions' }],
      label_id: 'label-1',
      label_name: 'Offset Records',
      release_id: null,
      duration_ms: 184_000,
      markets: ['SE', 'NO'],
      uploaded_by: 'label-1-uploader',
      rights_holders: [
        { rights_holder_id: 'rh-label', name: 'Offset Records', role: 'label', share_bps: 7000 },
        { rights_holder_id: 'rh-artist', name: 'The Partitions', role: 'artist', share_bps: 3000 },
      ],
    },
  },
  {
    type: 'revenue-report',
    event: {
      event_id: id(),
      event_time: T + 4,
      report_id: `rep-${run}`,
      market: 'SE',
      period: '2025-05',
      currency: 'SEK',
      minor_unit: 2,
      pool_minor: 123_456_789,
      premium_listeners: 4321,
    },
  },
];
const expectedKeys = [
  context.user_id,
  context.user_id,
  context.user_id,
  `track-${run}`,
  'SE:2025-05',
];

/** Invalid events, with the error path each one must be answered with. */
const invalid: { out: OutgoingEvent; path: string }[] = [
  {
    out: {
      type: 'playback',
      event: { ...valid[0]!.event, event_id: id(), ms_played: -5 } as never,
    },
    path: '/ms_played',
  },
  {
    out: {
      type: 'skip',
      event: { ...valid[1]!.event, event_id: id(), position_ms: '12' } as never,
    },
    path: '/position_ms',
  },
  {
    out: { type: 'follow', event: { ...valid[2]!.event, event_id: id(), note: 'hi' } as never },
    path: '/note',
  },
  {
    out: {
      type: 'track-upload',
      event: {
        ...valid[3]!.event,
        event_id: id(),
        rights_holders: [{ rights_holder_id: 'rh', name: 'x', role: 'label', share_bps: 9000 }],
      } as never,
    },
    path: '/rights_holders',
  },
  {
    out: {
      type: 'revenue-report',
      event: { ...valid[4]!.event, event_id: id(), period: '2025-13' } as never,
    },
    path: '/period',
  },
];

before(async () => {
  config = await useStack();
  catalogue = loadEventCatalogue();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  await ensureEventTopics(config.kafka, catalogue);
  transport = createKafkaTransport(
    { brokers: config.kafka.brokers, clientId: `test-sdk-${run}` },
    { codec, catalogue, now: () => receivedAt },
  );
});

after(async () => {
  await transport?.close();
});

const readSince = (since: Map<string, number>) =>
  readEventTopicsSince(config.kafka.brokers, catalogue, codec, since);

describe('Kafka transport (real Kafka and schema registry)', () => {
  let results: DeliveryResult[];
  let before1: Map<string, number>;

  it('answers per event: valid ones accepted, invalid ones rejected with the path of the problem', async () => {
    const batch = [...valid, ...invalid.map((i) => i.out)];
    before1 = await eventTopicEnds(config.kafka.brokers, catalogue);
    results = await transport.send(batch);
    assert.deepEqual(
      results.slice(0, valid.length),
      valid.map((v) => ({ status: 'accepted', event_id: v.event.event_id })),
    );
    results.slice(valid.length).forEach((r, i) => {
      assert.equal(r.status, 'rejected', `invalid #${i} (${invalid[i]!.out.type})`);
      assert.equal(r.event_id, invalid[i]!.out.event.event_id);
      assert.ok(
        r.status === 'rejected' && r.errors.some((e) => e.path === invalid[i]!.path),
        `${invalid[i]!.out.type}: expected an error at ${invalid[i]!.path}, got ${JSON.stringify(r)}`,
      );
    });
  });

  it('wrote each valid event, keyed by user id / track id / market:period, as registry-framed Avro equal to what was sent; nothing invalid reached Kafka', async () => {
    assert.ok(results, 'the previous test sent the batch');
    const { consumed: all, undecodable } = await readSince(before1);
    assert.deepEqual(undecodable, [], 'every value written decodes');
    const byId = new Map(all.map((c) => [c.value.event_id as string, c]));
    valid.forEach((v, i) => {
      const got = all.filter((c) => c.value.event_id === v.event.event_id);
      assert.equal(got.length, 1, `${v.type} written exactly once`);
      assert.equal(got[0]!.topic, catalogue[v.type].topic);
      assert.equal(got[0]!.key, expectedKeys[i]);
      assert.deepEqual(got[0]!.value, { ...v.event, received_time: receivedAt });
    });
    for (const bad of invalid)
      assert.equal(
        byId.has(bad.out.event.event_id),
        false,
        `${bad.out.type} with ${bad.path} must not be on Kafka`,
      );
  });

  it("through the client: one user's events land on one partition in the order they were created", async () => {
    const rejected: string[] = [];
    const client = createBackbeatClient(
      {
        context: { ...context, user_id: `order-${run}` },
        maxBatchSize: 7,
        lingerMs: 5,
        onRejected: (e) => rejected.push(e.event.event_id),
      },
      {
        transport: createKafkaTransport(
          { brokers: config.kafka.brokers, clientId: `test-sdk-${run}-c` },
          { codec, catalogue },
        ),
      },
    );
    const since = await eventTopicEnds(config.kafka.brokers, catalogue);
    const playbackId = id();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(
        i % 10 === 9
          ? client.skip({
              playback_id: playbackId,
              session_id: 's',
              track_id: `t${i}`,
              position_ms: i,
              direction: 'FORWARD',
            })
          : client.playback({
              phase: 'PROGRESS',
              playback_id: playbackId,
              session_id: 's',
              track_id: `t${i}`,
              position_ms: i * 1000,
              ms_played: i * 1000,
            }),
      );
    const badId = client.playback({
      phase: 'ENDED',
      playback_id: playbackId,
      session_id: 's',
      track_id: 't',
      position_ms: 1,
      ms_played: 1,
    }); // ENDED needs end_reason
    await client.close();
    assert.deepEqual(rejected, [badId]);
    const stats = client.stats();
    assert.deepEqual([stats.accepted, stats.rejected, stats.dropped], [40, 1, 0]);

    const { consumed } = await readSince(since);
    const mine = consumed.filter((c) => c.key === `order-${run}`);
    const playbacks = mine.filter((c) => c.topic === catalogue.playback.topic);
    assert.equal(new Set(playbacks.map((c) => c.partition)).size, 1, 'one key, one partition');
    assert.deepEqual(
      playbacks.map((c) => c.value.event_id),
      ids.filter((_, i) => i % 10 !== 9),
    );
    assert.deepEqual(
      mine.filter((c) => c.topic === catalogue.skip.topic).map((c) => c.value.event_id),
      ids.filter((_, i) => i % 10 === 9),
    );
  });

  it('ensureEventTopics: every event topic exists, and a second call creates none', async () => {
    const kafka = new Kafka({
      clientId: `test-sdk-${run}`,
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin.disconnect();
    for (const s of Object.values(catalogue)) assert.ok(existing.has(s.topic), s.topic);
    assert.deepEqual(await ensureEventTopics(config.kafka, catalogue), []);
  });
});
