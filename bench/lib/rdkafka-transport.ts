/**
 * For the library comparison of figure 1 only: the SDK's Kafka transport contract (validate,
 * stamp received_time, registry-framed Avro, keyed, acks=all, idempotent, one batch answered
 * before the next) on node-rdkafka instead of kafkajs, with the gateway's producer settings.
 * It mirrors producers/sdk/kafka.transport.ts line for line except for the client library.
 */
import {
  createRdkafkaProducer,
  type RdkafkaProducer,
} from '../../common/kafka/rdkafka-producer.js';
import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent } from '../../schemas/catalogue/event-validation.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { DeliveryResult, OutgoingEvent, Transport } from '../../producers/sdk/sdk.types.js';
import { SDK_ERROR_CODES, TransportError, messageOf } from '../../producers/sdk/sdk.errors.js';

export async function createRdkafkaTransport(
  config: { brokers: string[]; clientId: string },
  deps: { codec: AvroCodec; catalogue: EventCatalogue },
): Promise<Transport> {
  const producer: RdkafkaProducer = await createRdkafkaProducer({
    brokers: config.brokers,
    clientId: `${config.clientId}-sdk-rdkafka`,
    extra: {
      'linger.ms': 2,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 200_000,
    },
  });
  let closed = false;
  return {
    async send(batch: OutgoingEvent[]): Promise<DeliveryResult[]> {
      if (closed)
        throw new TransportError(SDK_ERROR_CODES.closed, 'transport is closed', {
          retriable: false,
        });
      const receivedAt = Date.now();
      const results: DeliveryResult[] = [];
      const sends: Promise<number>[] = [];
      for (const { type, event } of batch) {
        const spec = deps.catalogue[type] as EventTypeSpec | undefined;
        const event_id = String((event as { event_id?: unknown }).event_id ?? '');
        if (!spec) {
          results.push({
            status: 'rejected',
            event_id,
            errors: [{ path: '', reason: `unknown event type ${type}` }],
          });
          continue;
        }
        const v = validateEvent(
          spec,
          { ...event, received_time: event.received_time ?? receivedAt },
          receivedAt,
        );
        if (!v.ok) {
          results.push({ status: 'rejected', event_id, errors: v.errors });
          continue;
        }
        sends.push(
          producer.send({
            topic: spec.topic,
            key: spec.key(v.event as never),
            value: deps.codec.encode(spec.name, v.event as never),
          }),
        );
        results.push({ status: 'accepted', event_id });
      }
      try {
        await Promise.all(sends);
      } catch (err) {
        throw new TransportError(SDK_ERROR_CODES.kafka, `Kafka produce failed: ${messageOf(err)}`, {
          retriable: true,
          cause: err,
        });
      }
      return results;
    },
    async close() {
      if (closed) return;
      closed = true;
      await producer.close();
    },
  };
}
