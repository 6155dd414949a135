import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { isEventTypeName } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent, type FieldError } from '../../schemas/catalogue/event-validation.js';
import { isUuid } from '../../common/ids/uuidv7.js';
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
 * Validates every event of a batch on its own (its UUIDs in lower case first: canonicalIds),
 * stamps `received_time`, sends the good ones to
 * Kafka concurrently and answers per event. A repeated event_id within a batch is sent once and
 * answered `duplicate`. Throws KafkaNotConfirmed when Kafka did not confirm every event (after
 * every send settled): then nothing is acknowledged as accepted, and the caller answers 503
 * only when nothing was written (a client retry is safe: event_id is the idempotency key).
 */
export async function ingestBatch(
  items: readonly unknown[],
  deps: IngestDeps,
  /** Set for a listener token: only that user's own user-scoped events are taken. */
  bind: { userId?: string } = {},
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
    const event = canonicalIds(parsed.event);
    const v = validateEvent(spec, { ...event, received_time: receivedAt }, receivedAt);
    const eventId = echoId(event.event_id);
    if (!v.ok) {
      results.push({
        index,
        status: 'rejected',
        errors: v.errors.map((e) => ({ ...e, path: `/event${e.path}` })),
        ...(eventId ? { event_id: eventId } : {}),
      });
      return;
    }
    const foreign =
      bind.userId === undefined ? undefined : boundUserError(spec, v.event, bind.userId);
    if (foreign) {
      results.push({ index, status: 'rejected', errors: [foreign], event_id: v.event.event_id });
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

  const settled = await Promise.allSettled(sends);
  const failed = settled.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed.length)
    throw new KafkaNotConfirmed(failed[0]!.reason, {
      written: settled.length - failed.length,
      failed: failed.length,
      inDoubt: failed.some((f) => inDoubt(f.reason)),
    });
  return { results, acceptedByType };
}

/**
 * Kafka did not confirm every event of a batch. `written` events were confirmed (the others'
 * partitions failed); `inDoubt` when a failure may have been written anyway (a delivery
 * timeout: the broker may have taken the message and not answered). Only with nothing written
 * and nothing in doubt may the caller say "not written" (503).
 */
export class KafkaNotConfirmed extends Error {
  constructor(
    readonly first: unknown,
    readonly outcome: { written: number; failed: number; inDoubt: boolean },
  ) {
    super((first as Error)?.message ?? String(first));
    this.name = 'KafkaNotConfirmed';
  }
  /** Nothing of the batch was written, for certain. */
  get notWritten(): boolean {
    return this.outcome.written === 0 && !this.outcome.inDoubt;
  }
}

/**
 * librdkafka errors that say a message was not written (RD_KAFKA_MSG_STATUS_NOT_PERSISTED):
 * queue full, unknown topic or partition, message too large, purged from the queue.
 */
const NOT_WRITTEN_CODES = new Set([-184, -188, -190, -152, 10]);

/**
 * Whether a delivery failure may have been written anyway. By allow list: only a record never
 * handed to librdkafka (KAFKA_NOT_QUEUED) or a failure whose code says "not persisted" is
 * certain; anything else is in doubt. librdkafka raises its message timeout (ERR__MSG_TIMED_OUT)
 * also for a message sent to a broker that then did not answer
 * (RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED, which node-rdkafka does not expose), and the gateway's
 * safety-net timer (KAFKA_TIMEOUT) knows nothing either.
 */
export function inDoubt(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (e?.code === 'KAFKA_NOT_QUEUED') return false;
  const code = e?.cause?.code;
  return !(typeof code === 'number' && NOT_WRITTEN_CODES.has(code));
}

/** The UUID fields every event type may carry; compared and stored in lower case. */
const UUID_FIELDS = ['event_id', 'playback_id'] as const;

/**
 * The event with its UUIDs in canonical (lower-case) form, so that one id sent in two letter
 * cases is one id everywhere downstream (idempotency keys, playback ids). A value that is not a
 * UUID is left as sent, for validation to refuse.
 */
export function canonicalIds(event: Record<string, unknown>): Record<string, unknown> {
  let out = event;
  for (const f of UUID_FIELDS) {
    const v = event[f];
    if (isUuid(v) && v !== v.toLowerCase()) {
      if (out === event) out = { ...event };
      out[f] = v.toLowerCase();
    }
  }
  return out;
}

/** An event_id as a rejection may echo it: a string of a sane length (never a 900 kB value). */
function echoId(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
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
    typeof event === 'object' && event !== null
      ? echoId((event as Record<string, unknown>).event_id)
      : undefined;
  if (!isEventTypeName(type))
    errors.push({ path: '/type', reason: `unknown event type ${JSON.stringify(type)}` });
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    errors.push({ path: '/event', reason: 'expected the event as a JSON object' });
  if (errors.length) return { errors, ...(eventId ? { event_id: eventId } : {}) };
  return { type: type as EventTypeName, event: event as Record<string, unknown> };
}

/**
 * Why a listener token may not send this event: only user-scoped events whose user_id is the
 * token's user (a listener writes for no one else, and never catalogue or finance events).
 */
function boundUserError(
  spec: EventTypeSpec,
  event: unknown,
  userId: string,
): FieldError | undefined {
  if (spec.scope !== 'user')
    return {
      path: '/type',
      reason: `a listener token may not send ${spec.name} events (use a server-side app key)`,
    };
  const own = (event as { user_id?: unknown }).user_id;
  if (own !== userId)
    return {
      path: '/event/user_id',
      reason: `a listener token for ${userId} may only send events with user_id ${userId}`,
    };
  return undefined;
}
