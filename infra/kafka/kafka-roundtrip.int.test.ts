import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { AppConfig } from '../../common/config/app.config.js';
import { createRdkafkaConsumer } from '../../common/kafka/rdkafka-consumer.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import {
  createTopic,
  eventually,
  uniqueTopic,
  waitForMessages,
} from '../../test/helpers/kafka.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';

let config: AppConfig;
before(async () => {
  config = await useStack();
});

describe('Kafka round trip (real KRaft broker)', () => {
  it('kafkajs: produces 100 keyed records idempotently and consumes them in order per partition', async () => {
    const topic = uniqueTopic('kafkajs');
    await createTopic(config, topic, 3);
    const kafka = new Kafka({
      clientId: 'test-kafkajs',
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 100 }, (_, i) => ({
      key: `user-${i % 7}`,
      value: `event-${i}`,
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-g` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: { key: string; value: string; partition: number; offset: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        got.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          partition,
          offset: message.offset,
        });
      },
    });
    await eventually(() => got.length >= sent.length, 20_000, `${sent.length} messages`).finally(
      () => consumer.disconnect(),
    );

    assert.equal(got.length, sent.length);
    assert.deepEqual(new Set(got.map((g) => g.value)), new Set(sent.map((s) => s.value)));
    // Per key, order is the send order (one key -> one partition).
    for (const key of new Set(sent.map((s) => s.key))) {
      assert.deepEqual(
        got.filter((g) => g.key === key).map((g) => g.value),
        sent.filter((s) => s.key === key).map((s) => s.value),
      );
      assert.equal(new Set(got.filter((g) => g.key === key).map((g) => g.partition)).size, 1);
    }
  });

  it('node-rdkafka: acks=all idempotent producer and a group consumer with manual commits', async () => {
    const topic = uniqueTopic('rdkafka');
    await createTopic(config, topic, 2);
    const producer = await createRdkafkaProducer({
      brokers: config.kafka.brokers,
      clientId: 'test-rdkafka',
    });
    const offsets = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        producer.send({ topic, key: `k${i % 5}`, value: Buffer.from(`v${i}`) }),
      ),
    );
    await producer.close();
    assert.equal(offsets.length, 50);
    assert.ok(
      offsets.every((o) => Number.isInteger(o) && o >= 0),
      'every send resolves with a broker offset',
    );

    const groupId = `${topic}-g`;
    const consumer = await createRdkafkaConsumer({
      brokers: config.kafka.brokers,
      clientId: 'test-rdkafka',
      groupId,
      topics: [topic],
    });
    const got = await waitForMessages(() => consumer.poll(100), 50, 30_000);
    consumer.commit(got);
    await consumer.close();
    assert.deepEqual(
      got.map((m) => m.value!.toString()).sort(),
      Array.from({ length: 50 }, (_, i) => `v${i}`).sort(),
    );

    // The committed offsets hold: the same group sees nothing new after a restart.
    const again = await createRdkafkaConsumer({
      brokers: config.kafka.brokers,
      clientId: 'test-rdkafka',
      groupId,
      topics: [topic],
    });
    const rest = await waitForMessages(() => again.poll(100), 1, 3_000);
    await again.close();
    assert.equal(rest.length, 0);
  });

  it('node-rdkafka and kafkajs put the same key on the same partition (per-user order across clients)', async () => {
    const topic = uniqueTopic('partitioner');
    await createTopic(config, topic, 6);
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i * 7919}`);
    const rd = await createRdkafkaProducer({
      brokers: config.kafka.brokers,
      clientId: 'test-part-rd',
    });
    for (const k of keys) await rd.send({ topic, key: k, value: Buffer.from('rd') });
    await rd.close();
    const kafka = new Kafka({
      clientId: 'test-part-js',
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic, messages: keys.map((key) => ({ key, value: 'js' })) });
    await p.disconnect();
    const consumer = await createRdkafkaConsumer({
      brokers: config.kafka.brokers,
      clientId: 'test-part',
      groupId: `${topic}-g`,
      topics: [topic],
    });
    const got = await waitForMessages(() => consumer.poll(200), keys.length * 2, 30_000);
    await consumer.close();
    const where = new Map<string, Set<number>>();
    for (const m of got)
      (
        where.get(m.key!.toString()) ??
        where.set(m.key!.toString(), new Set()).get(m.key!.toString())!
      ).add(m.partition);
    assert.equal(where.size, keys.length);
    for (const [k, parts] of where)
      assert.equal(parts.size, 1, `${k} landed on partitions ${[...parts]}`);
  });
});
