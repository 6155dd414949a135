/**
 * The main job's composition root: validates config, brings the local stack up, opens every
 * client once, proves the Kafka -> Redis + ClickHouse path with a probe event, prints where
 * everything runs and serves /metrics, /healthz and /readyz until Ctrl-C (or `--once`).
 * In embedded mode this process owns the chDB data folder.
 */
import express from 'express';
import { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import { createOpsRouter } from '../../common/http/ops.router.js';
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';
import { createRdkafkaConsumer } from '../../common/kafka/rdkafka-consumer.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { PROBE_TOPIC, runPipelineProbe } from '../../processors/probe/pipeline-probe.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { migrate } from '../clickhouse/migrate.js';
import { createStack, formatReport } from '../stack/stack.js';

const USAGE =
  'usage: platform.main [--once] [--keep-stack]\n  --once        exit after the probe instead of serving until Ctrl-C\n  --keep-stack  leave Kafka and Redis running on exit';

function parseFlags(argv: string[]): { once: boolean; keepStack: boolean } {
  const known = new Set(['--once', '--keep-stack']);
  const bad = argv.filter((a) => !known.has(a));
  if (bad.length) throw new ConfigError([`unknown flag ${bad.join(', ')}\n${USAGE}`]);
  return { once: argv.includes('--once'), keepStack: argv.includes('--keep-stack') };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config.log, 'backbeat-main');
  const registry = createMetricsRegistry('backbeat-main');
  const probes = new Counter({
    name: 'backbeat_probe_total',
    help: 'Pipeline probes run by the main job',
    labelNames: ['outcome'],
    registers: [registry],
  });

  const stack = createStack(config);
  const before = new Set(
    stack
      .status()
      .services.filter((s) => s.running && s.managed)
      .map((s) => s.name),
  );
  const closers: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ code }, 'shutting down');
    for (const close of closers.reverse())
      await close().catch((err) => log.warn({ err }, 'close failed'));
    if (!flags.keepStack) {
      // Stop only what this run started; a stack that was already up is left as it was.
      const ours = stack.services.filter((s) => !before.has(s.name));
      if (ours.length) await createStack(config).down((l) => log.info(l));
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    await stack.up((line) => log.info(line));

    const clickhouse = await openClickHouse(config.clickhouse);
    closers.push(clickhouse.close);
    const migrated = await migrate(clickhouse.client);
    log.info(
      { ...migrated, mode: clickhouse.mode, location: clickhouse.location },
      'clickhouse ready',
    );

    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
    closers.push(async () => void redis.disconnect());

    const admin = createKafkaAdmin(config.kafka);
    closers.push(admin.close);
    await admin.ensureTopics([{ topic: PROBE_TOPIC, partitions: 1 }]);

    const producer = await createRdkafkaProducer({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-main`,
    });
    closers.push(producer.close);
    const consumer = await createRdkafkaConsumer({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-main`,
      groupId: 'backbeat-main-probe',
      topics: [PROBE_TOPIC],
    });
    closers.push(consumer.close);

    const app = express();
    app.use(
      createOpsRouter({
        registry,
        readiness: [
          { name: 'redis', check: async () => void (await redis.ping()) },
          {
            name: 'clickhouse',
            check: async () => void (await clickhouse.client.query({ query: 'SELECT 1' })),
          },
          { name: 'kafka', check: async () => void (await admin.admin.describeCluster()) },
        ],
      }),
    );
    const ops = await listen(app, config.ops.metricsPort, config.stack.host);
    closers.push(ops.close);

    const probe = await runPipelineProbe({
      producer,
      consumer,
      redis,
      clickhouse: clickhouse.client,
    }).catch((err) => {
      probes.inc({ outcome: 'failed' });
      throw err;
    });
    probes.inc({ outcome: 'ok' });
    log.info({ probe }, 'probe went through Kafka into Redis and ClickHouse');

    const opsUrl = `http://${config.stack.host}:${ops.port}`;
    console.log(
      [
        '',
        'Backbeat is up.',
        formatReport(stack.status()),
        `  ${'main job'.padEnd(11)} ${`running pid ${process.pid}`.padEnd(18)} ${opsUrl}/metrics  ${opsUrl}/healthz  ${opsUrl}/readyz`,
        '',
        `probe ${probe.probeId}: Kafka ${PROBE_TOPIC}[${probe.partition}]@${probe.offset} -> Redis backbeat:probe:${probe.probeId} + ClickHouse pipeline_probe in ${probe.roundTripMs} ms`,
        flags.once ? '' : 'Press Ctrl-C to stop.',
      ].join('\n'),
    );
    if (flags.once) await shutdown(0);
  } catch (err) {
    log.error({ err }, 'main job failed');
    console.error(`backbeat: ${(err as Error).message}`);
    await shutdown(1);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `backbeat: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
