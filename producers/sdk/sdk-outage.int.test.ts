/**
 * The client through a real gateway outage (the gateway stopped for 15 s and started again on
 * the same port, on a real Kafka) and through a crash with the write-ahead file store: every
 * event emitted meanwhile reaches Kafka exactly once, with its original event_id and event_time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import {
  type EventCatalogue,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { type AvroCodec, createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { startGatewayServer } from '../gateway/gateway.runtime.js';
import { createBackbeatClient } from './backbeat-client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { createHttpTransport } from './http.transport.js';
import { createFileStore } from './pending-file.store.js';
import { eventTopicEnds, readEventTopicsSince } from '../../test/helpers/sdk-kafka.helper.js';
import type { ClientContext, DeliveryResult, DroppedResult } from './sdk.types.js';

const run = randomUUID().slice(0, 8);
const API_KEY = `sdk-outage-key-${run}`;
const context: ClientContext = {
  user_id: `outage-user-${run}`,
  device_id: 'd-1',
  market: 'SE',
  product: 'FREE',
  platform: 'web',
  client_version: '1.0.0',
};

let config: AppConfig;
let catalogue: EventCatalogue;
let codec: AvroCodec;
let gateway: Awaited<ReturnType<typeof startGatewayServer>> | undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function startGatewayOn(port: number) {
  return startGatewayServer(
    {
      gateway: { ...config.gateway, port, apiKeys: new Map([[API_KEY, 'sdk-outage']]) },
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

const playback = (i: number) => ({
  phase: 'PROGRESS' as const,
  playback_id: randomUUID(),
  session_id: `s-${run}`,
  track_id: `t-${i}`,
  position_ms: i,
  ms_played: i,
});

async function inKafka(since: Map<string, number>, ids: string[]) {
  const { consumed } = await readEventTopicsSince(config.kafka.brokers, catalogue, codec, since);
  const wanted = new Set(ids);
  return consumed.filter((c) => wanted.has(String(c.value.event_id)));
}

before(async () => {
  config = await useStack();
  catalogue = loadEventCatalogue();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
});

after(async () => {
  await gateway?.close();
});

describe('the SDK through a gateway outage', () => {
  it(
    'given the gateway stopped for 15 s, then every event emitted before, during and after arrives exactly once with its original event_id and event_time',
    { timeout: 120_000 },
    async (t) => {
      const port = await freePort();
      gateway = await startGatewayOn(port);
      const since = await eventTopicEnds(config.kafka.brokers, catalogue);
      const problems: (DeliveryResult | DroppedResult)[] = [];
      const client = createBackbeatClient(
        {
          context,
          lingerMs: 10,
          retry: { initialMs: 100, maxMs: 1000 },
          onRejected: (_e, r) => problems.push(r),
        },
        { transport: createHttpTransport({ url: gateway.url, apiKey: API_KEY, timeoutMs: 2000 }) },
      );
      const emitted: { id: string; at: number }[] = [];
      const emit = (i: number) => {
        const at = Date.now();
        emitted.push({ id: client.playback({ ...playback(i), event_time: at }), at });
      };
      emit(0);
      await client.flush();
      await gateway.close();
      gateway = undefined;
      t.diagnostic('gateway stopped');
      const outageStart = Date.now();
      for (let i = 1; Date.now() - outageStart < 15_000; i++) {
        emit(i);
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(client.stats().outage, true, 'the SDK saw the outage by itself');
      assert.ok(
        client.stats().retries > 8,
        `probed ${client.stats().retries} times, past 8 retries`,
      );
      t.diagnostic(`outage over: ${JSON.stringify(client.stats())}`);
      gateway = await startGatewayOn(port);
      emit(9999);
      await client.close();
      t.diagnostic(`closed: ${JSON.stringify(client.stats())}`);
      assert.deepEqual(problems, [], 'nothing dropped or refused');
      const got = await inKafka(
        since,
        emitted.map((e) => e.id),
      );
      assert.equal(got.length, emitted.length, 'each event exactly once');
      const byId = new Map(got.map((c) => [String(c.value.event_id), c]));
      for (const e of emitted) assert.equal(Number(byId.get(e.id)?.value.event_time), e.at, e.id);
    },
  );

  it(
    'given a crash during an outage with a file store, then a new client on the same file delivers the held events with their original ids and times',
    { timeout: 120_000 },
    async () => {
      gateway ??= await startGatewayOn(0);
      const since = await eventTopicEnds(config.kafka.brokers, catalogue);
      const file = path.join(tempDir('sdk-outage-'), 'pending.jsonl');
      const deadPort = await freePort(); // nothing listens: connection refused
      const first = createBackbeatClient(
        { context, lingerMs: 0, retry: { initialMs: 100, maxMs: 500 } },
        {
          transport: createHttpTransport({ url: `http://127.0.0.1:${deadPort}`, apiKey: API_KEY }),
          store: createFileStore(file),
        },
      );
      const emitted = Array.from({ length: 5 }, (_, i) => {
        const at = Date.now() - 1000 * (5 - i);
        return { id: first.playback({ ...playback(i), event_time: at }), at };
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(first.stats().outage, true);
      // "Crash": the first client is abandoned as it is (never flushed); a new one starts.
      const second = createBackbeatClient(
        { context, lingerMs: 0 },
        {
          transport: createHttpTransport({ url: gateway.url, apiKey: API_KEY }),
          store: createFileStore(file),
        },
      );
      await second.close();
      assert.equal(second.stats().accepted, 5);
      const got = await inKafka(
        since,
        emitted.map((e) => e.id),
      );
      assert.deepEqual(
        got.map((c) => [c.value.event_id, Number(c.value.event_time)]).sort(),
        emitted.map((e) => [e.id, e.at]).sort(),
      );
      await first.close(); // stop its probes (the test's own clean-up)
    },
  );
});
