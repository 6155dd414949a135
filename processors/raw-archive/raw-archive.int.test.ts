/**
 * The raw archive through the real runtime, Kafka, the registry codec and the chDB server: a
 * batch whose events fall in 150 months (more partitions than one ClickHouse insert takes) is
 * archived whole, an event the engine refuses is dead-lettered with its reason beside it, and
 * the next events are archived after it. A processor whose store refuses every write while
 * it has lag shows as stalled in /readyz, in a metric and in the log.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import { createOpsRouter } from '../../common/http/ops.router.js';
import type { AppConfig } from '../../common/config/app.config.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { createLogger } from '../../common/logging/logger.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { openPlaybackTopic } from '../../test/helpers/playback-topic.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { createStallDetector } from '../host/stall-detector.js';
import type { DeadLetter, DeadLetterWriter } from '../runtime/dead-letter.js';
import { createPartitionConsumer } from '../runtime/partition-consumer.js';
import { createProcessor } from '../runtime/processor.runtime.js';
import { archivePartitionOf, rawArchiveProjection } from './raw-archive.projection.js';

describe('raw archive processor against Kafka and ClickHouse', () => {
  let config: AppConfig;
  let ch: ClickHouseHandle;
  let database: string;
  before(async () => {
    config = await useStack();
    database = `bb_archive_${randomUUID().slice(0, 8)}`;
    ch = await openClickHouse({ url: config.clickhouse.url, database });
    await migrate(ch.client);
  });
  after(async () => {
    await ch?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });

  it('given one batch of 150 months and an event the engine refuses, then 150 are archived, the bad one dead-lettered, and the next events archived', async () => {
    const { topic, catalogue, codec, producer } = await openPlaybackTopic(config, 'archive');
    const template = validEvents().playback;
    const playback = (eventTime: number, eventId = uuidv7(eventTime)): PlaybackEvent => ({
      ...template,
      event_id: eventId,
      playback_id: uuidv7(eventTime),
      event_time: eventTime,
      received_time: eventTime,
    });
    const months = Array.from({ length: 150 }, (_, i) => Date.UTC(2010, i, 15, 12));
    const send = (events: PlaybackEvent[]) =>
      Promise.all(
        events.map((e) =>
          producer.send({
            topic,
            key: Buffer.from(e.user_id),
            value: codec.encode('playback', e),
          }),
        ),
      );
    // The gateway refuses a non-UUID event_id; a producer writing to Kafka directly may not.
    const refused = playback(Date.UTC(2026, 0, 1), 'not-a-uuid');
    await send([...months.slice(0, 75).map((t) => playback(t)), refused]);
    await send(months.slice(75).map((t) => playback(t)));

    const letters: DeadLetter[] = [];
    const deadLetters: DeadLetterWriter = {
      topic: 'recorded',
      write: async (l) => void letters.push(...l),
    };
    const sink = createClickHouseRowsSink(
      { name: 'raw-archive', table: 'events', partitionOf: archivePartitionOf },
      { clickhouse: ch.client },
    );
    const logger = createLogger({ level: 'error' }, 'archive-test');
    const consumer = await createPartitionConsumer(
      {
        brokers: config.kafka.brokers,
        clientId: 'archive-test',
        groupId: `archive-test-${randomUUID()}`,
        topics: [topic],
        maxBatch: 1000,
      },
      { logger, positionOf: (parts) => sink.readOffsets(parts) },
    );
    const processor = createProcessor(
      { name: 'raw-archive', retry: { initialMs: 50, maxMs: 500 }, stopGraceMs: 1000 },
      {
        projection: rawArchiveProjection,
        sink,
        consumer,
        codec,
        catalogue,
        deadLetters,
        logger,
        registry: new Registry(),
      },
    );
    void processor.start();
    const count = async () => {
      const rs = await ch.client.query({
        query:
          'SELECT count() AS n, uniqExact(toYYYYMM(event_time)) AS months FROM events FINAL WHERE topic = {topic:String}',
        query_params: { topic },
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<{ n: string; months: string }>();
      return { n: Number(r!.n), months: Number(r!.months) };
    };
    try {
      await eventually(async () => (await count()).n >= 150, 60_000, '150 archived events');
      assert.deepEqual(await count(), { n: 150, months: 150 });
      await eventually(() => letters.length > 0, 10_000, 'the dead letter');
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.offset, 75);
      assert.match(letters[0]!.reason, /clickhouse .*UUID/i);
      assert.ok(letters[0]!.value?.equals(codec.encode('playback', refused)));

      // The archive goes on: the next events land.
      await send([playback(Date.UTC(2026, 5, 1)), playback(Date.UTC(2026, 5, 2))]);
      await eventually(async () => (await count()).n === 152, 30_000, 'the next events');
      assert.equal(letters.length, 1);
    } finally {
      await processor.stop();
      await producer.close();
    }
  });
  it('given a store that refuses every write while lag exists, then /readyz, the stalled gauge and a warn line show the stall', async () => {
    const { topic, catalogue, codec, producer } = await openPlaybackTopic(config, 'stall');
    const e = { ...validEvents().playback, event_id: uuidv7() };
    await producer.send({ topic, key: null, value: codec.encode('playback', e) });
    // The real sink, held as during a rebuild's swap that never ends: every apply is retried.
    const sink = createClickHouseRowsSink(
      { name: 'raw-archive', table: 'events', partitionOf: archivePartitionOf },
      {
        clickhouse: ch.client,
        guard: async () => {
          throw new BackbeatError('REBUILD_SWAP', 'held', { retriable: true });
        },
      },
    );
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const consumer = await createPartitionConsumer(
      {
        brokers: config.kafka.brokers,
        clientId: 'stall-test',
        groupId: `stall-test-${randomUUID()}`,
        topics: [topic],
        maxBatch: 100,
      },
      { logger, positionOf: (parts) => sink.readOffsets(parts) },
    );
    const registry = new Registry();
    const processor = createProcessor(
      { name: 'raw-archive', retry: { initialMs: 50, maxMs: 200 }, stopGraceMs: 500 },
      {
        projection: rawArchiveProjection,
        sink,
        consumer,
        codec,
        catalogue,
        deadLetters: { topic: 'none', write: async () => undefined },
        logger,
        registry,
      },
    );
    void processor.start();
    const stalls = createStallDetector(
      { stallAfterMs: 1000, checkEveryMs: 200 },
      { processors: () => [{ name: 'raw-archive', processor }], registry, logger },
    );
    const app = express();
    app.use(createOpsRouter({ registry, readiness: [stalls.readiness] }));
    const ops = await listen(app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${ops.port}`;
    try {
      let body: { status?: string; checks?: { name: string; error?: string }[] } = {};
      await eventually(
        async () => {
          const res = await fetch(`${url}/readyz`);
          body = (await res.json()) as typeof body;
          return res.status === 503;
        },
        30_000,
        '/readyz to report the stall',
      );
      assert.equal(body.status, 'not ready');
      assert.match(
        body.checks![0]!.error!,
        /stalled: raw-archive \(\d+ s without progress, lag 1\)/,
      );
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const gauge = /backbeat_processor_stalled\{projection="raw-archive"\} (\d+)/.exec(metrics);
      assert.ok(gauge && Number(gauge[1]) >= 1, metrics);
      assert.ok(
        lines.some((l) => /projection stalled/.test(l) && /"projection":"raw-archive"/.test(l)),
        lines.join(''),
      );
    } finally {
      stalls.stop();
      await ops.close();
      await processor.stop();
      await producer.close();
    }
  });
});
