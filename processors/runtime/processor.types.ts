import type { EventTypeMap, EventTypeName } from '../../schemas/generated/events.types.js';

import type { Coordinates } from '../../sinks/contract/projection-sink.types.js';

/** A decoded event with its Kafka coordinates. */
export interface Envelope<N extends EventTypeName = EventTypeName> extends Coordinates {
  type: N;
  event: EventTypeMap[N];
  schemaId: number;
}

export type AnyEnvelope = { [N in EventTypeName]: Envelope<N> }[EventTypeName];

/** Per-message outcome of a projection's pure planning step. */
export type Outcome = { kind: 'ok' } | { kind: 'dlq'; reason: string };

/**
 * A projection: a pure function from a batch of events to a plan for its sink, plus a
 * per-event outcome (an event it cannot apply goes to the dead-letter topic with a reason).
 */
export interface Projection<Plan> {
  name: string;
  /** Event types it reads (their topics are subscribed). */
  types: readonly EventTypeName[];
  plan(batch: readonly AnyEnvelope[]): { plan: Plan; outcomes: Outcome[] };
}
