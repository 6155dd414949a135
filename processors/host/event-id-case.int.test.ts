/**
 * One playback written twice to Kafka by a third-party-style producer (straight to the topic,
 * in Confluent's wire format, bypassing the gateway and the SDK), with its event_id and
 * playback_id in lower case and then in upper case, counts once in every projection: user
 * state, play counts and the raw archive agree, because the processors' decoder canonicalises
 * uuids before any projection sees them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { createLogger } from '../../common/logging/logger.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { createRedisProjectionSink } from '../../sinks/redis/redis-projection.sink.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { openPlaybackTopic } from '../../test/helpers/playback-topic.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { playCountsProjection } from '../play-counts/play-counts.projection.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { archivePartitionOf, rawArchiveProjection } from '../raw-archive/raw-archive.projection.js';
import { createPartitionConsumer } from '../runtime/partition-consumer.js';
import { createProcessor, type Processor } from '../runtime/processor.runtime.js';
import type { Projection } from '../runtime/processor.types.js';
import type { ProjectionSink } from '../../sinks/contract/projection-sink.types.js';
import { userStateProjection } from '../user-state/user-state.projection.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';

describe('event_id letter case through Kafka', () => {
  let config: AppConfig;
  let ch: ClickHouseHandle;
  let redis: Redis;
  let database: string;
  const suffix = randomUUID().slice(0, 8);
  const names = {
    userState: `user-state-case-${suffix}`,
    playCounts: `play-counts-case-${suffix}`,
  };
  before(async () => {
    config = await useStack();
    database = `bb_case_${suffix}`;
    ch = await openClickHouse({ url: config.clickhouse.url, database });
    await migrate(ch.client);
    redis = new Redis(config.redis.url);
  });
  after(async () => {
    for (const n of Object.values(names)) {
      const keys = await redis.keys(`bb:${n}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    await ch?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });

  it('given the same playback with its ids in lower then upper case, then user state, play counts and the archive each count it once', async () => {
    const { topic, catalogue, codec, producer } = await openPlaybackTopic(config, 'case');
    const userId = `user-case-${suffix}`;
    const trackId = `track-case-${suffix}`;
    const eventId = uuidv7();
    const playbackId = uuidv7();
    const lower = {
      ...validEvents().playback,
      user_id: userId,
      track_id: trackId,
      event_id: eventId,
      playback_id: playbackId,
    };
    const upper = {
      ...lower,
      event_id: eventId.toUpperCase(),
      playback_id: playbackId.toUpperCase(),
    };
    // Straight to Kafka, as a third-party producer with Confluent's serializer would write.
    for (const e of [lower, upper])
      await producer.send({ topic, key: Buffer.from(userId), value: codec.encode('playback', e) });

    const logger = createLogger({ level: 'error' }, 'case-test');
    const run = async (projection: Projection<unknown>, sink: ProjectionSink<unknown>) => {
      const consumer = await createPartitionConsumer(
        {
          brokers: config.kafka.brokers,
          clientId: `case-test-${projection.name}`,
          groupId: `case-test-${projection.name}-${suffix}`,
          topics: [topic],
          maxBatch: 1, // each copy in its own batch: the duplicate meets stored state
        },
        { logger, positionOf: (parts) => sink.readOffsets(parts) },
      );
      const p = createProcessor(
        { name: projection.name, retry: { initialMs: 50, maxMs: 500 }, stopGraceMs: 1000 },
        {
          projection,
          sink,
          consumer,
          codec,
          catalogue,
          deadLetters: { topic: 'none', write: async () => undefined },
          logger,
          registry: new Registry(),
        },
      );
      void p.start();
      return p;
    };
    const redisSink = (name: string) =>
      createRedisProjectionSink({ name, generation: 1, dedupTtlSeconds: 3600 }, { redis });
    const processors: Processor[] = [
      await run(
        userStateProjection as Projection<unknown>,
        redisSink(names.userState) as ProjectionSink<unknown>,
      ),
      await run(
        playCountsProjection as Projection<unknown>,
        redisSink(names.playCounts) as ProjectionSink<unknown>,
      ),
      await run(
        rawArchiveProjection as Projection<unknown>,
        createClickHouseRowsSink(
          { name: 'raw-archive', table: 'events', partitionOf: archivePartitionOf },
          { clickhouse: ch.client },
        ) as ProjectionSink<unknown>,
      ),
    ];
    try {
      // Both messages applied by every processor (lag 0 past offset 1).
      await eventually(
        async () => {
          for (const p of processors) {
            const lag = await p.lag();
            if (!lag.length || lag.some((l) => l.lag !== 0 || l.high < 2)) return false;
          }
          return true;
        },
        60_000,
        'every processor past both messages',
      );
      const userState = createUserStateReader({ redis }, { name: names.userState });
      assert.equal((await userState.totals(userId)).qualified_streams, 1);
      const recent = await userState.recent(userId, { limit: 10 });
      assert.deepEqual(
        (recent as { items: { playback_id: string }[] }).items.map((r) => r.playback_id),
        [playbackId],
      );
      const playCounts = createPlayCountsReader({ redis, name: names.playCounts });
      assert.equal((await playCounts.trackTotals(trackId)).streams, 1);
      const rs = await ch.client.query({
        query: `SELECT count() AS n, any(toString(event_id)) AS id, any(playback_id) AS pb
                FROM events FINAL WHERE topic = {topic:String}`,
        query_params: { topic },
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ n: string; id: string; pb: string }>();
      assert.deepEqual(row, { n: '1', id: eventId, pb: playbackId });
    } finally {
      await Promise.all(processors.map((p) => p.stop()));
      await producer.close();
    }
  });
});
