import { Counter, Gauge, type Registry } from 'prom-client';
import { createRequestMetrics } from '../../common/http/http-metrics.js';

/** How a POST /v1/events request ended: the `outcome` label of backbeat_gateway_requests_total. */
export type RequestOutcome =
  | 'ok'
  | 'partial'
  | 'rejected'
  | 'unauthorized'
  | 'unsupported_media_type'
  | 'too_large'
  | 'bad_request'
  | 'rate_limited'
  | 'overloaded'
  | 'kafka_unavailable'
  | 'kafka_unconfirmed'
  | 'aborted'
  | 'method_not_allowed';

/** What the gauges read when they are scraped. */
export interface GatewayGauges {
  events: () => number;
  requests: () => number;
  bytes: () => number;
}

/**
 * The gateway's metrics: requests by outcome and the time to answer a batch (the request pair of
 * common/http), events by type and outcome, what is in flight, and the requests shed.
 */
export function createGatewayMetrics(registry: Registry, now: GatewayGauges) {
  const { requests, latency } = createRequestMetrics(registry, {
    requests: {
      name: 'backbeat_gateway_requests_total',
      help: 'POST /v1/events requests by outcome',
      labelNames: ['outcome'],
    },
    duration: {
      name: 'backbeat_gateway_batch_seconds',
      help: 'Time to answer a batch',
      labelNames: [],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  return {
    requests: { inc: (l: { outcome: RequestOutcome }) => requests.inc(l) },
    latency,
    events: new Counter({
      name: 'backbeat_gateway_events_total',
      help: 'Events by type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    inFlight: gauge(
      'backbeat_gateway_in_flight_events',
      'Events handed to Kafka without a delivery report yet (answered or not)',
      now.events,
    ),
    inFlightRequests: gauge(
      'backbeat_gateway_in_flight_requests',
      'POST /v1/events requests admitted and not yet answered',
      now.requests,
    ),
    inFlightBytes: gauge(
      'backbeat_gateway_in_flight_bytes',
      'Body bytes held by admitted requests',
      now.bytes,
    ),
    shed: new Counter({
      name: 'backbeat_gateway_shed_total',
      help: 'Requests refused before their body was read or produced (503), by the limit that shed them',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
