import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { isEventTypeName } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent, type FieldError } from '../../schemas/catalogue/event-validation.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { EventTypeName } from '../../schemas/generated/events.types.js';

export type EventResult =
  | { index: number; event_id: string; status: 'accepted' | 'duplicate' }
  | { index: number; event_id?: string; status: 'rejected'; errors: FieldError[] };

/** Hands one record to Kafka; resolves once the broker has confirmed it (acks=all). */
export type SendToKafka = (record: {
  topic: string;
  key: string;
  value: Buffer;
}) => Promise<unknown>;

export interface IngestDeps {
  catalogue: EventCatalogue;
  codec: Pick<AvroCodec, 'encode'>;
  send: SendToKafka;
  now: () => number;
}

export interface IngestOutcome {
  results: EventResult[];
  /** Events that passed validation, by type (for metrics). */
  acceptedByType: Map<EventTypeName, number>;
}

/**
 * Validates every event of a batch on its own, stamps `received_time`, sends the good ones to
 * Kafka concurrently and answers per event. A repeated event_id within a batch is sent once and
 * answered `duplicate`. Throws only when Kafka did not confirm an event: then nothing may be
 * acknowledged as accepted and the caller answers 503 (a client retry is safe: event_id is the
 * idempotency key downstream).
 */
export async function ingestBatch(
  items: readonly unknown[],
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const receivedAt = deps.now();
  const results: EventResult[] = [];
  const seen = new Set<string>();
  const sends: Promise<unknown>[] = [];
  const acceptedByType = new Map<EventTypeName, number>();

  items.forEach((item, index) => {
    const parsed = envelope(item);
    if ('errors' in parsed) {
      results.push({
        index,
        status: 'rejected',
        errors: parsed.errors,
        ...(parsed.event_id ? { event_id: parsed.event_id } : {}),
      });
      return;
    }
    const spec = deps.catalogue[parsed.type] as EventTypeSpec;
    const v = validateEvent(spec, { ...parsed.event, received_time: receivedAt }, receivedAt);
    const eventId = typeof parsed.event.event_id === 'string' ? parsed.event.event_id : undefined;
    if (!v.ok) {
      results.push({
        index,
        status: 'rejected',
        errors: v.errors.map((e) => ({ ...e, path: `/event${e.path}` })),
        ...(eventId ? { event_id: eventId } : {}),
      });
      return;
    }
    const id = v.event.event_id;
    if (seen.has(id)) {
      results.push({ index, event_id: id, status: 'duplicate' });
      return;
    }
    seen.add(id);
    sends.push(
      deps.send({
        topic: spec.topic,
        key: spec.key(v.event as never),
        value: deps.codec.encode(parsed.type, v.event as never),
      }),
    );
    acceptedByType.set(parsed.type, (acceptedByType.get(parsed.type) ?? 0) + 1);
    results.push({ index, event_id: id, status: 'accepted' });
  });

  await Promise.all(sends);
  return { results, acceptedByType };
}

function envelope(
  item: unknown,
):
  | { type: EventTypeName; event: Record<string, unknown> }
  | { errors: FieldError[]; event_id?: string } {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return { errors: [{ path: '', reason: 'expected an object {"type": ..., "event": {...}}' }] };
  const { type, event, ...rest } = item as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(rest).map((k) => ({
    path: `/${k}`,
    reason: 'unknown field (expected only type and event)',
  }));
  const eventId =
    typeof event === 'object' &&
    event !== null &&
    typeof (event as Record<string, unknown>).event_id === 'string'
      ? ((event as Record<string, unknown>).event_id as string)
      : undefined;
  if (!isEventTypeName(type))
    errors.push({ path: '/type', reason: `unknown event type ${JSON.stringify(type)}` });
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    errors.push({ path: '/event', reason: 'expected the event as a JSON object' });
  if (errors.length) return { errors, ...(eventId ? { event_id: eventId } : {}) };
  return { type: type as EventTypeName, event: event as Record<string, unknown> };
}
