import type { RdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import type { Coordinates } from '../../sinks/contract/projection-sink.types.js';

import { DLQ_TOPIC } from '../../schemas/catalogue/event-topics.js';

export interface DeadLetter extends Coordinates {
  processor: string;
  reason: string;
  schemaId?: number;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Writes a message that cannot be decoded or applied to the dead-letter topic: the original
 * key and bytes, with the reason, the processor and the source coordinates in headers.
 * Resolves when Kafka confirmed it.
 */
export function createDeadLetterWriter(
  config: { topic?: string },
  deps: { producer: RdkafkaProducer },
) {
  const topic = config.topic ?? DLQ_TOPIC;
  return {
    topic,
    async write(letters: readonly DeadLetter[]): Promise<void> {
      await Promise.all(
        letters.map((l) =>
          deps.producer.send({
            topic,
            key: l.key,
            value: l.value ?? Buffer.alloc(0),
            headers: [
              { 'x-dlq-reason': l.reason },
              { 'x-dlq-processor': l.processor },
              { 'x-dlq-source-topic': l.topic },
              { 'x-dlq-source-partition': String(l.partition) },
              { 'x-dlq-source-offset': String(l.offset) },
              ...(l.schemaId !== undefined ? [{ 'x-dlq-schema-id': String(l.schemaId) }] : []),
              { 'x-dlq-time': new Date().toISOString() },
            ],
          }),
        ),
      );
    },
  };
}

export type DeadLetterWriter = ReturnType<typeof createDeadLetterWriter>;
