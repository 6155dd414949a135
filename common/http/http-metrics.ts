import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The request metrics of an HTTP process, one pair per process: a counter of requests answered
 * and a histogram of the time taken to answer them. The API counts by route template, method and
 * status (`http_requests_total`, `http_request_duration_seconds`); the gateway counts its one
 * ingest route by outcome (`backbeat_gateway_requests_total`, `backbeat_gateway_batch_seconds`).
 */
export interface RequestMetricsSpec<R extends string, D extends string> {
  requests: { name: string; help: string; labelNames: readonly R[] };
  duration: { name: string; help: string; labelNames: readonly D[]; buckets: readonly number[] };
}

export interface RequestMetrics<R extends string, D extends string> {
  requests: Counter<R>;
  latency: Histogram<D>;
}

export function createRequestMetrics<R extends string, D extends string>(
  registry: Registry,
  spec: RequestMetricsSpec<R, D>,
): RequestMetrics<R, D> {
  return {
    requests: new Counter({
      name: spec.requests.name,
      help: spec.requests.help,
      labelNames: spec.requests.labelNames,
      registers: [registry],
    }),
    latency: new Histogram({
      name: spec.duration.name,
      help: spec.duration.help,
      labelNames: spec.duration.labelNames,
      buckets: [...spec.duration.buckets],
      registers: [registry],
    }),
  };
}

/**
 * `http_requests_total{route,method,status}` and `http_request_duration_seconds{route,method}`,
 * labelled by route template (never the raw path, so cardinality stays bounded).
 */
export const HTTP_REQUEST_METRICS = {
  requests: {
    name: 'http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
  },
  duration: {
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
} satisfies RequestMetricsSpec<string, string>;

/** The HTTP metrics of a request-serving process (see HTTP_REQUEST_METRICS). */
export function createHttpMetrics(registry: Registry) {
  return createRequestMetrics(registry, HTTP_REQUEST_METRICS);
}

/** A stopwatch started now: each call answers the seconds since, at nanosecond resolution. */
export function startTimer(): () => number {
  const started = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - started) / 1e9;
}
