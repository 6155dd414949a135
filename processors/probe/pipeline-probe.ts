import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClickHouseClient } from '@clickhouse/client';
import type { RdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import type { RdkafkaConsumer, ConsumedRecord } from '../../common/kafka/rdkafka-consumer.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const PROBE_TOPIC = 'backbeat.pipeline-probe';

export interface ProbeDeps {
  producer: RdkafkaProducer;
  consumer: RdkafkaConsumer;
  redis: Redis;
  clickhouse: ClickHouseClient;
}

export interface ProbeResult {
  probeId: string;
  partition: number;
  offset: number;
  redis: Record<string, string>;
  clickhouse: { probe_id: string; partition: number; offset: string };
  roundTripMs: number;
}

/**
 * The main job's end-to-end check: produce one event, read it back from Kafka, write it to
 * Redis (state and partition offset in one MULTI) and ClickHouse (keyed by its Kafka
 * coordinates, with an insert dedup token), then read both back.
 */
export async function runPipelineProbe(deps: ProbeDeps, timeoutMs = 30_000): Promise<ProbeResult> {
  const probeId = randomUUID();
  const sentAt = Date.now();
  await deps.producer.send({
    topic: PROBE_TOPIC,
    key: probeId,
    value: Buffer.from(JSON.stringify({ probe_id: probeId, sent_at: sentAt })),
  });

  const deadline = Date.now() + timeoutMs;
  let mine: ConsumedRecord | undefined;
  while (!mine) {
    if (Date.now() > deadline)
      throw new BackbeatError(
        'PROBE_TIMEOUT',
        `probe ${probeId} not consumed within ${timeoutMs} ms`,
        { retriable: true },
      );
    const batch = await deps.consumer.poll(100);
    for (const r of batch) await applyProbe(deps, r);
    deps.consumer.commit(batch);
    mine = batch.find((r) => r.key?.toString() === probeId);
  }

  const redis = await deps.redis.hgetall(`backbeat:probe:${probeId}`);
  const rs = await deps.clickhouse.query({
    query:
      'SELECT probe_id, partition, offset FROM pipeline_probe FINAL WHERE probe_id = {id:String}',
    query_params: { id: probeId },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ probe_id: string; partition: number; offset: string }>();
  if (!rows[0] || redis.probe_id !== probeId)
    throw new BackbeatError(
      'PROBE_MISSING',
      `probe ${probeId} not found in ${rows[0] ? 'Redis' : 'ClickHouse'}`,
    );
  return {
    probeId,
    partition: mine.partition,
    offset: mine.offset,
    redis,
    clickhouse: rows[0],
    roundTripMs: Date.now() - sentAt,
  };
}

async function applyProbe(deps: ProbeDeps, r: ConsumedRecord): Promise<void> {
  let body: { probe_id?: unknown; sent_at?: unknown };
  try {
    body = JSON.parse(r.value?.toString() ?? '');
  } catch {
    return; // not a probe; the probe topic is Backbeat's own, so this is never expected
  }
  if (typeof body.probe_id !== 'string' || typeof body.sent_at !== 'number') return;
  const coords = { topic: r.topic, partition: r.partition, offset: r.offset };
  await deps.redis
    .multi()
    .hset(`backbeat:probe:${body.probe_id}`, {
      probe_id: body.probe_id,
      ...coords,
      sent_at: body.sent_at,
    })
    .expire(`backbeat:probe:${body.probe_id}`, 86_400)
    .set(`backbeat:offsets:probe:${r.topic}:${r.partition}`, r.offset)
    .exec();
  await deps.clickhouse.insert({
    table: 'pipeline_probe',
    values: [
      {
        probe_id: body.probe_id,
        ...coords,
        sent_at: new Date(body.sent_at).toISOString(),
        applied_at: new Date().toISOString(),
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: {
      insert_deduplication_token: `${r.topic}-${r.partition}-${r.offset}`,
      date_time_input_format: 'best_effort',
    },
  });
}
