import Kafka from 'node-rdkafka';
import { BackbeatError } from '../errors/backbeat.error.js';

export interface ProducerConfig {
  brokers: string[];
  clientId: string;
  /** Record compression (KAFKA_COMPRESSION); none unless set. */
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /**
   * Extra librdkafka properties (linger.ms, batch.num.messages, message.timeout.ms, ...). Topic
   * properties among them (TOPIC_PROPERTIES) go to the default topic configuration: node-rdkafka
   * replaces the global one's topic properties with its topic configuration, so a
   * `message.timeout.ms` set globally was silently ignored (messages waited 300 s).
   */
  extra?: Record<string, string | number | boolean>;
}

/** librdkafka's topic-level producer properties (CONFIGURATION.md, "Topic configuration"). */
export const TOPIC_PROPERTIES = new Set([
  'request.required.acks',
  'acks',
  'request.timeout.ms',
  'message.timeout.ms',
  'delivery.timeout.ms',
  'queuing.strategy',
  'partitioner',
  'compression.type',
  'compression.level',
]);

/** Splits properties into the global and the default topic configuration. */
export function splitProducerConfig(props: Record<string, string | number | boolean>): {
  global: Record<string, string | number | boolean>;
  topic: Record<string, string | number | boolean>;
} {
  const global: Record<string, string | number | boolean> = {};
  const topic: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(props)) (TOPIC_PROPERTIES.has(k) ? topic : global)[k] = v;
  return { global, topic };
}

export interface ProducedRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  partition?: number;
  timestamp?: number;
  headers?: Record<string, string>[];
}

/**
 * node-rdkafka producer with acks=all and idempotence; `send` resolves with the offset only
 * after the broker has confirmed the write (the delivery report).
 */
export async function createRdkafkaProducer(config: ProducerConfig) {
  const { global, topic } = splitProducerConfig({
    'client.id': config.clientId,
    'metadata.broker.list': config.brokers.join(','),
    'enable.idempotence': true,
    'request.required.acks': -1,
    'linger.ms': 5,
    'compression.codec': config.compression ?? 'none',
    // The Java client's (and KafkaJS's) partitioner, so a user's events land on the same
    // partition whichever client produced them; per-user order depends on it.
    partitioner: 'murmur2_random',
    ...config.extra,
  });
  const producer = new Kafka.HighLevelProducer(
    global as Kafka.ProducerGlobalConfig,
    topic as Kafka.ProducerTopicConfig,
  );
  // librdkafka's client-level errors (all brokers down, transport failures): without a
  // listener they are dropped; watchers (the gateway's Kafka health) subscribe with onError.
  const errorListeners = new Set<(err: Kafka.LibrdKafkaError) => void>();
  producer.on('event.error', (err) => {
    for (const l of errorListeners) l(err);
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 10_000 }, (err) =>
      err
        ? reject(
            new BackbeatError(
              'KAFKA_CONNECT',
              `producer could not connect to ${config.brokers.join(',')}: ${err.message}`,
              { retriable: true, cause: err },
            ),
          )
        : resolve(),
    ),
  );
  // Delivery reports arrive only when polled: every acknowledgement waits up to one interval.
  // 5 ms keeps that below librdkafka's own linger at a cost of ~200 cheap calls a second.
  producer.setPollInterval(5);

  function send(r: ProducedRecord): Promise<number> {
    return new Promise((resolve, reject) => {
      try {
        producer.produce(
          r.topic,
          r.partition ?? null,
          r.value,
          r.key,
          r.timestamp ?? Date.now(),
          (r.headers ?? []) as Kafka.MessageHeader[],
          (err: Kafka.LibrdKafkaError | null, offset?: Kafka.NumberNullUndefined) => {
            if (err)
              reject(
                new BackbeatError('KAFKA_PRODUCE', `produce to ${r.topic} failed: ${err.message}`, {
                  retriable: true,
                  cause: err,
                }),
              );
            else resolve(Number(offset));
          },
        );
      } catch (err) {
        // Refused before it was queued (queue full, not connected): certainly not written.
        reject(
          new BackbeatError(
            'KAFKA_NOT_QUEUED',
            `produce to ${r.topic} failed: ${(err as Error).message}`,
            { retriable: true, cause: err },
          ),
        );
      }
    });
  }

  /**
   * Asks a broker for metadata of the topics this producer knows, within `timeoutMs`: resolves
   * when a broker answered, rejects when none did (down, or up but not answering: SIGSTOPped).
   */
  function probe(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        producer.getMetadata({ allTopics: false, timeout: timeoutMs }, (err) =>
          err
            ? reject(
                new BackbeatError('KAFKA_UNREACHABLE', `no broker answered: ${err.message}`, {
                  retriable: true,
                  cause: err,
                }),
              )
            : resolve(),
        );
      } catch (err) {
        reject(
          new BackbeatError('KAFKA_UNREACHABLE', `no broker answered: ${(err as Error).message}`, {
            retriable: true,
            cause: err,
          }),
        );
      }
    });
  }

  /** Subscribes to librdkafka's client-level errors; returns the unsubscribe. */
  function onError(listener: (err: Kafka.LibrdKafkaError) => void): () => void {
    errorListeners.add(listener);
    return () => void errorListeners.delete(listener);
  }

  async function close(): Promise<void> {
    await new Promise<void>((resolve) => producer.flush(10_000, () => resolve()));
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }

  return { send, close, probe, onError, raw: producer };
}

export type RdkafkaProducer = Awaited<ReturnType<typeof createRdkafkaProducer>>;
