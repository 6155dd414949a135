import type { GatewayConfig } from '../../common/config/app.config.js';
import { createAdmission, type Ticket } from './admission.js';
import type { KafkaHealthState } from './kafka-health.js';
import type { SendToKafka } from './ingest.service.js';
import { pass, refusals, stop, type Step } from './ingest.refusals.js';
import { createRateLimiter } from './rate-limiter.js';

export interface CapacityDeps {
  send: SendToKafka;
  now: () => number;
  /** The producer's own count of events without a delivery report, and Kafka's reachability. */
  kafka?: { inFlight: () => number; health: () => KafkaHealthState };
}

/**
 * What the gateway can take on: admission (requests and body bytes in flight), events waiting
 * for Kafka, the per-caller rate limit and whether Kafka is reachable. Its two checks are the
 * pipeline's `admit` (headers only, before any body byte is read) and `room` (once the batch's
 * size is known, before anything is produced).
 */
export function createCapacity(
  config: Pick<
    GatewayConfig,
    'rateLimit' | 'maxInflightRequests' | 'maxInflightBytes' | 'maxInFlight'
  >,
  deps: CapacityDeps,
) {
  const limiter = createRateLimiter({ perSecond: config.rateLimit }, { now: deps.now });
  const admission = createAdmission({
    maxRequests: config.maxInflightRequests,
    maxBytes: config.maxInflightBytes,
    maxEvents: config.maxInFlight,
  });
  // Without the producer's own count (tests with a stub send): the sends not yet settled.
  let sending = 0;
  const send: SendToKafka = deps.kafka
    ? deps.send
    : (r) => {
        sending++;
        return deps.send(r).finally(() => void sending--);
      };
  const eventsInFlight = deps.kafka ? deps.kafka.inFlight : () => sending;
  const kafkaHealth = deps.kafka?.health ?? (() => ({ up: true, since: 0 }) as KafkaHealthState);
  const kafkaUp = (): Step<void> => {
    const kafka = kafkaHealth();
    return kafka.up
      ? pass(undefined)
      : stop(refusals.kafkaDown(kafka.reason ?? 'Kafka is unreachable'));
  };

  return {
    /** The send to produce with: it keeps the in-flight count when the producer does not. */
    send,
    /** What the in-flight gauges read. */
    gauges: {
      events: eventsInFlight,
      requests: () => admission.snapshot().requests,
      bytes: () => admission.snapshot().bytes,
    },
    /** Kafka reachable and room for one more request of `declared` bytes: its ticket. */
    admit(declared: number | undefined): Step<Ticket> {
      const kafka = kafkaUp();
      if (!kafka.ok) return kafka;
      const a = admission.admit(declared, eventsInFlight());
      return a.ok ? pass(a.ticket) : stop(refusals.overloaded(a.reason, a.detail));
    },
    /** Room for `events` more events of `caller`: its rate, the events in flight, Kafka still up. */
    room(caller: string, events: number): Step<void> {
      const wait = limiter.take(caller, events);
      if (wait > 0) return stop(refusals.rateLimited(wait));
      const pending = eventsInFlight();
      if (pending + events > config.maxInFlight)
        return stop(
          refusals.overloaded(
            'events',
            `${pending} events are waiting for Kafka; ${events} more exceed the limit of ${config.maxInFlight}`,
          ),
        );
      return kafkaUp(); // it may have gone down while the body arrived
    },
  };
}

export type Capacity = ReturnType<typeof createCapacity>;
