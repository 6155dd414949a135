import type { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import type { RdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import type { Logger } from '../../common/logging/logger.js';
import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { currentGeneration } from '../../sinks/redis/redis-generation.js';
import { createDeadLetterWriter } from '../runtime/dead-letter.js';
import { createPartitionConsumer } from '../runtime/partition-consumer.js';
import { createProcessor, type Processor } from '../runtime/processor.runtime.js';
import {
  PROJECTIONS,
  type ProjectionEntry,
  type ProjectionName,
  type SinkDeps,
} from './projection-registry.js';

export interface HostDeps extends SinkDeps {
  codec: Pick<AvroCodec, 'decode'>;
  catalogue: EventCatalogue;
  producer: RdkafkaProducer;
  logger: Logger;
  registry: Registry;
}

export type HostConfig = Pick<AppConfig, 'kafka' | 'processors'>;

/** Retries a start-up step until its dependency answers (see startup-wait.ts). */
export type WaitFor = <T>(dependency: string, attempt: () => Promise<T>) => Promise<T>;
const once: WaitFor = (_dependency, attempt) => attempt();

/** Starts one processor of a projection generation: its consumer group, sink and runtime. */
export async function startProjectionProcessor(
  config: HostConfig,
  deps: HostDeps,
  entry: ProjectionEntry,
  opts: { generation: number | string; table?: string; instance?: string; waitFor?: WaitFor },
): Promise<Processor> {
  const generation = typeof opts.generation === 'number' ? opts.generation : 1;
  const sink = entry.sink(deps, {
    generation,
    dedupTtlSeconds: config.processors.dedupTtlSeconds,
    ...(opts.table ? { table: opts.table } : {}),
  });
  const topics = entry.projection.types.map((t) => (deps.catalogue[t] as EventTypeSpec).topic);
  const logger = deps.logger.child({ projection: entry.name, generation: opts.generation });
  // A named instance is a static member of the group (group.instance.id, stable across its
  // restarts); with the short session timeout a killed member's partitions move within it.
  const consumer = await (opts.waitFor ?? once)('kafka', () =>
    createPartitionConsumer(
      {
        brokers: config.kafka.brokers,
        clientId: `${config.kafka.clientId}-${entry.name}${opts.instance ? `-${opts.instance}` : ''}`,
        groupId: entry.groupId(opts.generation),
        topics,
        maxBatch: config.processors.maxBatch,
        sessionTimeoutMs: config.processors.sessionTimeoutMs,
        ...(opts.instance ? { groupInstanceId: `${entry.name}-${opts.instance}` } : {}),
      },
      { logger, positionOf: (parts) => sink.readOffsets(parts) },
    ),
  );
  const processor = createProcessor(
    {
      name: entry.name,
      retry: { initialMs: 100, maxMs: config.processors.retryMaxMs },
      stopGraceMs: config.processors.stopGraceMs,
    },
    {
      projection: entry.projection,
      sink,
      consumer,
      codec: deps.codec,
      catalogue: deps.catalogue,
      deadLetters: createDeadLetterWriter({}, { producer: deps.producer }),
      logger,
      registry: deps.registry,
    },
  );
  void processor.start().catch((err) => logger.error({ err }, 'processor stopped on an error'));
  return processor;
}

/**
 * Runs the enabled projections in this process. Redis projections follow their current
 * generation: when a rebuild swaps a new one in, the host stops the old processor and starts
 * one on the new generation (which positions itself from that generation's offsets).
 */
export async function startProcessorHost(
  config: HostConfig,
  deps: HostDeps,
  opts: { instance?: string; watchMs?: number; waitFor?: WaitFor } = {},
) {
  const waitFor = opts.waitFor ?? once;
  const running = new Map<ProjectionName, { generation: number | string; processor: Processor }>();
  const generationOf = async (e: ProjectionEntry) =>
    e.store === 'redis' ? currentGeneration(deps.redis, e.name) : 'live';

  for (const name of config.processors.enabled as ProjectionName[]) {
    const entry = PROJECTIONS[name];
    const generation = await waitFor('redis', () => generationOf(entry));
    running.set(name, {
      generation,
      processor: await startProjectionProcessor(config, deps, entry, {
        generation,
        waitFor,
        ...(opts.instance ? { instance: opts.instance } : {}),
      }),
    });
  }
  deps.logger.info({ processors: [...running.keys()] }, 'processors started');

  let switching = false;
  const watch = setInterval(async () => {
    if (switching) return;
    switching = true;
    try {
      for (const [name, r] of running) {
        const entry = PROJECTIONS[name];
        const g = await generationOf(entry);
        if (g === r.generation) continue;
        deps.logger.info(
          { projection: name, from: r.generation, to: g },
          'generation swapped; moving the processor',
        );
        await r.processor.stop();
        running.set(name, {
          generation: g,
          processor: await startProjectionProcessor(config, deps, entry, {
            generation: g,
            ...(opts.instance ? { instance: opts.instance } : {}),
          }),
        });
      }
    } catch (err) {
      deps.logger.warn({ err }, 'generation check failed');
    } finally {
      switching = false;
    }
  }, opts.watchMs ?? 2000);

  return {
    processors: () =>
      [...running.entries()].map(([name, r]) => ({
        name,
        generation: r.generation,
        processor: r.processor,
      })),
    async stop(): Promise<void> {
      clearInterval(watch);
      await Promise.all([...running.values()].map((r) => r.processor.stop()));
    },
  };
}

export type ProcessorHost = Awaited<ReturnType<typeof startProcessorHost>>;
