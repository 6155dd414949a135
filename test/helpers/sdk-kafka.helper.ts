/**
 * Reads what reached the event topics during a test (Node only, used by *.int.test.ts): take
 * `eventTopicEnds` before sending, then `readEventTopicsSince` decodes every message written
 * after it, up to the topics' ends at the time of the call.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { EventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { EventTypeName } from '../../schemas/generated/events.types.js';
import { createRdkafkaConsumer } from '../../common/kafka/rdkafka-consumer.js';
import { topicOffsets } from './kafka.helper.js';

export interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** The decoded value as plain JSON (Avro records become plain objects). */
  value: Record<string, unknown>;
}

export interface Undecodable {
  topic: string;
  partition: number;
  offset: number;
  key: string | undefined;
  reason: string;
}

type Offsets = Map<string, number>;
const tp = (topic: string, partition: number) => `${topic}:${partition}`;

function kafkaFor(brokers: string[]) {
  return new Kafka({ clientId: `test-sdk-read`, brokers, logLevel: logLevel.NOTHING });
}

/** The end offset (high watermark) of every partition of every event topic. */
export async function eventTopicEnds(
  brokers: string[],
  catalogue: EventCatalogue,
): Promise<Offsets> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    const ends: Offsets = new Map();
    for (const spec of Object.values(catalogue))
      for (const p of await topicOffsets(admin, spec.topic))
        ends.set(tp(spec.topic, p.partition), Number(p.high));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Every message of the event topics between `since` and the current ends, decoded. */
export async function readEventTopicsSince(
  brokers: string[],
  catalogue: EventCatalogue,
  codec: AvroCodec,
  since: Offsets,
): Promise<{ consumed: Consumed[]; undecodable: Undecodable[] }> {
  const ends = await eventTopicEnds(brokers, catalogue);
  const typeOf = new Map(Object.values(catalogue).map((s) => [s.topic, s.name as EventTypeName]));
  const wanted = [...ends].filter(([k, end]) => end > (since.get(k) ?? 0));
  const consumed: Consumed[] = [];
  const undecodable: Undecodable[] = [];
  if (!wanted.length) return { consumed, undecodable };

  // node-rdkafka reads what any producer wrote (the gateway's may be LZ4-compressed, which
  // kafkajs cannot decompress).
  // Assigned partitions at explicit offsets: no group to join, reading starts at once.
  const topics = [...new Set(wanted.map(([k]) => k.slice(0, k.lastIndexOf(':'))))];
  const consumer = await createRdkafkaConsumer({
    brokers,
    clientId: 'test-sdk-read',
    groupId: `test-sdk-read-${randomUUID()}`,
    topics,
  });
  consumer.raw.unsubscribe();
  consumer.raw.assign(
    wanted.map(([k]) => ({
      topic: k.slice(0, k.lastIndexOf(':')),
      partition: Number(k.slice(k.lastIndexOf(':') + 1)),
      offset: since.get(k) ?? 0,
    })),
  );
  const reached: Offsets = new Map();
  const deadline = Date.now() + 30_000;
  try {
    while (!wanted.every(([k, end]) => (reached.get(k) ?? 0) >= end)) {
      if (Date.now() > deadline) {
        const where = wanted.map(
          ([k, end]) => `${k} ${since.get(k) ?? 0}..${end} at ${reached.get(k) ?? '-'}`,
        );
        throw new Error(`timed out reading the event topics (${where.join('; ')})`);
      }
      for (const m of await consumer.poll(500)) {
        const key = tp(m.topic, m.partition);
        reached.set(key, m.offset + 1);
        if (m.offset < (since.get(key) ?? 0) || m.offset >= (ends.get(key) ?? 0)) continue;
        const decoded = await codec.decode(typeOf.get(m.topic)!, m.value);
        const k = m.key?.toString();
        if (decoded.ok) {
          const value = JSON.parse(JSON.stringify(decoded.value));
          consumed.push({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key: k ?? '',
            value,
          });
        } else
          undecodable.push({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key: k,
            reason: decoded.reason,
          });
      }
    }
  } finally {
    await consumer.close();
  }
  consumed.sort(
    (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset,
  );
  return { consumed, undecodable };
}
