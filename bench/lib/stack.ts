/**
 * A benchmark's own private stack (Kafka, Redis, the chDB server, the registry) on loopback
 * ports base+N and a temporary data folder, started with the test suite's helper and removed
 * when the benchmark ends. The services Backbeat runs on top (gateway, processors, API) are
 * started from their real entry points with `stack.env`.
 */
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type AppConfig } from '../../common/config/app.config.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { createStack, type Stack } from '../../infra/stack/stack.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import {
  loadEventCatalogue,
  type EventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { stopAll } from './procs.js';
import { privateStackEnv } from '../../infra/stack/private-stack-env.js';
import { createAvroCodec, type AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';

/**
 * The test suite's startPrivateStack (test/helpers/platform.helper.ts), made safe for a
 * benchmark harness: a stack whose start fails half-way is stopped and its folder removed, so
 * no Redis or chDB server is left behind holding the ports.
 */
async function startPrivate(base: number, extra: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bb-bench-'));
  const env = privateStackEnv(base, dataDir, extra);
  const config: AppConfig = loadConfig(env);
  const stack: Stack = createStack(config);
  let clickhouse: ClickHouseHandle | undefined;
  const abort = async () => {
    await clickhouse?.close().catch(() => undefined);
    await stack.down().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  starting.add(abort);
  try {
    await stack.up();
    clickhouse = await openClickHouse(config.clickhouse);
    await migrate(clickhouse.client);
  } catch (err) {
    await abort();
    throw err;
  } finally {
    starting.delete(abort);
  }
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const ch = clickhouse;
  return {
    env,
    config,
    stack,
    clickhouse: ch,
    redis,
    dataDir,
    async down() {
      redis.disconnect();
      await ch.close();
      await stack.down();
    },
  };
}

export type PrivateStack = Awaited<ReturnType<typeof startPrivate>>;

export interface BenchStack extends PrivateStack {
  base: number;
  catalogue: EventCatalogue;
  codec: AvroCodec;
  kafka: Kafka;
  /** Brokers as one string, for the JVM tools. */
  bootstrap: string;
  stop(): Promise<void>;
}

const open = new Set<BenchStack>();

/** Stacks half-way through their start, with how to stop them. */
const starting = new Set<() => Promise<void>>();

/** Stops every stack still up or starting (the CLI calls it on exit paths and on Ctrl-C). */
export async function stopAllStacks(): Promise<void> {
  await Promise.all([
    ...[...open].map((s) => s.stop().catch(() => undefined)),
    ...[...starting].map((abort) => abort()),
  ]);
}

export async function startBenchStack(
  base: number,
  extra: Record<string, string> = {},
): Promise<BenchStack> {
  const opts = { KAFKA_HEAP_MB: '1024', LOG_LEVEL: 'warn', ...extra };
  let s: PrivateStack;
  try {
    s = await startPrivate(base, opts);
  } catch (err) {
    // One retry: on a shared machine a JVM start can fail once (memory, a port in TIME_WAIT).
    process.stderr.write(
      `[bench] stack on ports ${base}+ failed to start (${(err as Error).message.split('\n')[0]}); retrying once\n`,
    );
    s = await startPrivate(base, opts);
  }
  const catalogue = loadEventCatalogue();
  const codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(s.config.registry),
  });
  let stopping: Promise<void> | undefined;
  const stack: BenchStack = {
    ...s,
    base,
    catalogue,
    codec,
    kafka: new Kafka({
      clientId: 'backbeat-bench',
      brokers: s.config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }),
    bootstrap: s.config.kafka.brokers.join(','),
    stop() {
      // Idempotent: a second caller (Ctrl-C while a failure is being handled) waits for the first.
      stopping ??= (async () => {
        // Services first (while Kafka is still up they close cleanly and write their profiles).
        await stopAll();
        try {
          await s.down();
        } finally {
          rmSync(s.dataDir, { recursive: true, force: true });
          open.delete(stack);
        }
      })();
      return stopping;
    },
  };
  open.add(stack);
  try {
    await ensureEventTopics(s.config.kafka, catalogue);
    await codec.init();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Messages per topic (high - low watermark, summed over partitions). */
export async function topicCounts(
  kafka: Kafka,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out = new Map<string, number>();
    for (const t of topics) {
      const offs = await admin.fetchTopicOffsets(t);
      out.set(
        t,
        offs.reduce((a, o) => a + Number(o.high) - Number(o.low), 0),
      );
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic (idempotent). */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic))
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
  } finally {
    await admin.disconnect();
  }
}
