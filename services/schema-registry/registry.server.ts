/**
 * The registry's HTTP server: the Confluent REST routes, Backbeat's ops routes (`/metrics`,
 * `/healthz`, `/readyz`), a request counter and latency histogram, one structured log line per
 * request, and answers in Confluent's error shape for everything that goes wrong.
 */
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { createRequestMetrics, startTimer } from '../../common/http/http-metrics.js';
import { listen } from '../../common/http/http-server.js';
import { type ReadinessCheck, createOpsRouter } from '../../common/http/ops.router.js';
import type { Logger } from '../../common/logging/logger.js';
import { RegistryError, errors } from './registry.errors.js';
import { requireWriteCredential } from './registry.auth.js';
import { type RegistryCredentials } from '../../schemas/registry/registry-credentials.js';
import type { RegistryOperations } from './registry.operations.js';
import { createRegistryRouter, jsonBody, send } from './registry.routes.js';

export interface RegistryServerConfig {
  host: string;
  port: number;
  /** The credential that mutating calls need (HTTP basic auth); reads stay open. */
  writeAuth: RegistryCredentials;
}

export interface RegistryServerDeps {
  operations: RegistryOperations;
  logger: Logger;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
}

export function createRegistryServer(config: RegistryServerConfig, deps: RegistryServerDeps) {
  const { logger: log, metrics } = deps;
  const { requests, latency } = createRequestMetrics(metrics, {
    requests: {
      name: 'backbeat_schema_registry_requests_total',
      help: 'HTTP requests answered by the schema registry, by method, route and status',
      labelNames: ['method', 'route', 'status'],
    },
    duration: {
      name: 'backbeat_schema_registry_request_duration_seconds',
      help: 'Time to answer a schema registry HTTP request',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    },
  });

  const observe: RequestHandler = (req, res, next) => {
    const elapsed = startTimer();
    res.on('finish', () => {
      const seconds = elapsed();
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route: String(route) };
      requests.inc({ ...labels, status: String(res.statusCode) });
      latency.observe(labels, seconds);
      const line = {
        method: req.method,
        path: req.originalUrl,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        ...(res.locals.error ? { error: res.locals.error } : {}),
      };
      if (res.statusCode >= 500) log.error(line, 'request failed');
      else if (res.statusCode >= 400) log.info(line, 'request refused');
      else log.debug(line, 'request');
    });
    next();
  };

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = (err as { status?: unknown }).status;
    const known =
      err instanceof RegistryError
        ? err
        : // Express's own client errors (a malformed %-escape in a subject: URIError, 400).
          err instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)
          ? errors.badRequest(`bad request: ${(err as Error).message}`)
          : new RegistryError(
              'REGISTRY_INTERNAL',
              500,
              500,
              `Internal Server Error: ${(err as Error).message}`,
              { cause: err },
            );
    res.locals.error = known.message;
    if (known.httpStatus >= 500) log.error({ err }, 'registry error');
    send(res, known.httpStatus, known.toBody());
  };

  const app: Express = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observe);
  app.use(createOpsRouter({ registry: metrics, readiness: deps.readiness }));
  // Before the body is read: an unauthenticated write is refused without reading it.
  app.use(requireWriteCredential(config.writeAuth));
  app.use(jsonBody());
  app.use(createRegistryRouter(deps.operations));
  app.use((req) => {
    throw errors.notFound(req.method, req.path);
  });
  app.use(onError);

  return {
    app,
    /** Listens on `config.host:config.port`; resolves with the bound port and a close(). */
    listen: () => listen(app, config.port, config.host),
  };
}
