import { BackbeatError } from '../../common/errors/backbeat.error.js';

/**
 * Kafka did not confirm every event of a batch. `written` events were confirmed (the others'
 * partitions failed); `inDoubt` when a failure may have been written anyway (a delivery
 * timeout: the broker may have taken the message and not answered). Only with nothing written
 * and nothing in doubt may the caller say "not written" (503).
 */
export class KafkaNotConfirmed extends BackbeatError {
  constructor(
    readonly first: unknown,
    readonly outcome: { written: number; failed: number; inDoubt: boolean },
  ) {
    super('KAFKA_NOT_CONFIRMED', (first as Error)?.message ?? String(first), { retriable: true });
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
