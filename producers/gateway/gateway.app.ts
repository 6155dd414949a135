import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GatewayConfig } from '../../common/config/app.config.js';
import { createOpsRouter, type ReadinessCheck } from '../../common/http/ops.router.js';
import { sendProblem } from '../../common/http/problem.js';
import type { Logger } from '../../common/logging/logger.js';
import { ingestBatch, type IngestDeps } from './ingest.service.js';
import { gatewayOpenApi } from './gateway.openapi.js';
import { parseJsonBody } from './request-body.js';
import { createRateLimiter } from './rate-limiter.js';

export interface GatewayDeps extends IngestDeps {
  logger: Logger;
  registry: Registry;
  readiness: readonly ReadinessCheck[];
}

/**
 * The HTTP ingest gateway: POST /v1/events takes a JSON batch from client apps (API key),
 * answers per event, and acknowledges an event only after Kafka confirmed it.
 */
export function createGatewayApp(config: Omit<GatewayConfig, 'port'>, deps: GatewayDeps) {
  const m = metrics(deps.registry);
  const limiter = createRateLimiter({ perSecond: config.rateLimit }, { now: deps.now });
  let inFlight = 0;

  const app = express();
  app.disable('x-powered-by');
  app.use(createOpsRouter({ registry: deps.registry, readiness: deps.readiness }));
  app.get('/openapi.json', (_req, res) => void res.json(gatewayOpenApi()));

  app.post(
    '/v1/events',
    (req, res, next) => {
      const appName = authenticate(req, config.apiKeys);
      if (!appName) {
        m.requests.inc({ outcome: 'unauthorized' });
        return sendProblem(
          res,
          {
            status: 401,
            code: 'unauthorized',
            title: 'Missing or unknown API key',
            detail:
              'Send the client app key as "Authorization: Bearer <key>" or "X-Api-Key: <key>".',
          },
          { 'WWW-Authenticate': 'Bearer' },
        );
      }
      res.locals.app = appName;
      if (!req.is('application/json')) {
        m.requests.inc({ outcome: 'unsupported_media_type' });
        return sendProblem(res, {
          status: 415,
          code: 'unsupported-media-type',
          title: 'Content-Type must be application/json',
          detail: `got ${req.headers['content-type'] ?? 'none'}`,
        });
      }
      next();
    },
    express.raw({ type: () => true, limit: config.maxBodyBytes }),
    async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      const app = res.locals.app as string;
      const body = parseJsonBody(
        Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        config.maxDepth,
      );
      if (!body.ok) {
        m.requests.inc({ outcome: 'bad_request' });
        return sendProblem(res, {
          status: 400,
          code: body.code.toLowerCase().replace(/_/g, '-'),
          title: 'The body is not a JSON batch',
          detail: body.detail,
        });
      }
      const events = (body.value as { events?: unknown } | null)?.events;
      if (
        typeof body.value !== 'object' ||
        body.value === null ||
        Array.isArray(body.value) ||
        !Array.isArray(events) ||
        Object.keys(body.value).some((k) => k !== 'events')
      ) {
        m.requests.inc({ outcome: 'bad_request' });
        return sendProblem(res, {
          status: 400,
          code: 'invalid-batch',
          title: 'The body must be {"events": [...]}',
          detail: 'a JSON object with one field, events: an array of {"type", "event"}',
        });
      }
      if (events.length === 0) {
        m.requests.inc({ outcome: 'bad_request' });
        return sendProblem(res, {
          status: 400,
          code: 'empty-batch',
          title: 'The batch has no events',
        });
      }
      if (events.length > config.maxEvents) {
        m.requests.inc({ outcome: 'too_large' });
        return sendProblem(res, {
          status: 413,
          code: 'too-many-events',
          title: `A batch holds at most ${config.maxEvents} events`,
          detail: `got ${events.length}`,
        });
      }
      const wait = limiter.take(app, events.length);
      if (wait > 0) {
        m.requests.inc({ outcome: 'rate_limited' });
        return sendProblem(
          res,
          {
            status: 429,
            code: 'rate-limited',
            title: 'Too many events for this API key',
            detail: `retry after ${Math.ceil(wait / 1000)} s`,
          },
          { 'Retry-After': String(Math.ceil(wait / 1000)) },
        );
      }
      if (inFlight + events.length > config.maxInFlight) {
        m.requests.inc({ outcome: 'overloaded' });
        return sendProblem(
          res,
          {
            status: 503,
            code: 'overloaded',
            title: 'The gateway is at capacity',
            detail: `${inFlight} events are waiting for Kafka`,
          },
          { 'Retry-After': '1' },
        );
      }
      inFlight += events.length;
      m.inFlight.set(inFlight);
      try {
        const out = await ingestBatch(events, deps);
        const counts = { accepted: 0, duplicates: 0, rejected: 0 };
        for (const r of out.results)
          counts[
            r.status === 'accepted'
              ? 'accepted'
              : r.status === 'duplicate'
                ? 'duplicates'
                : 'rejected'
          ]++;
        for (const [type, n] of out.acceptedByType) m.events.inc({ type, outcome: 'accepted' }, n);
        m.events.inc({ type: 'any', outcome: 'rejected' }, counts.rejected);
        const status = counts.rejected === 0 ? 200 : counts.rejected === events.length ? 400 : 207;
        m.requests.inc({
          outcome: status === 200 ? 'ok' : status === 207 ? 'partial' : 'rejected',
        });
        res.status(status).json({ ...counts, results: out.results });
      } catch (err) {
        deps.logger.warn({ err, app }, 'kafka did not confirm a batch');
        m.requests.inc({ outcome: 'kafka_unavailable' });
        sendProblem(
          res,
          {
            status: 503,
            code: 'kafka-unavailable',
            title: 'Kafka did not confirm the batch',
            detail:
              'No event of this batch is acknowledged; retry it (event_id makes a retry safe).',
          },
          { 'Retry-After': '2' },
        );
      } finally {
        inFlight -= events.length;
        m.inFlight.set(inFlight);
        m.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  );

  // Errors from the body reader (size limit, aborted requests) and anything unexpected.
  app.use(
    (
      err: Error & { type?: string; status?: number },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (err.type === 'entity.too.large') {
        m.requests.inc({ outcome: 'too_large' });
        return sendProblem(res, {
          status: 413,
          code: 'body-too-large',
          title: `The body exceeds ${config.maxBodyBytes} bytes`,
        });
      }
      if (err.status && err.status < 500)
        return sendProblem(res, {
          status: err.status,
          code: 'bad-request',
          title: 'Bad request',
          detail: err.message,
        });
      deps.logger.error({ err }, 'unexpected gateway error');
      sendProblem(res, { status: 500, code: 'internal', title: 'Internal error' });
    },
  );
  app.use((_req, res) =>
    sendProblem(res, { status: 404, code: 'not-found', title: 'No such endpoint' }),
  );
  return app;
}

function authenticate(req: Request, keys: Map<string, string>): string | undefined {
  const auth = req.headers.authorization;
  const key = auth?.startsWith('Bearer ')
    ? auth.slice(7).trim()
    : (req.headers['x-api-key'] as string | undefined);
  return key ? keys.get(key) : undefined;
}

function metrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'backbeat_gateway_requests_total',
      help: 'POST /v1/events requests by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'backbeat_gateway_events_total',
      help: 'Events by type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'backbeat_gateway_in_flight_events',
      help: 'Events handed to Kafka, not yet confirmed',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'backbeat_gateway_batch_seconds',
      help: 'Time to answer a batch',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
  };
}
