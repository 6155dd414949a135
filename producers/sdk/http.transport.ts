/**
 * Sends batches to the ingest gateway (`POST ${url}/v1/events`) with fetch. Browser-safe: no
 * Node imports, no Buffer. How each answer maps:
 *
 * | gateway answer | result |
 * | --- | --- |
 * | 200, 207, 400 with per-event `results` | one DeliveryResult per event, by `index` |
 * | 401, 403, 413, 415, other 4xx | every event rejected with the status and the gateway's message |
 * | 408, 429, 5xx, network error, timeout | throws a retriable TransportError (`retryAfterMs` from Retry-After) |
 * | 200/207 with a body that cannot be read | throws a retriable TransportError (the batch is resent; event ids make that safe) |
 *
 * Error paths are JSON Pointers into the event (`/end_reason`), as the Kafka transport reports
 * them: the gateway's `/event/end_reason` (a pointer into the batch item) loses its `/event`.
 */
import { SDK_ERROR_CODES, TransportError, messageOf } from './sdk.errors.js';
import type {
  DeliveryResult,
  EventError,
  OutgoingEvent,
  SendOptions,
  Transport,
} from './sdk.types.js';

export interface HttpTransportConfig {
  /**
   * The gateway: its base URL (https://ingest.example.com, a trailing slash is fine) or the
   * events endpoint itself (https://ingest.example.com/v1/events). http or https only.
   */
  url: string;
  /** The gateway's GATEWAY_MAX_EVENTS (default 500): the client never sends a bigger batch. */
  maxEvents?: number;
  /** The gateway's GATEWAY_MAX_BODY_BYTES (default 1 MiB): batches are cut under it. */
  maxBodyBytes?: number;
  apiKey: string;
  /** Per request, including reading the answer (default 10,000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const EVENTS_PATH = '/v1/events';
const DEFAULT_TIMEOUT_MS = 10_000;
export const GATEWAY_DEFAULT_MAX_EVENTS = 500;
export const GATEWAY_DEFAULT_MAX_BODY_BYTES = 1_048_576;
const RETRIABLE_STATUS = new Set([408, 429]);
const STATUS_TEXT: Record<number, string> = {
  401: 'unauthorized: the API key was refused',
  403: 'forbidden: the API key may not send events',
  413: 'batch too large for the gateway (lower maxBatchSize)',
  415: 'unsupported media type: the gateway expects application/json',
};

interface GatewayResult {
  index: number;
  event_id?: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  errors?: EventError[];
}

export function createHttpTransport(config: HttpTransportConfig): Transport {
  if (!config.url)
    throw new TransportError(SDK_ERROR_CODES.configInvalid, 'url is required', {
      retriable: false,
    });
  if (!config.apiKey)
    throw new TransportError(SDK_ERROR_CODES.configInvalid, 'apiKey is required', {
      retriable: false,
    });
  const endpoint = eventsEndpoint(config.url);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Unbound window.fetch throws "Illegal invocation" in browsers: always call it through globalThis.
  const doFetch: typeof fetch = config.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let closed = false;

  async function send(batch: OutgoingEvent[], opts?: SendOptions): Promise<DeliveryResult[]> {
    if (closed)
      throw new TransportError(SDK_ERROR_CODES.closed, 'HTTP transport is closed', {
        retriable: false,
      });
    if (batch.length === 0) return [];
    const body = JSON.stringify({
      events: batch.map((e) => ({ type: e.type, event: canonicalIds(e.event) })),
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${config.apiKey}`,
        },
        body,
        signal: controller.signal,
        // Page unload: the request outlives the page (the body must stay under 64 KiB).
        ...(opts?.keepalive ? { keepalive: true } : {}),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      throw timedOut
        ? new TransportError(
            SDK_ERROR_CODES.timeout,
            `POST ${endpoint} timed out after ${timeoutMs} ms`,
            {
              retriable: true,
              cause: err,
            },
          )
        : new TransportError(
            SDK_ERROR_CODES.network,
            `POST ${endpoint} failed: ${messageOf(err)}`,
            {
              retriable: true,
              cause: err,
            },
          );
    } finally {
      clearTimeout(timer);
    }
    return answer(batch, status, retryAfter, text);
  }

  function answer(batch: OutgoingEvent[], status: number, retryAfter: string | null, text: string) {
    const json = parseJson(text);
    const said = gatewayMessage(json);
    if (RETRIABLE_STATUS.has(status) || status >= 500) {
      const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
      throw new TransportError(
        SDK_ERROR_CODES.http,
        `gateway answered ${status}: ${said ?? (text.slice(0, 200) || 'no body')}`,
        { retriable: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      );
    }
    if (status === 200 || status === 207 || status === 400) {
      const results = perEventResults(batch, json);
      if (results) return results;
    }
    if (status >= 200 && status < 300)
      throw new TransportError(
        SDK_ERROR_CODES.badResponse,
        `gateway answered ${status} without a result for each of the ${batch.length} events`,
        { retriable: true, status },
      );
    const known = STATUS_TEXT[status];
    const detail = said ?? (text.slice(0, 200) || undefined);
    // Too large for this gateway (a lower GATEWAY_MAX_EVENTS or body limit than the transport
    // was told): the client splits the batch and sends the halves.
    if (status === 413 && batch.length > 1)
      throw new TransportError(
        SDK_ERROR_CODES.batchTooLarge,
        `HTTP 413: ${[known, detail].filter(Boolean).join(': ')}`,
        { retriable: false, status },
      );
    // Not retriable (400 without results, 401, 403, 413 for one event, 415, other 4xx): every
    // event is refused for the same reason.
    const reason = `HTTP ${status}: ${[known, detail].filter(Boolean).join(': ') || 'refused'}`;
    return batch.map((e): DeliveryResult => ({
      status: 'rejected',
      event_id: e.event.event_id,
      errors: [{ path: '', reason }],
    }));
  }

  return {
    send,
    close: async () => {
      closed = true;
    },
    limits: {
      maxBatchSize: config.maxEvents ?? GATEWAY_DEFAULT_MAX_EVENTS,
      maxBatchBytes: config.maxBodyBytes ?? GATEWAY_DEFAULT_MAX_BODY_BYTES,
    },
  };
}

/**
 * `<base>/v1/events` from a base URL or the endpoint itself; throws SDK_CONFIG_INVALID for a
 * malformed URL, a scheme other than http(s), credentials, a query or a fragment.
 */
export function eventsEndpoint(url: string): string {
  let u: URL;
  const bad = (why: string) =>
    new TransportError(
      SDK_ERROR_CODES.configInvalid,
      `url ${JSON.stringify(url)} ${why}; expected the gateway, e.g. https://ingest.example.com or https://ingest.example.com${EVENTS_PATH}`,
      { retriable: false },
    );
  try {
    u = new URL(url);
  } catch {
    throw bad('is not a valid absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw bad(`has the scheme ${u.protocol.replace(/:$/, '')}, not http or https`);
  if (u.username || u.password) throw bad('must not carry credentials (use apiKey)');
  if (u.search || u.hash) throw bad('must not have a query or a fragment');
  const base = u.pathname.replace(/\/+$/, '').replace(/\/v1\/events$/, '');
  return `${u.origin}${base}${EVENTS_PATH}`;
}

/** Event ids in lower case (the canonical UUID form), whatever the caller built. */
function canonicalIds<E extends { event_id: string }>(event: E): E {
  const id = event.event_id;
  return typeof id === 'string' && id !== id.toLowerCase()
    ? { ...event, event_id: id.toLowerCase() }
    : event;
}

/** A gateway error path (a pointer into the batch item) as a pointer into the event. */
export function eventPointer(path: string): string {
  if (path === '/event') return '';
  if (path.startsWith('/event/')) return path.slice('/event'.length);
  return path;
}

/** One result per event by `index`, or undefined when the body does not cover every event. */
function perEventResults(batch: OutgoingEvent[], json: unknown): DeliveryResult[] | undefined {
  const list = (json as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(list)) return undefined;
  const out: (DeliveryResult | undefined)[] = new Array(batch.length).fill(undefined);
  for (const raw of list as GatewayResult[]) {
    if (!raw || !Number.isInteger(raw.index) || raw.index < 0 || raw.index >= batch.length)
      return undefined;
    const event_id = batch[raw.index]!.event.event_id;
    if (raw.status === 'accepted' || raw.status === 'duplicate')
      out[raw.index] = { status: raw.status, event_id };
    else if (raw.status === 'rejected')
      out[raw.index] = {
        status: 'rejected',
        event_id,
        errors: Array.isArray(raw.errors)
          ? raw.errors.map((e) => ({
              path: eventPointer(String(e?.path ?? '')),
              reason: String(e?.reason ?? 'rejected'),
            }))
          : [{ path: '', reason: 'rejected by the gateway' }],
      };
    else return undefined;
  }
  return out.every((r) => r !== undefined) ? (out as DeliveryResult[]) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The gateway's explanation: RFC 9457 problem details (title, detail), or message / error. */
function gatewayMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const j = json as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const problem = [str(j.title), str(j.detail)].filter(Boolean).join(': ');
  return problem || str(j.message) || str(j.error);
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
