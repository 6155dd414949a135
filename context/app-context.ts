import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../common/config/app.config.js';
import { BackbeatError } from '../common/errors/backbeat.error.js';
import type { ReadinessCheck } from '../common/http/ops.router.js';
import { createKafkaAdmin } from '../common/kafka/kafka-admin.js';
import { createRdkafkaProducer, type RdkafkaProducer } from '../common/kafka/rdkafka-producer.js';
import { createLogger, type Logger } from '../common/logging/logger.js';
import { createMetricsRegistry } from '../common/metrics/metrics.js';
import { loadEventCatalogue, type EventCatalogue } from '../schemas/catalogue/event-catalogue.js';
import { ensureEventTopics } from '../schemas/catalogue/event-topics.js';
import { createAvroCodec, type AvroCodec } from '../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient, type RegistryClient } from '../schemas/registry/registry.client.js';
import { openClickHouse, type ClickHouseHandle } from '../sinks/clickhouse/clickhouse.client.js';
import { migrate } from '../sinks/clickhouse/migrate.js';
import { assertSchemaVersion } from '../sinks/clickhouse/schema-version.js';
import { DLQ_TOPIC } from '../schemas/catalogue/event-topics.js';
import { connectRedis, createRedisConnection } from './redis-connection.js';
import {
  createStartupState,
  startupReadiness,
  waitForDependency,
  type StartupState,
} from './startup-wait.js';

export interface AppContextOptions {
  /** The process's service name (logs, metrics' `service` label). */
  service: string;
  /** A logger or metrics registry of the caller's own (the main job shares one). */
  logger?: Logger;
  registry?: Registry;
  /** Apply the ClickHouse migrations when ClickHouse is first opened (the main job does). */
  migrate?: boolean;
}

/**
 * What every role is wired over, made once per process: the parsed config, the logger and
 * metrics registry, the event catalogue, the registry client and codec, and the shared
 * connections, each opened on first use (so a role opens only what it needs), waited for at
 * start-up with backoff (a warn line per attempt, /readyz names what it waits for), and closed
 * once by `close()` in reverse order. The main job passes one context to every role; a role's
 * own process makes its own.
 */
export interface AppContext {
  readonly config: AppConfig;
  readonly service: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly catalogue: EventCatalogue;
  readonly schemaRegistry: RegistryClient;
  readonly codec: AvroCodec;
  readonly startup: StartupState;
  /** Readiness checks of the process: start-up first, then what each role adds. */
  readonly readiness: ReadinessCheck[];
  /** Retries `attempt` until `dependency` answers (start-up), or the process stops. */
  waitFor<T>(dependency: string, attempt: () => Promise<T>): Promise<T>;
  /** The one Redis connection (one option set for every role), connected. */
  redis(): Promise<Redis>;
  /** Backbeat's ClickHouse connection, once the schema this code needs is migrated. */
  clickhouse(): Promise<ClickHouseHandle>;
  /** Registers the event schemas (the codec can then encode and decode). */
  schemas(): Promise<void>;
  /** The schema registry answers reads (for roles that only decode). */
  registryReachable(): Promise<void>;
  /** The event topics and the dead-letter topic exist. */
  topics(): Promise<void>;
  /** The producer of dead letters (after `topics()`). */
  deadLetterProducer(): Promise<RdkafkaProducer>;
  /** Runs `close` (last registered first) when the context closes. */
  onClose(close: () => Promise<void>): void;
  close(): Promise<void>;
}

export function createAppContext(config: AppConfig, opts: AppContextOptions): AppContext {
  const logger = opts.logger ?? createLogger(config.log, opts.service);
  const registry = opts.registry ?? createMetricsRegistry(opts.service);
  const catalogue = loadEventCatalogue();
  const schemaRegistry = createRegistryClient(config.registry);
  const codec = createAvroCodec(catalogue, { registry: schemaRegistry });
  const startup = createStartupState();
  const closers: (() => Promise<void>)[] = [];
  const onClose = (close: () => Promise<void>) => void closers.push(close);
  const retry = { initialMs: 500, maxMs: Math.max(500, config.processors.retryMaxMs) };
  const waitFor = <T>(dependency: string, attempt: () => Promise<T>) =>
    waitForDependency(dependency, attempt, { logger, state: startup, retry });

  const redis = memo(async () => {
    const r = createRedisConnection(config.redis, { logger });
    onClose(async () => void r.disconnect());
    await waitFor('redis', () => connectRedis(r));
    return r;
  });
  const clickhouse = memo(async () => {
    const ch = await waitFor('clickhouse', () => openClickHouse(config.clickhouse));
    onClose(ch.close);
    if (opts.migrate) {
      const migrated = await migrate(ch.client);
      logger.info({ ...migrated, clickhouse: ch.location }, 'clickhouse migrated');
    }
    await waitFor('clickhouse schema', () => assertSchemaVersion(ch.client));
    return ch;
  });
  const schemas = memo(() => waitFor('schema registry', () => codec.init()));
  const registryReachable = memo(() =>
    waitFor('schema registry', async () => {
      const res = await fetch(`${config.registry.url.replace(/\/+$/, '')}/subjects`, {
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
      if (!res.ok)
        throw new BackbeatError('REGISTRY_UNAVAILABLE', `GET /subjects answered ${res.status}`, {
          retriable: true,
        });
    }),
  );
  const topics = memo(() =>
    // The topics a role consumes too: a group subscribed to a topic that does not exist yet
    // sees it only at librdkafka's next metadata refresh (5 min), so a fresh cluster sits idle.
    waitFor('kafka', async () => {
      await ensureEventTopics(config.kafka, catalogue);
      const admin = createKafkaAdmin(config.kafka);
      try {
        await admin.ensureTopics([{ topic: DLQ_TOPIC }]);
      } finally {
        await admin.close().catch(() => undefined);
      }
    }),
  );
  const deadLetterProducer = memo(async () => {
    await topics();
    const producer = await waitFor('kafka', () =>
      createRdkafkaProducer({
        brokers: config.kafka.brokers,
        clientId: `${config.kafka.clientId}-dlq`,
        compression: config.kafka.compression,
      }),
    );
    onClose(producer.close);
    return producer;
  });

  return {
    config,
    service: opts.service,
    logger,
    registry,
    catalogue,
    schemaRegistry,
    codec,
    startup,
    readiness: [startupReadiness(startup)],
    waitFor,
    redis,
    clickhouse,
    schemas,
    registryReachable,
    topics,
    deadLetterProducer,
    onClose,
    async close() {
      startup.stopping = true;
      for (const close of closers.splice(0).reverse())
        await close().catch((err) => logger.warn({ err }, 'close failed'));
    },
  };
}

/** The first call runs `f`; every later call answers the same promise (a failed one is retried). */
function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () =>
    (p ??= f().catch((err: unknown) => {
      p = undefined;
      throw err;
    }));
}
