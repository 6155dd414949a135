/**
 * Creates the event topics (one per event type) that are missing. The SDK's transports never
 * create topics; deployments and tests call this once. Node only.
 */
import { createKafkaAdmin } from '../../common/kafka/kafka-admin.js';
import type { EventCatalogue, EventTypeSpec } from './event-catalogue.js';

/** Where every processor and the gateway's callers dead-letter what cannot be applied. */
export const DLQ_TOPIC = 'backbeat.dlq';

export interface EventTopicsConfig {
  brokers: string[];
  clientId: string;
  defaultPartitions: number;
  replicationFactor: number;
}

/** Returns the topics it created (empty when all existed). */
export async function ensureEventTopics(
  config: EventTopicsConfig,
  catalogue: EventCatalogue,
): Promise<string[]> {
  const admin = createKafkaAdmin(config);
  try {
    const specs = Object.values(catalogue) as EventTypeSpec[];
    return await admin.ensureTopics(specs.map((s) => ({ topic: s.topic })));
  } finally {
    await admin.close();
  }
}
