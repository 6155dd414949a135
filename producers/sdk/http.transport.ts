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
 */
import { SDK_ERROR_CODES, TransportError, messageOf } from './sdk.errors.js';
import type { DeliveryResult, EventError, OutgoingEvent, Transport } from './sdk.types.js';

export interface HttpTransportConfig {
  /** Gateway base URL, e.g. https://ingest.example.com (a trailing slash is fine). */
  url: string;
  apiKey: string;
  /** Per request, including reading the answer (default 10,000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const EVENTS_PATH = '/v1/events';
const DEFAULT_TIMEOUT_MS = 10_000;
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
  const endpoint = `${config.url.replace(/\/+$/, '')}${EVENTS_PATH}`;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Unbound window.fetch throws "Illegal invocation" in browsers: always call it through globalThis.
  const doFetch: typeof fetch = config.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let closed = false;

  async function send(batch: OutgoingEvent[]): Promise<DeliveryResult[]> {
    if (closed)
      throw new TransportError(SDK_ERROR_CODES.closed, 'HTTP transport is closed', {
        retriable: false,
      });
    if (batch.length === 0) return [];
    const body = JSON.stringify({ events: batch.map((e) => ({ type: e.type, event: e.event })) });
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
    // Not retriable (400 without results, 401, 403, 413, 415, other 4xx): every event is
    // refused for the same reason.
    const known = STATUS_TEXT[status];
    const detail = said ?? (text.slice(0, 200) || undefined);
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
  };
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
              path: String(e?.path ?? ''),
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
