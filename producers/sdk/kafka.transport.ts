/**
 * Sends batches straight to Kafka (Node only): the traffic simulator and back-end producers use
 * it instead of the gateway. Each event is stamped with `received_time` (when absent), checked
 * with validateEvent (Avro schema and Backbeat's rules) and, when valid, encoded as
 * registry-framed Avro and produced to its type's topic, keyed by user id, track id or
 * market:period. Invalid events are answered `rejected` with their errors and never reach Kafka.
 *
 * The producer is idempotent with acks=-1 and one request in flight, so a retried batch neither
 * duplicates nor reorders what the broker already has. It never creates topics (see
 * ensureEventTopics in schemas/catalogue/event-topics.ts).
 */
import { Kafka, Partitioners, logLevel, type Message, type Producer } from 'kafkajs';
import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent } from '../../schemas/catalogue/event-validation.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { SDK_ERROR_CODES, TransportError, messageOf } from './sdk.errors.js';
import type {
  DeliveryResult,
  EventTypeMap,
  EventTypeName,
  OutgoingEvent,
  Transport,
} from './sdk.types.js';

export interface KafkaTransportConfig {
  brokers: string[];
  clientId: string;
}

export interface KafkaTransportDeps {
  codec: AvroCodec;
  catalogue: EventCatalogue;
  /** Receive-time clock (default Date.now). */
  now?: () => number;
}

export function createKafkaTransport(
  config: KafkaTransportConfig,
  deps: KafkaTransportDeps,
): Transport {
  const now = deps.now ?? (() => Date.now());
  const kafka = new Kafka({
    clientId: `${config.clientId}-sdk`,
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java's murmur2 partitioning, as Kafka's own clients and Kafka Streams use.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let ready: Promise<void> | undefined;
  let closed = false;

  /** Connects and registers the schemas once; a failure is forgotten so the next send retries. */
  function connect(): Promise<void> {
    if (ready) return ready;
    const p = Promise.all([producer.connect(), deps.codec.init()]).then(() => undefined);
    p.catch(() => {
      if (ready === p) ready = undefined;
    });
    return (ready = p);
  }

  async function send(batch: OutgoingEvent[]): Promise<DeliveryResult[]> {
    if (closed)
      throw new TransportError(SDK_ERROR_CODES.closed, 'Kafka transport is closed', {
        retriable: false,
      });
    const receivedAt = now();
    const results: DeliveryResult[] = [];
    const valid: { index: number; spec: EventTypeSpec; event: EventTypeMap[EventTypeName] }[] = [];
    batch.forEach(({ type, event }, index) => {
      const spec = deps.catalogue[type] as EventTypeSpec | undefined;
      const event_id = String((event as { event_id?: unknown }).event_id ?? '');
      if (!spec) {
        const reason = `unknown event type ${JSON.stringify(type)}`;
        results.push({ status: 'rejected', event_id, errors: [{ path: '', reason }] });
        return;
      }
      // Canonical (lower-case) event ids, as the HTTP transport and the gateway write them.
      const stamped = {
        ...event,
        event_id:
          typeof event.event_id === 'string' ? event.event_id.toLowerCase() : event.event_id,
        received_time: event.received_time ?? receivedAt,
      };
      const v = validateEvent(spec, stamped, receivedAt);
      if (v.ok) valid.push({ index, spec, event: v.event });
      results.push(
        v.ok
          ? { status: 'accepted', event_id }
          : { status: 'rejected', event_id, errors: v.errors },
      );
    });
    if (valid.length === 0) return results;

    try {
      await connect();
    } catch (err) {
      throw kafkaError('cannot connect to Kafka or register the schemas', err);
    }
    const byTopic = new Map<string, Message[]>();
    for (const { index, spec, event } of valid) {
      let value: Buffer;
      try {
        value = deps.codec.encode(spec.name, event);
      } catch (err) {
        // validateEvent and the codec use the same schema; this is a safety net, not a path.
        const reason = messageOf(err);
        results[index] = {
          status: 'rejected',
          event_id: event.event_id,
          errors: [{ path: '', reason }],
        };
        continue;
      }
      const messages = byTopic.get(spec.topic) ?? [];
      messages.push({ key: spec.key(event), value });
      byTopic.set(spec.topic, messages);
    }
    if (byTopic.size === 0) return results;
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      throw kafkaError('Kafka produce failed', err);
    }
    return results;
  }

  return {
    send,
    close: async () => {
      if (closed) return;
      closed = true;
      await ready?.catch(() => undefined);
      await producer.disconnect();
    },
  };
}

function kafkaError(what: string, err: unknown): TransportError {
  return new TransportError(SDK_ERROR_CODES.kafka, `${what}: ${messageOf(err)}`, {
    retriable: true,
    cause: err,
  });
}
