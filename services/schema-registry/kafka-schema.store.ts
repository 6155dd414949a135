/**
 * The registry's store: a single-partition compacted Kafka topic (default `_schemas`), as
 * Confluent Schema Registry keeps it. On start the topic is read from the beginning to its end
 * offset to rebuild the state; a write is produced with acks=all and answered only once this
 * instance's own consumer has read it back and applied it, so the state changes only from the
 * log. One instance writes at a time (see README.md: run exactly one registry per topic).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaConfig, RegistryConfig } from '../../common/config/app.config.js';
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';
import type { Logger } from '../../common/logging/logger.js';
import { InvalidSchemaError, StoreError } from './registry.errors.js';
import {
  RegistryState,
  type SchemaStore,
  type StoreRecord,
  decodeRecord,
  encodeRecord,
} from './registry.state.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/** Largest record written to the schemas topic: under the broker's default message.max.bytes. */
const MAX_RECORD_BYTES = 1_000_000;

export interface KafkaSchemaStoreConfig {
  kafka: Pick<KafkaConfig, 'brokers' | 'clientId' | 'replicationFactor' | 'defaultPartitions'>;
  registry: Pick<RegistryConfig, 'topic'>;
  /** How long start-up may take to read the topic to its end (ms). */
  startTimeoutMs?: number;
  /** How long a write may wait to be read back (ms). */
  writeTimeoutMs?: number;
}

export interface KafkaSchemaStoreDeps {
  logger: Logger;
  metrics: Registry;
}

export interface KafkaSchemaStore extends SchemaStore {
  start(): Promise<void>;
  /** Resolves when the store can serve: started, consumer alive, broker answering. */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export function createKafkaSchemaStore(
  config: KafkaSchemaStoreConfig,
  deps: KafkaSchemaStoreDeps,
): KafkaSchemaStore {
  const { topic } = config.registry;
  const log = deps.logger.child({ component: 'kafka-schema-store', topic });
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-schema-registry`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (e: LogEntry) => {
      const fields = { kafkajs: e.namespace, broker: e.log.broker, error: e.log.error };
      if (e.level <= logLevel.ERROR) log.warn(fields, e.log.message);
      else log.info(fields, e.log.message);
    },
  });
  const admin = createKafkaAdmin(config.kafka);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  // A group of its own per instance: every instance reads the whole topic; nothing is committed.
  const consumer = kafka.consumer({
    groupId: `${config.kafka.clientId}-schema-registry-${randomUUID()}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 1000,
  });

  const applied = new Gauge({
    name: 'backbeat_schema_registry_store_offset',
    help: 'Offset of the last record of the schemas topic applied to the registry state',
    registers: [deps.metrics],
  });
  const writes = new Counter({
    name: 'backbeat_schema_registry_store_writes_total',
    help: 'Record batches written to the schemas topic, by outcome',
    labelNames: ['outcome'],
    registers: [deps.metrics],
  });

  const state = new RegistryState();
  let appliedOffset = -1;
  let started = false;
  let closed = false;
  let failure: Error | undefined;
  const waiters = new Set<Waiter>();

  function settle(): void {
    for (const w of waiters) {
      if (failure) w.reject(failure);
      else if (appliedOffset >= w.offset) w.resolve();
      else continue;
      waiters.delete(w);
    }
  }

  function waitFor(offset: number, timeoutMs: number, what: string): Promise<void> {
    if (appliedOffset >= offset) return Promise.resolve();
    if (failure) return Promise.reject(failure);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new StoreError(
            `timed out after ${timeoutMs} ms waiting to read ${what} back from ${topic} (offset ${offset}, applied ${appliedOffset})`,
            undefined,
            true,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        offset,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      waiters.add(waiter);
    });
  }

  function applyMessage(offset: number, key: Buffer | null, value: Buffer | null): void {
    if (offset <= appliedOffset) return; // already applied (e.g. after a consumer restart)
    try {
      const record = key && decodeRecord(key.toString('utf8'), value && value.toString('utf8'));
      if (record) state.apply(record);
    } catch (err) {
      log.warn({ err, offset }, 'skipped an unreadable record of the schemas topic');
    }
    appliedOffset = offset;
  }

  async function start(): Promise<void> {
    const startTimeoutMs = config.startTimeoutMs ?? 60_000;
    try {
      await admin.ensureTopics([{ topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
      const meta = await admin.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = meta.topics[0]?.partitions.length ?? 0;
      if (partitions !== 1) {
        throw new StoreError(
          `topic ${topic} has ${partitions} partitions; the schema registry needs exactly 1 (the log is its total order)`,
        );
      }
      await producer.connect();
      await consumer.connect();
      consumer.on(consumer.events.CRASH, (e) => {
        log.error({ err: e.payload.error, restart: e.payload.restart }, 'schemas consumer crashed');
        if (!e.payload.restart) {
          failure = new StoreError(`schemas consumer stopped: ${e.payload.error.message}`);
          settle();
        }
      });
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) applyMessage(Number(m.offset), m.key, m.value);
          if (!batch.isEmpty()) appliedOffset = Math.max(appliedOffset, Number(batch.lastOffset()));
          applied.set(appliedOffset);
          settle();
        },
      });
      const [end] = await admin.admin.fetchTopicOffsets(topic);
      const t0 = Date.now();
      await waitFor(Number(end?.high ?? 0) - 1, startTimeoutMs, 'the existing records');
      started = true;
      log.info(
        { endOffset: Number(end?.high ?? 0), ms: Date.now() - t0, nextId: state.nextId() },
        'registry state rebuilt from the schemas topic',
      );
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`could not open ${topic}: ${(err as Error).message}`, err);
    }
  }

  async function append(records: readonly StoreRecord[]): Promise<void> {
    if (!started || closed) throw new StoreError('the schema store is not open');
    if (failure) throw failure;
    let last: number;
    const messages = records.map((r) => encodeRecord(r));
    // A record the broker would refuse (message.max.bytes, 1 MiB by default) is the caller's
    // schema being too large, not a store outage: 422, before anything is sent.
    for (const m of messages) {
      const bytes = Buffer.byteLength(m.key) + (m.value ? Buffer.byteLength(m.value) : 0);
      if (bytes > MAX_RECORD_BYTES)
        throw new InvalidSchemaError(
          `Schema too large: its record in ${topic} would be ${bytes} bytes; the schema store holds records of at most ${MAX_RECORD_BYTES} bytes`,
        );
    }
    try {
      const res = await producer.send({ topic, acks: -1, messages });
      last = Number(res[0]!.baseOffset) + records.length - 1;
    } catch (err) {
      writes.inc({ outcome: 'failed' });
      throw new StoreError(`could not write to ${topic}: ${(err as Error).message}`, err);
    }
    await waitFor(last, config.writeTimeoutMs ?? 30_000, 'the new record').catch((err) => {
      writes.inc({ outcome: 'timeout' });
      throw err;
    });
    writes.inc({ outcome: 'ok' });
  }

  async function check(): Promise<void> {
    if (!started)
      throw new BackbeatError(
        'REGISTRY_STORE_STARTING',
        'the schema store is still reading its topic',
        { retriable: true },
      );
    if (failure) throw failure;
    await admin.admin.describeCluster();
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    failure ??= new StoreError('the schema store was closed');
    settle();
    await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
    await producer.disconnect().catch((err) => log.warn({ err }, 'producer disconnect failed'));
    await admin.close().catch((err) => log.warn({ err }, 'admin close failed'));
  }

  return {
    get state() {
      return state;
    },
    append,
    start,
    check,
    close,
  };
}
