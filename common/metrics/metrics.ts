import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A per-process Prometheus registry with Node's default metrics and a `service` label. The
 * request metrics of an HTTP process are in common/http/http-metrics.ts.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
