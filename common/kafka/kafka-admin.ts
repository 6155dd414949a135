import { Kafka, logLevel } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  config?: Record<string, string>;
}

/** kafkajs admin for topic management (pure JavaScript; no native build needed). */
export function createKafkaAdmin(config: {
  brokers: string[];
  clientId: string;
  defaultPartitions: number;
  replicationFactor: number;
}) {
  const kafka = new Kafka({
    clientId: `${config.clientId}-admin`,
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= admin.connect());

  /**
   * Creates the topics that are missing; existing ones are left as they are. A broker that has
   * just started can answer metadata requests before it hosts new partitions: retriable KafkaJS
   * errors are retried for a while.
   */
  async function ensureTopics(topics: readonly TopicSpec[]): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await createMissing(topics);
      } catch (err) {
        const e = err as { retriable?: boolean; type?: string };
        if (attempt >= 20 || !(e.retriable || e.type === 'TOPIC_ALREADY_EXISTS')) throw err;
        await new Promise((r) => setTimeout(r, 250 * Math.min(8, attempt + 1)));
      }
    }
  }

  async function createMissing(topics: readonly TopicSpec[]): Promise<string[]> {
    await connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions ?? config.defaultPartitions,
          replicationFactor: config.replicationFactor,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return missing.map((t) => t.topic);
  }

  async function close(): Promise<void> {
    if (connected) await admin.disconnect();
  }

  return { ensureTopics, close, admin };
}
