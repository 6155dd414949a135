import type { EventTypeMap, EventTypeName } from '../../schemas/generated/events.types.js';

import type { Outcome } from '../../common/outcome/outcome.js';
import type { Coordinates, StoredState } from '../../sinks/contract/projection-sink.types.js';

/** A decoded event with its Kafka coordinates. */
export interface Envelope<N extends EventTypeName = EventTypeName> extends Coordinates {
  type: N;
  event: EventTypeMap[N];
  schemaId: number;
}

export type AnyEnvelope = { [N in EventTypeName]: Envelope<N> }[EventTypeName];

/**
 * A projection: a pure function from a batch of events to a plan for its sink, plus a
 * per-event outcome (common/outcome): `ok`; `dlq` with a reason (an event it can never apply);
 * `drop` (nothing to do, counted); `retry` retries the batch with backoff.
 */
export interface Projection<Plan> {
  name: string;
  /** Event types it reads (their topics are subscribed). */
  types: readonly EventTypeName[];
  /**
   * A stateful projection names the keys its plan reads (relative to its namespace). The
   * runtime reads them, and which of the batch's event ids the sink has already applied,
   * through the sink's `readState` before planning, and passes them to `plan`, which stays
   * pure: same batch and state, same plan. Its plan writes the new values back (`set` ops),
   * applied with the batch's offsets; a batch that raced another writer conflicts and is
   * planned again from fresh state.
   */
  stateKeys?(batch: readonly AnyEnvelope[]): string[];
  plan(batch: readonly AnyEnvelope[], state?: StoredState): { plan: Plan; outcomes: Outcome[] };
}
