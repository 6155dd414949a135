/**
 * Processors as their own process (scale out: run several with the same PROCESSORS; they share
 * each projection's consumer group). Flags: --instance <id> names this instance in client ids
 * and logs. Serves /metrics, /healthz and /readyz on METRICS_PORT.
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
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { DLQ_TOPIC } from '../runtime/dead-letter.js';
import { startProcessorHost } from './processor-host.js';

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
  const codec = createAvroCodec(catalogue, {
    registry: createRegistryClient({ url: config.registry.url }),
  });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  const clickhouse = await openClickHouse(config.clickhouse);
  const admin = createKafkaAdmin(config.kafka);
  await admin.ensureTopics([{ topic: DLQ_TOPIC }]);
  await admin.close();
  const producer = await createRdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-dlq`,
  });
  const host = await startProcessorHost(
    config,
    { redis, clickhouse: clickhouse.client, codec, catalogue, producer, logger, registry },
    flags,
  );

  const app = express();
  app.use(
    createOpsRouter({
      registry,
      readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
    }),
  );
  const ops = await listen(app, config.ops.metricsPort, config.stack.host);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: finishing the batch in hand');
    await host.stop();
    await producer.close();
    await ops.close();
    await clickhouse.close();
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `processors: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
