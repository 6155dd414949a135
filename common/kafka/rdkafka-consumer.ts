import Kafka from 'node-rdkafka';
import { BackbeatError } from '../errors/backbeat.error.js';

export interface ConsumerConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  extra?: Record<string, string | number | boolean>;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number | undefined;
}

/**
 * node-rdkafka consumer in a consumer group with manual commits. `poll` returns up to `max`
 * records (possibly none); `commit` stores next offsets synchronously with the broker.
 */
export async function createRdkafkaConsumer(config: ConsumerConfig) {
  const consumer = new Kafka.KafkaConsumer(
    {
      'client.id': config.clientId,
      'group.id': config.groupId,
      'metadata.broker.list': config.brokers.join(','),
      'enable.auto.commit': false,
      'enable.partition.eof': false,
      ...config.extra,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': config.fromBeginning === false ? 'latest' : 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (err) =>
      err
        ? reject(
            new BackbeatError(
              'KAFKA_CONNECT',
              `consumer could not connect to ${config.brokers.join(',')}: ${err.message}`,
              { retriable: true, cause: err },
            ),
          )
        : resolve(),
    ),
  );
  consumer.subscribe(config.topics);
  consumer.setDefaultConsumeTimeout(200);

  function poll(max: number): Promise<ConsumedRecord[]> {
    return new Promise((resolve, reject) =>
      consumer.consume(max, (err, messages) => {
        if (err)
          return reject(
            new BackbeatError('KAFKA_CONSUME', err.message, { retriable: true, cause: err }),
          );
        resolve(
          messages.map((m) => ({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key:
              m.key === undefined || m.key === null
                ? null
                : Buffer.isBuffer(m.key)
                  ? m.key
                  : Buffer.from(m.key),
            value: m.value ?? null,
            timestamp: m.timestamp,
          })),
        );
      }),
    );
  }

  function commit(records: readonly ConsumedRecord[]): void {
    const next = new Map<string, Kafka.TopicPartitionOffset>();
    for (const r of records)
      next.set(`${r.topic}:${r.partition}`, {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset + 1,
      });
    if (next.size) consumer.commitSync([...next.values()]);
  }

  async function close(): Promise<void> {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }

  return { poll, commit, close, raw: consumer };
}

export type RdkafkaConsumer = Awaited<ReturnType<typeof createRdkafkaConsumer>>;
