/**
 * Processors as their own process (scale out: run several with the same PROCESSORS; they share
 * each projection's consumer group). Flags: --instance <id> names this instance in client ids
 * and logs, and makes this instance a static member of each group (group.instance.id). Serves
 * /metrics, /healthz and /readyz on METRICS_PORT (0, or an --instance without METRICS_PORT: an
 * ephemeral port, logged). A dependency that is not there at start-up (Redis, ClickHouse, the
 * registry, Kafka) is waited for with backoff, logged and shown in /readyz; SIGINT/SIGTERM stop
 * it within PROCESSOR_STOP_GRACE_MS + 3 s, a second signal at once.
 */
import express from 'express';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import { createOpsRouter } from '../../common/http/ops.router.js';
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { assertSchemaVersion } from '../../sinks/clickhouse/schema-version.js';
import { DLQ_TOPIC } from '../runtime/dead-letter.js';
import { installShutdown } from '../../context/process-shutdown.js';
import { startProcessorHost } from './processor-host.js';
import { createStallDetector, type StallDetector } from './stall-detector.js';
import {
  createStartupState,
  StartupAbortedError,
  startupReadiness,
  waitForDependency,
} from '../../context/startup-wait.js';

function parseFlags(argv: string[]): { instance?: string } {
  const out: { instance?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--instance') {
      const v = argv[++i];
      if (!v || !/^[A-Za-z0-9_.-]{1,64}$/.test(v))
        throw new ConfigError(['--instance needs a name of 1-64 letters, digits, _ . -']);
      out.instance = v;
    } else throw new ConfigError([`unknown flag ${a} (usage: processors.main [--instance <id>])`]);
  }
  return out;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig();
  const service = `backbeat-processors${flags.instance ? `-${flags.instance}` : ''}`;
  const logger = createLogger(config.log, service);
  const registry = createMetricsRegistry(service);
  const catalogue = loadEventCatalogue();
  const schemaRegistry = createRegistryClient(config.registry);
  const codec = createAvroCodec(catalogue, { registry: schemaRegistry });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));

  // Stopping is bounded whatever the stores do: grace for the batch in hand, then out.
  const state = createStartupState();
  const stall: { detector?: StallDetector } = {}; // set once the processors run (stall-detector.ts)
  const closers: (() => Promise<void>)[] = [];
  installShutdown({
    logger,
    deadlineMs: config.processors.stopGraceMs + 3000,
    stop: async () => {
      state.stopping = true;
      logger.info('stopping: finishing the batch in hand');
      for (const close of closers.reverse())
        await close().catch((err) => logger.warn({ err }, 'close failed'));
      redis.disconnect();
    },
  });

  // The ops server first: /healthz answers while start-up waits for its dependencies, and
  // /readyz says which one it waits for. An --instance with no METRICS_PORT of its own takes an
  // ephemeral port (logged), so instances side by side do not collide.
  const app = express();
  app.use(
    createOpsRouter({
      registry,
      readiness: [
        startupReadiness(state),
        { name: 'redis', check: async () => void (await redis.ping()) },
        { name: 'projections', check: async () => stall.detector?.readiness.check() },
      ],
    }),
  );
  const metricsPort =
    flags.instance && process.env.METRICS_PORT === undefined ? 0 : config.ops.metricsPort;
  const ops = await listen(app, metricsPort, config.stack.host);
  closers.push(ops.close);
  const metricsUrl = `http://${config.stack.host}:${ops.port}`;
  logger.info(
    { metrics_url: `${metricsUrl}/metrics`, readyz_url: `${metricsUrl}/readyz`, port: ops.port },
    `ops server listening on ${metricsUrl}`,
  );

  const wait = <T>(dependency: string, attempt: () => Promise<T>) =>
    waitForDependency(dependency, attempt, {
      logger,
      state,
      retry: { initialMs: 500, maxMs: Math.max(500, config.processors.retryMaxMs) },
    });

  await wait('redis', async () => {
    // The client connects on its own: give it a moment before the first ping fails.
    if (redis.status !== 'ready')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        redis.once('ready', () => (clearTimeout(t), resolve()));
      });
    await redis.ping();
  });
  const clickhouse = await wait('clickhouse', () => openClickHouse(config.clickhouse));
  closers.push(clickhouse.close);
  await wait('clickhouse schema', () => assertSchemaVersion(clickhouse.client));
  await wait('schema registry', async () => {
    const res = await fetch(`${config.registry.url.replace(/\/+$/, '')}/subjects`, {
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
  });
  await wait('kafka', async () => {
    // The topics it consumes too: a group subscribed to a topic that does not exist yet sees it
    // only at librdkafka's next metadata refresh (5 min), so a fresh cluster would sit idle.
    await ensureEventTopics(config.kafka, catalogue);
    const admin = createKafkaAdmin(config.kafka);
    try {
      await admin.ensureTopics([{ topic: DLQ_TOPIC }]);
    } finally {
      await admin.close().catch(() => undefined);
    }
  });
  const producer = await wait('kafka', () =>
    createRdkafkaProducer({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-dlq`,
    }),
  );
  closers.push(producer.close);
  const host = await startProcessorHost(
    config,
    { redis, clickhouse: clickhouse.client, codec, catalogue, producer, logger, registry },
    { ...flags, waitFor: wait },
  );
  closers.push(host.stop);
  stall.detector = createStallDetector(config.processors, {
    processors: host.processors,
    registry,
    logger,
  });
  closers.push(async () => stall.detector?.stop());
  state.started = true;
  logger.info({ metrics_url: `${metricsUrl}/metrics` }, 'processors ready');
}

main().catch((err) => {
  if (err instanceof StartupAbortedError) process.exit(0);
  console.error(err instanceof ConfigError ? err.message : `processors: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
