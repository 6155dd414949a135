import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import type { AppConfig } from '../../common/config/app.config.js';
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `test.${prefix}.${randomUUID().slice(0, 8)}`;
}

export async function createTopic(config: AppConfig, topic: string, partitions = 1): Promise<void> {
  const admin = createKafkaAdmin(config.kafka);
  try {
    await admin.ensureTopics([{ topic, partitions }]);
  } finally {
    await admin.close();
  }
}

/** Calls `poll` until `count` items have arrived or `timeoutMs` passes; returns what arrived. */
export async function waitForMessages<T>(
  poll: () => Promise<T[]>,
  count: number,
  timeoutMs = 20_000,
): Promise<T[]> {
  const got: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) got.push(...(await poll()));
  return got;
}

/** Resolves when `check` returns true; polls every 100 ms. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A topic's partition offsets, retried while the broker answers a retriable error (a topic
 * created a moment ago has no leader yet: NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE).
 */
export async function topicOffsets(
  admin: Admin,
  topic: string,
  timeoutMs = 20_000,
): Promise<{ partition: number; high: string; low: string; offset: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
