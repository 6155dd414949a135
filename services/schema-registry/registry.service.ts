import type { KafkaConfig, RegistryConfig, StackConfig } from '../../common/config/app.config.js';
import { tsEntryCommand, type ServiceSpec } from '../../common/process/process-supervisor.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/**
 * Backbeat's schema registry as a local-stack service: `node --import tsx
 * services/schema-registry/registry.main.ts --data-dir=<dataDir>`, started once Kafka answers, ready
 * when `GET /subjects` answers 200. Every setting it needs is passed in its environment, so
 * the process serves exactly the stack it was started for.
 */
export function registryService(config: {
  registry: RegistryConfig;
  kafka: KafkaConfig;
  stack: StackConfig;
  log: { level: string };
}): ServiceSpec {
  const { registry, kafka, stack } = config;
  const host = stack.host;
  const marker = `--data-dir=${stack.dataDir}`;
  return {
    name: 'registry',
    host,
    ports: [registry.port],
    ...tsEntryCommand(stack.root, 'services/schema-registry/registry.main.ts', [marker]),
    env: {
      BACKBEAT_DATA_DIR: stack.dataDir,
      BACKBEAT_CACHE_DIR: stack.cacheDir,
      BACKBEAT_HOST: host,
      LOG_LEVEL: config.log.level,
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_CLIENT_ID: kafka.clientId,
      KAFKA_REPLICATION_FACTOR: String(kafka.replicationFactor),
      SCHEMA_REGISTRY_URL: '',
      SCHEMA_REGISTRY_PORT: String(registry.port),
      SCHEMA_REGISTRY_TOPIC: registry.topic,
    },
    marker,
    readyTimeoutMs: 60_000,
    ready: () => registryReady(`http://${host}:${registry.port}`),
  };
}

/** Resolves when the registry at `url` answers `GET /subjects` with 200. */
export async function registryReady(url: string): Promise<void> {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  if (res.status !== 200)
    throw new BackbeatError('REGISTRY_NOT_READY', `GET /subjects answered ${res.status}`, {
      retriable: true,
    });
}
