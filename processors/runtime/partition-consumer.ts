import Kafka from 'node-rdkafka';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { Logger } from '../../common/logging/logger.js';
import { partitionKey } from '../../sinks/contract/projection-sink.types.js';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

type TopicPartition = { topic: string; partition: number };

/** librdkafka's logical offset for "the first message still in the log". */
const OFFSET_BEGINNING = -2;

export interface PartitionConsumerConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  /** Most messages returned by one poll. */
  maxBatch: number;
  /**
   * Group session timeout: a member that stops heartbeating (kill -9) loses its partitions
   * after this long. Heartbeats go every third of it. Default 6000 (the broker's minimum).
   */
  sessionTimeoutMs?: number;
  /** Static membership (KIP-345): a stable id per instance, so its restarts cause no rebalance. */
  groupInstanceId?: string;
  extra?: Record<string, string | number | boolean>;
}

/**
 * A node-rdkafka group consumer that positions every newly assigned partition from the
 * sink's stored offsets (Kafka's own committed offsets only report progress):
 * on assignment it pauses the partitions, asks `positionOf` where to start, seeks and resumes.
 * Messages that arrive for a partition before it is positioned are dropped; they are fetched
 * again from the sought position. `reposition` does the same after a sink conflict.
 */
export async function createPartitionConsumer(
  config: PartitionConsumerConfig,
  deps: { logger: Logger; positionOf: (parts: TopicPartition[]) => Promise<Map<string, number>> },
) {
  const ready = new Map<string, boolean>();
  const pending: TopicPartition[] = [];
  let positioning: Promise<void> | undefined;
  const consumer = new Kafka.KafkaConsumer(
    {
      'client.id': config.clientId,
      'group.id': config.groupId,
      'metadata.broker.list': config.brokers.join(','),
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      // librdkafka waits up to the consume timeout for each message of a batch, so under steady
      // traffic a poll returned only once maxBatch messages had arrived (latency maxBatch/rate).
      // With end-of-partition events, a poll that reaches the end of what the broker holds
      // takes what is already fetched and returns: full batches under backlog, prompt ones live.
      'enable.partition.eof': true,
      'fetch.wait.max.ms': 100,
      'max.poll.interval.ms': 600_000,
      'session.timeout.ms': config.sessionTimeoutMs ?? 6000,
      'heartbeat.interval.ms': Math.max(500, Math.floor((config.sessionTimeoutMs ?? 6000) / 3)),
      ...(config.groupInstanceId ? { 'group.instance.id': config.groupInstanceId } : {}),
      rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) => {
        if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
          consumer.assign(assignment);
          const parts = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
          consumer.pause(parts);
          for (const p of parts) ready.set(partitionKey(p), false);
          pending.push(...parts);
          deps.logger.info(
            { group: config.groupId, assigned: parts.map(partitionKey) },
            'partitions assigned',
          );
        } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
          for (const a of assignment) ready.delete(partitionKey(a));
          deps.logger.info(
            { group: config.groupId, revoked: assignment.map(partitionKey) },
            'partitions revoked',
          );
          consumer.unassign();
        }
      },
      ...config.extra,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 15_000 }, (err) => {
      if (!err) return resolve();
      consumer.disconnect(() => undefined); // a failed connect leaves no client behind
      reject(new BackbeatError('KAFKA_CONNECT', `consumer: ${err.message}`, { retriable: true }));
    }),
  );
  consumer.setDefaultConsumeTimeout(100);
  consumer.subscribe(config.topics);

  async function positionPending(): Promise<void> {
    const parts = pending.splice(0).filter((p) => ready.has(partitionKey(p)));
    if (!parts.length) return;
    let offsets: Map<string, number>;
    try {
      offsets = await deps.positionOf(parts);
    } catch (err) {
      pending.push(...parts); // try again on the next poll
      throw err;
    }
    const failed: TopicPartition[] = [];
    for (const p of parts) {
      if (!ready.has(partitionKey(p))) continue; // revoked meanwhile
      const stored = offsets.get(partitionKey(p));
      const offset = stored === undefined ? OFFSET_BEGINNING : stored + 1;
      try {
        await new Promise<void>((resolve, reject) =>
          consumer.seek({ ...p, offset }, 5000, (err) => (err ? reject(err) : resolve())),
        );
        ready.set(partitionKey(p), true);
        consumer.resume([p]);
      } catch (err) {
        deps.logger.warn(
          { partition: partitionKey(p), offset, err: (err as Error).message },
          'seek failed; retrying',
        );
        failed.push(p);
      }
    }
    if (failed.length) {
      pending.push(...failed); // stays paused until a seek succeeds
      throw new BackbeatError(
        'KAFKA_SEEK',
        `could not position ${failed.map(partitionKey).join(', ')}`,
        { retriable: true },
      );
    }
  }

  /** Up to maxBatch messages of positioned partitions (possibly none). */
  async function poll(): Promise<RawMessage[]> {
    if (pending.length)
      await (positioning ??= positionPending().finally(() => (positioning = undefined)));
    const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
      consumer.consume(config.maxBatch, (err, m) =>
        err
          ? reject(new BackbeatError('KAFKA_CONSUME', err.message, { retriable: true }))
          : resolve(m),
      ),
    );
    return messages
      .filter((m) => ready.get(partitionKey(m)) === true)
      .map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        key: toBuf(m.key),
        value: m.value ?? null,
      }));
  }

  /** Re-reads the stored offsets of these partitions and seeks there (after a sink conflict). */
  function reposition(parts: TopicPartition[]): void {
    const mine = parts.filter((p) => ready.has(partitionKey(p)));
    if (!mine.length) return;
    consumer.pause(mine);
    for (const p of mine) ready.set(partitionKey(p), false);
    pending.push(...mine);
  }

  function commit(next: { topic: string; partition: number; offset: number }[]): void {
    const owned = next.filter((n) => ready.get(partitionKey(n)) === true);
    if (owned.length) consumer.commit(owned);
  }

  function assigned(): TopicPartition[] {
    return [...ready.keys()].map((k) => {
      const at = k.lastIndexOf(':');
      return { topic: k.slice(0, at), partition: Number(k.slice(at + 1)) };
    });
  }

  /** High watermark minus the next offset to read, per owned partition. */
  async function lag(
    position: (p: TopicPartition) => number | undefined,
  ): Promise<{ topic: string; partition: number; lag: number; high: number }[]> {
    return Promise.all(
      assigned().map(
        (p) =>
          new Promise<{ topic: string; partition: number; lag: number; high: number }>((resolve) =>
            consumer.queryWatermarkOffsets(p.topic, p.partition, 5000, (err, w) => {
              if (err) return resolve({ ...p, lag: NaN, high: NaN });
              const next = position(p) ?? w.lowOffset;
              resolve({ ...p, high: w.highOffset, lag: Math.max(0, w.highOffset - next) });
            }),
          ),
      ),
    );
  }

  async function close(): Promise<void> {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }

  return { poll, reposition, commit, assigned, lag, close };
}

export type PartitionConsumer = Awaited<ReturnType<typeof createPartitionConsumer>>;

function toBuf(k: Kafka.MessageKey | undefined): Buffer | null {
  if (k === undefined || k === null) return null;
  return Buffer.isBuffer(k) ? k : Buffer.from(String(k));
}
