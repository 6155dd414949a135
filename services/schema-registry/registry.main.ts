/**
 * The schema registry's composition root: validates config, rebuilds the registry state from
 * the compacted schemas topic, then serves the Confluent REST API on
 * BACKBEAT_HOST:SCHEMA_REGISTRY_PORT until SIGTERM or SIGINT, which close it cleanly.
 *
 * usage: node --import tsx services/schema-registry/registry.main.ts [--data-dir=<stack data folder>]
 * (`--data-dir` only marks the process as belonging to one local stack; state lives in Kafka.)
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { createKafkaSchemaStore } from './kafka-schema.store.js';
import { createRegistryOperations } from './registry.operations.js';
import { createRegistryServer } from './registry.server.js';

const USAGE = 'usage: registry.main [--data-dir=<stack data folder>]';

function parseFlags(argv: string[]): { dataDir?: string } {
  const bad = argv.filter((a) => !/^--data-dir=.+/.test(a));
  if (bad.length) throw new ConfigError([`unknown flag ${bad.join(', ')}\n${USAGE}`]);
  const dataDir = argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  return dataDir ? { dataDir } : {};
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config.log, 'schema-registry');
  const metrics = createMetricsRegistry('schema-registry');
  const store = createKafkaSchemaStore(
    { kafka: config.kafka, registry: config.registry },
    { logger: log, metrics },
  );
  const closers: (() => Promise<void>)[] = [store.close];

  let stopping = false;
  const shutdown = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ code, why }, 'shutting down');
    for (const close of closers.reverse())
      await close().catch((err) => log.warn({ err }, 'close failed'));
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.once('SIGINT', () => void shutdown(0, 'SIGINT'));

  try {
    await store.start();
    const operations = createRegistryOperations({}, { store });
    const server = createRegistryServer(
      { host: config.stack.host, port: config.registry.port, writeAuth: config.registry.writeAuth },
      { operations, logger: log, metrics, readiness: [{ name: 'kafka', check: store.check }] },
    );
    const http = await server.listen();
    closers.push(http.close);
    log.info(
      {
        url: `http://${config.stack.host}:${http.port}`,
        topic: config.registry.topic,
        brokers: config.kafka.brokers,
        ...flags,
      },
      'schema registry listening',
    );
  } catch (err) {
    log.error({ err }, 'schema registry failed to start');
    await shutdown(1, 'start-up failed');
  }
}

main().catch((err) => {
  console.error(
    err instanceof ConfigError ? err.message : `schema-registry: ${(err as Error).message}`,
  );
  process.exit(err instanceof ConfigError ? 2 : 1);
});
