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

  /** Creates the topics that are missing; existing ones are left as they are. */
  async function ensureTopics(topics: readonly TopicSpec[]): Promise<string[]> {
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
