import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { createHttpMetrics, startTimer } from './http-metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the client's `X-Request-Id` when well-formed, else a new UUID. */
export function requestIdOf(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The route template that served a request (`/v1/tracks/:trackId`), or `unmatched`: metrics
 * are labelled by template, never by raw path, so their cardinality stays bounded.
 */
export function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (!route || typeof route.path !== 'string') return 'unmatched';
  return `${req.baseUrl}${route.path}` || '/';
}

/**
 * Per request: an `X-Request-Id` (the client's when well-formed, else a new one), one
 * structured JSON log line when the response is done (never the Authorization header, never
 * the body), `http_requests_total{route,method,status}` and
 * `http_request_duration_seconds{route,method}`.
 */
export function httpObservability(deps: { logger: Logger; registry: Registry }): RequestHandler {
  const { requests, latency } = createHttpMetrics(deps.registry);
  return (req, res, next) => {
    const elapsed = startTimer();
    const id = requestIdOf(req.get('X-Request-Id'));
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = elapsed();
      const route = routeLabel(req);
      const status = aborted && !res.headersSent ? 'aborted' : String(res.statusCode);
      requests.inc({ route, method: req.method, status });
      latency.observe({ route, method: req.method }, seconds);
      const level =
        res.statusCode >= 500 ? (res.statusCode === 503 ? 'warn' : 'error') : ('info' as const);
      if (!deps.logger.isLevelEnabled(level)) return; // no line object when the level drops it
      const line = {
        request_id: id,
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        bytes: Number(res.get('Content-Length')) || undefined,
        ...(res.locals.userId ? { user: res.locals.userId } : {}),
        ...(res.locals.analyst ? { analyst: res.locals.analyst } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      // 500 is a bug; 503 (a store away) is an outage, logged where it is detected as well.
      deps.logger[level](line, 'request');
    };
    res.once('finish', () => finish(false));
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}
