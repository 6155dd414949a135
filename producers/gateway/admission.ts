/**
 * Admission control for POST /v1/events, decided from the headers before any body byte is read:
 * requests in flight, body bytes in flight (the declared Content-Length, or the bytes of a
 * chunked body counted as they arrive) and events handed to Kafka and not yet reported. A
 * request over a limit is shed at once (503 with Retry-After), so an overloaded gateway spends
 * no parse, validation or encoding on work it will refuse, and the work it admits finishes in a
 * bounded time. Pure: the caller holds a ticket per admitted request and releases it when the
 * answer is sent (or the connection is gone).
 */
export interface AdmissionLimits {
  /** Requests admitted at once (from admission until their answer). */
  maxRequests: number;
  /** Body bytes held at once by admitted requests. */
  maxBytes: number;
  /** Events handed to Kafka and not yet reported (GATEWAY_MAX_IN_FLIGHT). */
  maxEvents: number;
}

export type ShedReason = 'requests' | 'bytes' | 'events';

export interface Ticket {
  /**
   * Counts `n` more body bytes (a chunked body, or one longer than it declared); false when
   * that takes the gateway past its byte budget: the request must then be shed.
   */
  addBytes(n: number): boolean;
  /** Ends the request's share; idempotent. */
  release(): void;
}

export type Admission =
  { ok: true; ticket: Ticket } | { ok: false; reason: ShedReason; detail: string };

export function createAdmission(limits: AdmissionLimits) {
  let requests = 0;
  let bytes = 0;

  function admit(declaredBytes: number | undefined, eventsInFlight: number): Admission {
    if (requests >= limits.maxRequests)
      return {
        ok: false,
        reason: 'requests',
        detail: `${requests} requests are in flight (limit ${limits.maxRequests})`,
      };
    const declared = declaredBytes ?? 0;
    // One request alone may always use the whole budget (a body up to the body limit).
    if (requests > 0 && bytes + declared > limits.maxBytes)
      return {
        ok: false,
        reason: 'bytes',
        detail: `${bytes} body bytes are in flight; ${declared} more exceed the limit of ${limits.maxBytes}`,
      };
    if (eventsInFlight >= limits.maxEvents)
      return {
        ok: false,
        reason: 'events',
        detail: `${eventsInFlight} events are waiting for Kafka (limit ${limits.maxEvents})`,
      };
    requests++;
    bytes += declared;
    let held = declared;
    let counted = 0;
    let released = false;
    return {
      ok: true,
      ticket: {
        addBytes(n: number): boolean {
          if (released) return false;
          counted += n;
          if (counted <= held) return true;
          const more = counted - held;
          if (requests > 1 && bytes + more > limits.maxBytes) return false;
          bytes += more;
          held += more;
          return true;
        },
        release(): void {
          if (released) return;
          released = true;
          requests--;
          bytes -= held;
        },
      },
    };
  }

  return {
    admit,
    snapshot: () => ({ requests, bytes }),
  };
}

export type AdmissionControl = ReturnType<typeof createAdmission>;
