import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { listen } from '../../common/http/http-server.js';
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import type { Logger } from '../../common/logging/logger.js';
import { createAnalystClickHouse } from '../../api/app/analyst-clickhouse.js';
import { createApiApp } from '../../api/app/api.app.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { startProcessorHost } from '../../processors/host/processor-host.js';
import { projectionProgress } from '../../processors/host/projection-progress.js';
import { createStallDetector } from '../../processors/host/stall-detector.js';
import {
  PROJECTION_NAMES,
  type ProjectionName,
} from '../../processors/host/projection-registry.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { DLQ_TOPIC } from '../../processors/runtime/dead-letter.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { startGateway } from '../../producers/gateway/gateway.runtime.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { createStack, type Stack } from '../stack/stack.js';

export interface TrafficOptions {
  events: number;
  rate: number;
  seed: number;
}

/**
 * The whole platform in one process on the embedded defaults: the local stack (Kafka, Redis,
 * the chDB server, the registry), ClickHouse migrations, every processor, the ingest gateway
 * and the read API; optionally simulator traffic through the gateway.
 */
export async function startPlatform(
  config: AppConfig,
  deps: { logger: Logger; registry: Registry; onStackLine?: (l: string) => void },
) {
  const { logger, registry } = deps;
  const closers: (() => Promise<void>)[] = [];
  const stack = createStack(config);
  const before = new Set(
    stack
      .status()
      .services.filter((s) => s.running && s.managed)
      .map((s) => s.name),
  );
  await stack.up(deps.onStackLine ?? ((l) => logger.info(l)));

  const clickhouse = await openClickHouse(config.clickhouse);
  closers.push(clickhouse.close);
  const migrated = await migrate(clickhouse.client);
  logger.info({ ...migrated, clickhouse: clickhouse.location }, 'clickhouse migrated');

  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  closers.push(async () => void redis.disconnect());

  const catalogue = loadEventCatalogue();
  const schemaRegistry = createRegistryClient(config.registry);
  const codec = createAvroCodec(catalogue, { registry: schemaRegistry });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  const admin = createKafkaAdmin(config.kafka);
  await admin.ensureTopics([{ topic: DLQ_TOPIC }]);
  await admin.close();

  const dlqProducer = await createRdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-dlq`,
    compression: config.kafka.compression,
  });
  closers.push(dlqProducer.close);
  const host = await startProcessorHost(config, {
    redis,
    clickhouse: clickhouse.client,
    codec,
    catalogue,
    producer: dlqProducer,
    logger,
    registry,
  });
  closers.push(host.stop);
  const stalls = createStallDetector(config.processors, {
    processors: host.processors,
    registry,
    logger,
  });
  closers.push(async () => stalls.stop());

  const gateway = await startGateway(
    {
      gateway: config.gateway,
      kafka: config.kafka,
      host: config.stack.host,
      listenerTokenSecret: config.api.tokenSecret,
    },
    { logger, registry, codec, catalogue },
  );
  closers.push(gateway.close);

  const analyst = createAnalystClickHouse(config);
  closers.push(() => analyst.close());
  const catalogueReader = createCatalogueReader({ redis });
  const apiUrl = `http://${config.stack.host}:${config.api.port}`;
  const { app } = createApiApp(
    { api: config.api, publicUrl: apiUrl },
    {
      logger,
      registry,
      redis,
      clickhouse: clickhouse.client,
      analystClickHouse: analyst,
      readers: {
        userState: createUserStateReader({ redis }),
        catalogue: catalogueReader,
        playCounts: createPlayCountsReader({ redis, catalogue: catalogueReader }),
      },
    },
  );
  const api = await listen(app, config.api.port, config.stack.host);
  closers.push(api.close);

  let simulator: ChildProcess | undefined;

  /** Simulator traffic through the gateway (the SDK's HTTP transport); resolves with its summary. */
  function startTraffic(t: TrafficOptions): Promise<Record<string, unknown>> {
    const apiKey = [...config.gateway.apiKeys.keys()][0]!;
    // Seven days ending with today; in the first hour of a UTC day, ending with yesterday: the
    // simulator stamps revenue reports an hour after the period, and refuses more than 24 h ahead.
    const start = new Date(Date.now() - 6 * 86_400_000 - 3_600_000).toISOString().slice(0, 10);
    const root = config.stack.root;
    simulator = spawn(
      path.join(root, 'node_modules/.bin/tsx'),
      [
        path.join(root, 'producers/simulator/simulator.cli.ts'),
        '--transport',
        'http',
        '--gateway-url',
        gateway.url,
        '--api-key',
        apiKey,
        '--events',
        String(t.events),
        '--rate',
        String(t.rate),
        '--seed',
        String(t.seed),
        '--start',
        start,
        '--days',
        '7',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let out = '';
    simulator.stdout!.on('data', (d) => (out += d));
    return new Promise((resolve, reject) =>
      simulator!.on('exit', (code) => {
        simulator = undefined;
        const at = out.lastIndexOf('\n{'); // the summary: the last top-level JSON object
        const last = at >= 0 ? out.slice(at + 1) : out.trim();
        try {
          const summary = JSON.parse(last) as Record<string, unknown>;
          if (code === 0) resolve(summary);
          else reject(new Error(`simulator exited ${code}: ${last}`));
        } catch {
          reject(new Error(`simulator exited ${code} without a summary`));
        }
      }),
    );
  }

  const progress = () =>
    projectionProgress(
      config.kafka,
      { redis, clickhouse: clickhouse.client },
      PROJECTION_NAMES as readonly ProjectionName[],
    );

  async function stop(opts: { keepStack: boolean }): Promise<void> {
    simulator?.kill('SIGTERM');
    for (const close of closers.reverse())
      await close().catch((err) => logger.warn({ err }, 'close failed'));
    if (!opts.keepStack && stack.services.some((s) => !before.has(s.name)))
      await (createStack(config) as Stack).down((l) => logger.info(l));
  }

  return {
    stack,
    redis,
    clickhouse,
    stalls,
    addresses: {
      api: apiUrl,
      gateway: gateway.url,
      sql: `${apiUrl}/v1/sql`,
      openapi: `${apiUrl}/openapi.json`,
      registry: config.registry.url,
      clickhouse: clickhouse.location,
    },
    startTraffic,
    progress,
    stop,
  };
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>;
