/**
 * Errors the SDK throws or reports. Browser-safe (no Node imports). Every code is stable and
 * documented in producers/sdk/README.md.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const SDK_ERROR_CODES = {
  /** An option of createBackbeatClient or a transport is invalid. */
  configInvalid: 'SDK_CONFIG_INVALID',
  /** A user-scoped event (playback, skip, follow) was emitted by a client without a context. */
  contextMissing: 'SDK_CONTEXT_MISSING',
  /** The caller passed something that is not an event payload object. */
  eventInvalid: 'SDK_EVENT_INVALID',
  /** The queue is full and the overflow policy is 'reject' (retriable: try again later). */
  queueFull: 'SDK_QUEUE_FULL',
  /** A method was called after close(). */
  closed: 'SDK_CLOSED',
  /** The transport answered a number of results different from the batch size. */
  transportProtocol: 'SDK_TRANSPORT_PROTOCOL',
  /** Network failure, timeout or retriable HTTP status (408, 429, 5xx). */
  network: 'SDK_NETWORK',
  timeout: 'SDK_TIMEOUT',
  http: 'SDK_HTTP',
  /** The gateway answered 2xx with a body the SDK cannot read. */
  badResponse: 'SDK_BAD_RESPONSE',
  /** The gateway answered 413 to a batch of several events: the client splits it. */
  batchTooLarge: 'SDK_BATCH_TOO_LARGE',
  /** Kafka refused or failed a produce request. */
  kafka: 'SDK_KAFKA',
} as const;

/**
 * A failed send of a whole batch. `retriable` says whether the client should try the same batch
 * again; `retryAfterMs` is the server's Retry-After, which the client's backoff honours.
 */
export class TransportError extends BackbeatError {
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    code: string,
    message: string,
    opts: { retriable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(code, message, { retriable: opts.retriable, cause: opts.cause });
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

/** True when an error (from any transport) says the same operation may succeed later. */
export function isRetriable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true
  );
}

/**
 * True when an error says the transport cannot be reached at all (the network, a timeout, a
 * gateway answering 502/503/504, Kafka unreachable), as opposed to a refusal of this batch.
 * During an outage the client keeps its events and probes without a retry limit.
 */
export function isOutage(err: unknown): boolean {
  if (!isRetriable(err)) return false;
  const { code, status } = err as { code?: unknown; status?: unknown };
  if (code === SDK_ERROR_CODES.network || code === SDK_ERROR_CODES.timeout) return true;
  if (code === SDK_ERROR_CODES.kafka) return true;
  return code === SDK_ERROR_CODES.http && (status === 502 || status === 503 || status === 504);
}

/** The server-requested delay an error carries, if any (any transport may set `retryAfterMs`). */
export function retryAfterOf(err: unknown): number | undefined {
  const v =
    typeof err === 'object' && err !== null
      ? (err as { retryAfterMs?: unknown }).retryAfterMs
      : undefined;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
