/**
 * The ingest gateway as its own process (to scale it out apart from the main job):
 * registers the event schemas, makes sure the event topics exist, serves POST /v1/events.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { startGateway } from './gateway.runtime.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log, 'backbeat-gateway');
  const registry = createMetricsRegistry('backbeat-gateway');
  const catalogue = loadEventCatalogue();
  const schemaRegistry = createRegistryClient(config.registry);
  const codec = createAvroCodec(catalogue, { registry: schemaRegistry });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  const gateway = await startGateway(
    {
      gateway: config.gateway,
      kafka: config.kafka,
      host: config.stack.host,
      listenerTokenSecret: config.api.tokenSecret,
    },
    {
      logger,
      registry,
      codec,
      catalogue,
      readiness: [
        {
          name: 'registry',
          check: async () => void (await schemaRegistry.getLatest(catalogue.playback.subject)),
        },
      ],
    },
  );
  const stop = async () => {
    logger.info('shutting down');
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `gateway: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
