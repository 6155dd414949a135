import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig } from '../../common/config/app.config.js';
import { loadEventCatalogue, type EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { currentGeneration } from '../../sinks/redis/redis-generation.js';
import { partitionKey } from '../../sinks/contract/projection-sink.types.js';
import { PROJECTIONS, type ProjectionName } from './projection-registry.js';

/**
 * Per projection (its current generation): messages its sink has applied and messages in its
 * topics (high minus low watermark). `done >= total` means caught up.
 */
export async function projectionProgress(
  config: Pick<KafkaConfig, 'brokers' | 'clientId'>,
  deps: { redis: Redis; clickhouse: ClickHouseClient },
  names: readonly ProjectionName[],
): Promise<Record<string, { done: number; total: number }>> {
  const catalogue = loadEventCatalogue();
  const admin = new Kafka({
    clientId: `${config.clientId}-progress`,
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const out: Record<string, { done: number; total: number }> = {};
    for (const name of names) {
      const entry = PROJECTIONS[name];
      const generation = entry.store === 'redis' ? await currentGeneration(deps.redis, name) : 1;
      const sink = entry.sink(deps, { generation, dedupTtlSeconds: 1 });
      const parts: { topic: string; partition: number; low: number; high: number }[] = [];
      for (const t of entry.projection.types) {
        const topic = (catalogue[t] as EventTypeSpec).topic;
        for (const o of await admin.fetchTopicOffsets(topic))
          parts.push({ topic, partition: o.partition, low: Number(o.low), high: Number(o.high) });
      }
      const stored = await sink.readOffsets(parts);
      out[name] = {
        total: parts.reduce((a, p) => a + p.high - p.low, 0),
        done: parts.reduce(
          (a, p) =>
            a +
            Math.min(
              p.high - p.low,
              Math.max(0, (stored.get(partitionKey(p)) ?? p.low - 1) + 1 - p.low),
            ),
          0,
        ),
      };
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
