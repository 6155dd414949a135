/**
 * For tests against a real ingest gateway: POST a body, and read back what landed in the event
 * topics since a mark (end offsets taken before the load), decoded, by event_id.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import type { AppConfig, KafkaConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import { startGatewayServer } from '../../producers/gateway/gateway.runtime.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import type { EventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec, type AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { topicOffsets } from './kafka.helper.js';

export async function postBatch(
  url: string,
  key: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json, ms: performance.now() - t0 };
}

export interface Landed {
  event_id: string;
  topic: string;
  key: string;
  value: Record<string, unknown>;
}

/**
 * Marks the end of every event topic now; `read()` returns every event written after the mark
 * (up to the end offsets at the time of the call), decoded.
 */
export async function markTopics(
  kafkaConfig: Pick<KafkaConfig, 'brokers'>,
  catalogue: EventCatalogue,
  codec: Pick<AvroCodec, 'decode'>,
) {
  const kafka = new Kafka({
    clientId: `test-mark-${randomUUID().slice(0, 8)}`,
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  const topics = Object.values(catalogue).map((s) => s.topic);
  const admin = kafka.admin();
  await admin.connect();
  const ends = async () => {
    const out = new Map<string, bigint>();
    for (const t of topics)
      for (const p of await topicOffsets(admin, t)) out.set(`${t}:${p.partition}`, BigInt(p.high));
    return out;
  };
  const start = await ends();
  await admin.disconnect();

  async function read(timeoutMs = 60_000): Promise<Landed[]> {
    await admin.connect();
    const stop = await ends();
    await admin.disconnect();
    const todo = new Map<string, bigint>();
    for (const [tp, end] of stop) if (end > (start.get(tp) ?? 0n)) todo.set(tp, end);
    const got: Landed[] = [];
    if (!todo.size) return got;
    const consumer = kafka.consumer({ groupId: `test-read-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({
      topics: [...new Set([...todo.keys()].map((tp) => tp.split(':')[0]!))],
    });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const byTopic = new Map(Object.values(catalogue).map((s) => [s.topic, s.name]));
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const tp = `${topic}:${partition}`;
        const end = todo.get(tp);
        if (end === undefined || BigInt(message.offset) >= end) return;
        const d = await codec.decode(byTopic.get(topic)!, message.value!);
        if (d.ok) {
          const value = d.value as unknown as Record<string, unknown>;
          got.push({
            event_id: value.event_id as string,
            topic,
            key: message.key!.toString(),
            value,
          });
        }
        if (BigInt(message.offset) === end - 1n) {
          todo.delete(tp);
          if (!todo.size) done();
        }
      },
    });
    for (const tp of todo.keys()) {
      const [topic, partition] = tp.split(':') as [string, string];
      consumer.seek({ topic, partition: Number(partition), offset: String(start.get(tp) ?? 0n) });
    }
    const timer = new Promise<void>((_, reject) =>
      setTimeout(
        () => reject(new Error(`read ${got.length} events; partitions left: ${[...todo.keys()]}`)),
        timeoutMs,
      ).unref(),
    );
    try {
      await Promise.race([finished, timer]);
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  return { read };
}

/** How often each id occurs in `landed`. */
export function countIds(landed: readonly Landed[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const l of landed) n.set(l.event_id, (n.get(l.event_id) ?? 0) + 1);
  return n;
}

/**
 * A gateway of the test's own on the stack's Kafka and registry: port 0, one API key, the event
 * topics created, silent logs; `gateway` overrides any of the stack's gateway settings.
 */
export async function startTestGateway(
  config: AppConfig,
  catalogue: EventCatalogue,
  options: {
    key: string;
    app: string;
    gateway?: Partial<AppConfig['gateway']>;
    listenerTokenSecret?: string;
  },
): Promise<{ gateway: Awaited<ReturnType<typeof startGatewayServer>>; codec: AvroCodec }> {
  const codec = createAvroCodec(catalogue, { registry: createRegistryClient(config.registry) });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  const gateway = await startGatewayServer(
    {
      gateway: {
        ...config.gateway,
        port: 0,
        apiKeys: new Map([[options.key, options.app]]),
        ...options.gateway,
      },
      kafka: config.kafka,
      host: '127.0.0.1',
      ...(options.listenerTokenSecret ? { listenerTokenSecret: options.listenerTokenSecret } : {}),
    },
    {
      logger: createLogger({ level: 'silent' }, `test-${options.app}`),
      registry: new Registry(),
      codec,
      catalogue,
    },
  );
  return { gateway, codec };
}
