import { randomUUID } from 'node:crypto';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { EventTypeMap, EventTypeName } from '../../schemas/generated/events.types.js';

/**
 * The one builder of decoded envelopes (what the processor runtime hands a projection) for
 * tests: `envelope` wraps an event as it is, `envelopes` makes a stream of fixture events with
 * fresh event ids and contiguous offsets.
 */

/** Where a decoded event came from; each part has a default. */
export interface EnvelopeAt {
  /** Default `backbeat.<type>`. */
  topic?: string;
  /** Default 0. */
  partition?: number;
  /** Default 0. */
  offset?: number;
  /** Default 1. */
  schemaId?: number;
}

/** `event` as the runtime decodes it, at the given (or default) coordinates. */
export function envelope<N extends EventTypeName>(
  type: N,
  event: EventTypeMap[N],
  at: EnvelopeAt = {},
): AnyEnvelope {
  return {
    type,
    event,
    topic: at.topic ?? `backbeat.${type}`,
    partition: at.partition ?? 0,
    offset: at.offset ?? 0,
    schemaId: at.schemaId ?? 1,
  } as AnyEnvelope;
}

export interface EnvelopeStreamOptions {
  /** The fixtures' receive time (`validEvents(now)`). */
  now?: number;
  /** The event_id of the envelope at `offset` (default: a random UUID). */
  eventId?: (offset: number, type: EventTypeName) => string;
  /** The topic of a type (default `backbeat.<type>`). */
  topic?: (type: EventTypeName) => string;
  /** The offset of the first envelope (default 0); each next one is one more. */
  firstOffset?: number;
  partition?: number;
  schemaId?: number;
}

/** Makes one envelope of the stream: the type's valid fixture with a fresh event_id, then `over`. */
export type NextEnvelope = <N extends EventTypeName>(
  type: N,
  over?: Partial<EventTypeMap[N]>,
) => AnyEnvelope;

/** A stream of envelopes with contiguous offsets, as one partition would deliver them. */
export function envelopes(opts: EnvelopeStreamOptions = {}): NextEnvelope {
  const fx = validEvents(opts.now);
  const eventId = opts.eventId ?? (() => randomUUID());
  let offset = opts.firstOffset ?? 0;
  return (type, over = {}) => {
    const at = offset++;
    return envelope(
      type,
      { ...fx[type], event_id: eventId(at, type), ...over },
      {
        topic: opts.topic?.(type),
        partition: opts.partition,
        offset: at,
        schemaId: opts.schemaId,
      },
    );
  };
}
