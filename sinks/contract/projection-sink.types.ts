/**
 * The contract between a projection and the store it writes to, imported by both sides: a
 * projection's plan is applied by a sink together with the Kafka offsets that produced it.
 * Processors (projections, runtime) and sinks each depend on this module, never on each other.
 */

/** Where a message came from. */
export interface Coordinates {
  topic: string;
  partition: number;
  offset: number;
}

/** Offsets of one batch for one partition: the sink advances its stored offset to `to`. */
export interface OffsetRange {
  topic: string;
  partition: number;
  /** First offset of the batch in this partition. */
  from: number;
  /** Last offset of the batch in this partition. */
  to: number;
}

export const partitionKey = (c: { topic: string; partition: number }) =>
  `${c.topic}:${c.partition}`;

/** What a stateful projection's plan is given: stored values by key, and applied event ids. */
export interface StoredState {
  values: ReadonlyMap<string, string | null>;
  seen: ReadonlySet<string>;
}

/** A message the store refused for what it holds (never for an outage), with the store's reason. */
export interface Rejected extends Coordinates {
  reason: string;
}

/**
 * What a sink may call while it applies a batch: `reject` dead-letters the messages the store
 * refused (resolving once they are written), before the sink stores the batch's offsets.
 */
export interface ApplyHooks {
  reject?(rejected: readonly Rejected[]): Promise<void>;
}

/**
 * Where a projection's state lives. `apply` writes a planned batch and the offsets that
 * produced it atomically; it answers 'conflict' (and changes nothing) unless every partition's
 * batch starts right after that partition's stored offset (Backbeat's topics are neither
 * transactional nor compacted, so offsets are contiguous): a redelivery, another instance that
 * owns the partition now, or a rebuilt generation swapped in. The runtime then repositions the
 * partition from the stored offsets. A failing store throws a retriable error.
 */
export interface ProjectionSink<Plan> {
  name: string;
  /** The last applied offset per partition key (`topic:partition`); absent = nothing applied. */
  readOffsets(
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<Map<string, number>>;
  apply(
    plan: Plan,
    ranges: readonly OffsetRange[],
    hooks?: ApplyHooks,
  ): Promise<'applied' | 'conflict'>;
  /**
   * For a stateful projection (processor.types.ts `stateKeys`): the values of `keys` (relative
   * to the projection's namespace; null when absent) and which of `eventIds` the sink has
   * already applied, as the store holds them now. Read before a batch is planned; the apply's
   * offset check then guarantees nothing else wrote those keys in between (a state key belongs
   * to one partition). A failing store throws a retriable error.
   */
  readState?(keys: readonly string[], eventIds: readonly string[]): Promise<StoredState>;
  /** Removes every key/row and offset of this projection (rebuild). */
  drop?(): Promise<void>;
  close?(): Promise<void>;
}
