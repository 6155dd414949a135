import type { EventCatalogue, EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { isEventTypeName, isListenerEvent } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent, type FieldError } from '../../schemas/catalogue/event-validation.js';
import { isUuid } from '../../common/ids/uuidv7.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { EventTypeName } from '../../schemas/generated/events.types.js';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { describeError, Outcome } from '../../common/outcome/outcome.js';
import { inDoubt, KafkaNotConfirmed } from './kafka-not-confirmed.js';

/** One event's answer on the wire (the response shape of POST /v1/events). */
export type EventResult =
  | { index: number; event_id: string; status: 'accepted' | 'duplicate' }
  | { index: number; event_id?: string; status: 'rejected'; errors: FieldError[] };

/**
 * One event's verdict, in the outcome vocabulary of common/outcome: `ok` accepted (Kafka
 * confirmed it), `dlq` refused with its field errors, `drop` a repeat of an event_id earlier in
 * the batch (sent once), `retry` not confirmed by Kafka (`cause`: its delivery error).
 */
export interface EventVerdict {
  index: number;
  event_id?: string;
  outcome: Outcome;
  /** A `dlq`'s field errors, as the answer lists them. */
  errors?: FieldError[];
  /** A `retry`'s delivery error. */
  cause?: unknown;
}

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
  verdicts: EventVerdict[];
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
  /** Set for a listener token: only that user's own listener events are taken. */
  bind: { userId?: string } = {},
): Promise<IngestOutcome> {
  const judged = judgeBatch(items, deps.catalogue, deps.now(), bind);
  const verdicts = await produce(judged, deps);
  const retry = verdicts.filter((v) => v.outcome.kind === 'retry');
  if (retry.length)
    throw new KafkaNotConfirmed(retry[0]!.cause, {
      written: judged.filter((j) => j.accepted).length - retry.length,
      failed: retry.length,
      inDoubt: retry.some((v) => inDoubt(v.cause)),
    });
  return { verdicts, results: verdicts.map(toEventResult), acceptedByType: countByType(judged) };
}

/** An event that passed validation, ready to encode. */
interface Accepted {
  type: EventTypeName;
  spec: EventTypeSpec;
  event: Record<string, unknown> & { event_id: string };
}

type Judged = { verdict: EventVerdict; accepted?: Accepted };

/** Validates each event on its own; a repeat of an event_id earlier in the batch is dropped. */
function judgeBatch(
  items: readonly unknown[],
  catalogue: EventCatalogue,
  receivedAt: number,
  bind: { userId?: string },
): Judged[] {
  const seen = new Set<string>();
  return items.map((item, index) => {
    const judged = judgeEvent(item, index, catalogue, receivedAt, bind);
    const id = judged.accepted?.event.event_id;
    if (id === undefined) return judged;
    if (seen.has(id))
      return { verdict: { index, event_id: id, outcome: Outcome.drop('duplicate event_id') } };
    seen.add(id);
    return judged;
  });
}

function judgeEvent(
  item: unknown,
  index: number,
  catalogue: EventCatalogue,
  receivedAt: number,
  bind: { userId?: string },
): Judged {
  const parsed = envelope(item);
  if ('errors' in parsed) return refused(index, parsed.errors, parsed.event_id);
  const spec = catalogue[parsed.type] as EventTypeSpec;
  const event = canonicalIds(parsed.event);
  const v = validateEvent(spec, { ...event, received_time: receivedAt }, receivedAt);
  if (!v.ok)
    return refused(
      index,
      v.errors.map((e) => ({ ...e, path: `/event${e.path}` })),
      echoId(event.event_id),
    );
  const valid = v.event as unknown as Accepted['event'];
  const foreign = bind.userId === undefined ? undefined : boundUserError(spec, valid, bind.userId);
  if (foreign) return refused(index, [foreign], valid.event_id);
  return {
    verdict: { index, event_id: valid.event_id, outcome: Outcome.ok() },
    accepted: { type: parsed.type, spec, event: valid },
  };
}

function refused(index: number, errors: FieldError[], eventId: string | undefined): Judged {
  const reason = errors.map((e) => `${e.path || '/'}: ${e.reason}`).join('; ');
  return {
    verdict: {
      index,
      outcome: Outcome.dlq(reason),
      errors,
      ...(eventId ? { event_id: eventId } : {}),
    },
  };
}

/** The Kafka record of an accepted event: its type's topic and key, Avro-encoded. */
function encode(a: Accepted, codec: IngestDeps['codec']): Parameters<SendToKafka>[0] {
  return {
    topic: a.spec.topic,
    key: a.spec.key(a.event as never),
    value: codec.encode(a.type, a.event as never),
  };
}

/**
 * Encodes and sends the accepted events concurrently and waits for every delivery report: an
 * event Kafka did not confirm becomes a `retry`.
 */
async function produce(judged: readonly Judged[], deps: IngestDeps): Promise<EventVerdict[]> {
  const sends = judged.map((j) => (j.accepted ? deps.send(encode(j.accepted, deps.codec)) : null));
  const settled = await Promise.all(
    sends.map((p) =>
      p?.then(
        () => undefined,
        (err: unknown) => ({ err }),
      ),
    ),
  );
  return judged.map(({ verdict }, i) => {
    const failure = settled[i];
    return failure
      ? { ...verdict, outcome: Outcome.retry(describeError(failure.err)), cause: failure.err }
      : verdict;
  });
}

/** A verdict as the answer says it: ok accepted, drop duplicate, dlq rejected. */
function toEventResult(v: EventVerdict): EventResult {
  switch (v.outcome.kind) {
    case 'ok':
      return { index: v.index, event_id: v.event_id!, status: 'accepted' };
    case 'drop':
      return { index: v.index, event_id: v.event_id!, status: 'duplicate' };
    case 'dlq':
      return {
        index: v.index,
        status: 'rejected',
        errors: v.errors ?? [],
        ...(v.event_id ? { event_id: v.event_id } : {}),
      };
    case 'retry':
      // A batch with an event Kafka did not confirm fails as a whole (KafkaNotConfirmed).
      throw new InternalError(
        `event ${v.index} is to be retried; its batch has no per-event answer`,
      );
  }
}

function countByType(judged: readonly Judged[]): Map<EventTypeName, number> {
  const byType = new Map<EventTypeName, number>();
  for (const { accepted } of judged)
    if (accepted) byType.set(accepted.type, (byType.get(accepted.type) ?? 0) + 1);
  return byType;
}

/** The UUID fields every event type may carry; compared and stored in lower case. */
const UUID_FIELDS = [
  'event_id',
  'playback_id',
  'playlist_id',
  'item_id',
  'after_position_id',
] as const;

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
 * Why a listener token may not send this event: only listener events (those with user_id:
 * user-scoped ones and playlist edits) whose user_id is the token's user (a listener writes for
 * no one else, and never catalogue or finance events). Whether the user may edit that playlist
 * is the playlist projection's to decide (an edit by anyone else is dead-lettered there).
 */
function boundUserError(
  spec: EventTypeSpec,
  event: unknown,
  userId: string,
): FieldError | undefined {
  if (!isListenerEvent(spec.name))
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
