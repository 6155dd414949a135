import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GatewayConfig } from '../../common/config/app.config.js';
import { createOpsRouter, type ReadinessCheck } from '../../common/http/ops.router.js';
import { sendProblem } from '../../common/http/problem.js';
import type { Logger } from '../../common/logging/logger.js';
import { verifyToken } from '../../common/auth/api-token.js';
import { ingestBatch, KafkaNotConfirmed, type IngestDeps } from './ingest.service.js';
import { createGatewayCors } from './gateway-cors.js';
import { gatewayOpenApi } from './gateway.openapi.js';
import { createAdmission, type ShedReason, type Ticket } from './admission.js';
import { readBody } from './body-reader.js';
import type { KafkaHealthState } from './kafka-health.js';
import { bodyEncoding, declaredCharset, parseJsonBody } from './request-body.js';
import { createRateLimiter } from './rate-limiter.js';

export interface GatewayDeps extends IngestDeps {
  logger: Logger;
  registry: Registry;
  readiness: readonly ReadinessCheck[];
  /**
   * The producer's side (gateway.runtime.ts): events handed to Kafka without a delivery report
   * yet (abandoned ones included), and whether Kafka is reachable. Without it the app counts the
   * sends it is waiting for, and Kafka counts as up.
   */
  kafka?: { inFlight: () => number; health: () => KafkaHealthState };
  /**
   * Client-side ingestion: with the API's token secret, `Authorization: Bearer <listener
   * token>` (role user) is accepted beside the app keys, and binds every event to that user.
   */
  listenerTokens?: { secret: string };
}

/** Methods each route answers; any other method gets 405 with Allow (OPTIONS: 204). */
const ROUTES: Record<string, string> = {
  '/v1/events': 'OPTIONS, POST',
  '/openapi.json': 'GET, HEAD, OPTIONS',
  '/metrics': 'GET, HEAD, OPTIONS',
  '/healthz': 'GET, HEAD, OPTIONS',
  '/readyz': 'GET, HEAD, OPTIONS',
};

/**
 * The HTTP ingest gateway: POST /v1/events takes a JSON batch from client apps (API key),
 * answers per event, and acknowledges an event only after Kafka confirmed it.
 */
export function createGatewayApp(config: Omit<GatewayConfig, 'port'>, deps: GatewayDeps) {
  const limiter = createRateLimiter({ perSecond: config.rateLimit }, { now: deps.now });
  const admission = createAdmission({
    maxRequests: config.maxInflightRequests,
    maxBytes: config.maxInflightBytes,
    maxEvents: config.maxInFlight,
  });
  // Without the producer's own count (tests with a stub send): the sends not yet settled.
  let sending = 0;
  const send: IngestDeps['send'] = deps.kafka
    ? deps.send
    : (r) => {
        sending++;
        return deps.send(r).finally(() => void sending--);
      };
  const eventsInFlight = deps.kafka ? deps.kafka.inFlight : () => sending;
  const kafkaHealth = deps.kafka?.health ?? (() => ({ up: true, since: 0 }) as KafkaHealthState);
  const m = metrics(deps.registry, {
    events: eventsInFlight,
    requests: () => admission.snapshot().requests,
    bytes: () => admission.snapshot().bytes,
  });

  /** Sheds a request: 503 and Retry-After, nothing written; the body is not read. */
  const shed = (res: Response, reason: ShedReason | 'kafka_down', detail: string) => {
    m.requests.inc({ outcome: reason === 'kafka_down' ? 'kafka_unavailable' : 'overloaded' });
    m.shed.inc({ reason });
    sendProblem(
      res,
      reason === 'kafka_down'
        ? {
            status: 503,
            code: 'kafka-unavailable',
            title: 'Kafka is unreachable',
            detail: `${detail}. Nothing of this batch was written; retry it.`,
          }
        : {
            status: 503,
            code: 'overloaded',
            title: 'The gateway is at capacity',
            detail: `${detail}. Nothing of this batch was written; retry it.`,
          },
      { 'Retry-After': reason === 'kafka_down' ? '2' : '1' },
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(createOpsRouter({ registry: deps.registry, readiness: deps.readiness }));
  app.get('/openapi.json', (_req, res) => void res.json(gatewayOpenApi()));
  app.all('/v1/events', createGatewayCors(config.corsOrigins)); // preflight + allowed origins

  app.post(
    '/v1/events',
    // Everything up to the admission decision reads headers only.
    (req, res, next) => {
      const caller = authenticate(req, config.apiKeys, deps.listenerTokens, deps.now);
      const appName = caller?.app;
      if (!caller || !appName) {
        m.requests.inc({ outcome: 'unauthorized' });
        return sendProblem(
          res,
          {
            status: 401,
            code: 'unauthorized',
            title: 'Missing or unknown API key',
            detail:
              'Send the server-side app key as "Authorization: Bearer <key>" or "X-Api-Key: <key>", or a listener token as "Authorization: Bearer <token>".',
          },
          { 'WWW-Authenticate': 'Bearer' },
        );
      }
      res.locals.app = appName;
      res.locals.userId = caller.userId;
      if (!req.is('application/json')) {
        m.requests.inc({ outcome: 'unsupported_media_type' });
        return sendProblem(res, {
          status: 415,
          code: 'unsupported-media-type',
          title: 'Content-Type must be application/json',
          detail: `got ${req.headers['content-type'] ?? 'none'}`,
        });
      }
      const charset = declaredCharset(req.headers['content-type']);
      if (!charset.ok) {
        m.requests.inc({ outcome: 'unsupported_media_type' });
        return sendProblem(res, {
          status: 415,
          code: 'unsupported-charset',
          title: 'The charset must be utf-8 (or utf-16, utf-16le, utf-16be)',
          detail: `got charset=${charset.charset.slice(0, 40)}`,
        });
      }
      res.locals.charset = charset.charset;
      const length = req.headers['content-length'];
      const declared = length === undefined ? undefined : Number(length);
      if (declared !== undefined && declared > config.maxBodyBytes) {
        m.requests.inc({ outcome: 'too_large' });
        res.setHeader('Connection', 'close'); // do not read what will be refused
        return sendProblem(res, {
          status: 413,
          code: 'body-too-large',
          title: `The body exceeds ${config.maxBodyBytes} bytes`,
          detail: `Content-Length is ${declared}`,
        });
      }
      const kafka = kafkaHealth();
      if (!kafka.up) return shed(res, 'kafka_down', kafka.reason ?? 'Kafka is unreachable');
      const a = admission.admit(declared, eventsInFlight());
      if (!a.ok) return shed(res, a.reason, a.detail);
      res.locals.ticket = a.ticket;
      res.once('close', () => a.ticket.release());
      next();
    },
    async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      const app = res.locals.app as string;
      const ticket = res.locals.ticket as Ticket;
      try {
        const read = await readBody(req, config.maxBodyBytes, ticket);
        if (!read.ok) {
          if (read.reason === 'aborted') return void m.requests.inc({ outcome: 'aborted' });
          res.setHeader('Connection', 'close'); // the rest of the body is not read
          if (read.reason === 'over-budget')
            return shed(res, 'bytes', 'the body bytes in flight exceed the gateway limit');
          m.requests.inc({ outcome: 'too_large' });
          return sendProblem(res, {
            status: 413,
            code: 'body-too-large',
            title: `The body exceeds ${config.maxBodyBytes} bytes`,
          });
        }
        const enc = bodyEncoding(read.body, res.locals.charset);
        if (!enc.ok) {
          m.requests.inc({ outcome: 'unsupported_media_type' });
          return sendProblem(res, {
            status: 415,
            code: 'charset-mismatch',
            title: 'The body is not in the charset its Content-Type declares',
            detail: enc.detail,
          });
        }
        const body = parseJsonBody(read.body, config.maxDepth, enc.encoding, enc.bomBytes);
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
        const pending = eventsInFlight();
        if (pending + events.length > config.maxInFlight)
          return shed(
            res,
            'events',
            `${pending} events are waiting for Kafka; ${events.length} more exceed the limit of ${config.maxInFlight}`,
          );
        const kafka = kafkaHealth(); // it may have gone down while the body arrived
        if (!kafka.up) return shed(res, 'kafka_down', kafka.reason ?? 'Kafka is unreachable');
        try {
          const out = await ingestBatch(
            events,
            { ...deps, send },
            { userId: res.locals.userId as string | undefined },
          );
          const counts = { accepted: 0, duplicates: 0, rejected: 0 };
          for (const r of out.results)
            counts[
              r.status === 'accepted'
                ? 'accepted'
                : r.status === 'duplicate'
                  ? 'duplicates'
                  : 'rejected'
            ]++;
          for (const [type, n] of out.acceptedByType)
            m.events.inc({ type, outcome: 'accepted' }, n);
          m.events.inc({ type: 'any', outcome: 'rejected' }, counts.rejected);
          const status =
            counts.rejected === 0 ? 200 : counts.rejected === events.length ? 400 : 207;
          m.requests.inc({
            outcome: status === 200 ? 'ok' : status === 207 ? 'partial' : 'rejected',
          });
          res.status(status).json({ ...counts, results: out.results });
        } catch (err) {
          const outcome =
            err instanceof KafkaNotConfirmed
              ? err.outcome
              : { written: 0, failed: 0, inDoubt: true };
          const notWritten = err instanceof KafkaNotConfirmed && err.notWritten;
          deps.logger.warn({ err, app, ...outcome }, 'kafka did not confirm a batch');
          m.requests.inc({ outcome: notWritten ? 'kafka_unavailable' : 'kafka_unconfirmed' });
          const reason = (err as Error).message.slice(0, 200);
          sendProblem(
            res,
            notWritten
              ? {
                  status: 503,
                  code: 'kafka-unavailable',
                  title: 'Kafka refused the batch',
                  detail: `Nothing of this batch was written (${reason}); retry it.`,
                }
              : {
                  status: 504,
                  code: 'kafka-unconfirmed',
                  title: 'Kafka did not confirm every event of the batch',
                  detail: `No event of this batch is acknowledged, and ${outcome.written ? `${outcome.written} of its events were written` : 'some may have been written (a broker took them and did not answer in time)'} (${reason}). Retry it: event_id makes a retry safe.`,
                },
            { 'Retry-After': '2' },
          );
        }
      } finally {
        ticket.release();
        m.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  );

  // A known route asked with a method it does not answer (TRACE, PUT, GET on /v1/events, ...):
  // 405 with Allow; OPTIONS is always allowed (CORS preflights are answered above).
  app.use((req, res, next) => {
    const allow = ROUTES[req.path];
    if (!allow) return next();
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    m.requests.inc({ outcome: 'method_not_allowed' });
    sendProblem(res, {
      status: 405,
      code: 'method-not-allowed',
      title: `${req.method.slice(0, 16)} is not allowed on ${req.path}`,
      detail: `allowed: ${allow}`,
    });
  });
  // Anything unexpected.
  app.use(
    (
      err: Error & { type?: string; status?: number },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
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

/**
 * The caller: an app key's app (any user_id), or a valid listener token's user (its own events
 * only; rate-limited as `listener:<user>`). Any other token is unauthorized.
 */
function authenticate(
  req: Request,
  keys: Map<string, string>,
  listenerTokens: { secret: string } | undefined,
  now: () => number,
): { app: string; userId?: string } | undefined {
  const auth = req.headers.authorization;
  const key = auth?.startsWith('Bearer ')
    ? auth.slice(7).trim()
    : (req.headers['x-api-key'] as string | undefined);
  if (!key) return undefined;
  const app = keys.get(key);
  if (app) return { app };
  if (!listenerTokens || !auth?.startsWith('Bearer ')) return undefined;
  const v = verifyToken(key, listenerTokens.secret, now());
  if (!v.ok || v.claims.role !== 'user') return undefined;
  return { app: `listener:${v.claims.sub}`, userId: v.claims.sub };
}

function metrics(
  registry: Registry,
  now: { events: () => number; requests: () => number; bytes: () => number },
) {
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
      help: 'Events handed to Kafka without a delivery report yet (answered or not)',
      registers: [registry],
      collect() {
        this.set(now.events());
      },
    }),
    inFlightRequests: new Gauge({
      name: 'backbeat_gateway_in_flight_requests',
      help: 'POST /v1/events requests admitted and not yet answered',
      registers: [registry],
      collect() {
        this.set(now.requests());
      },
    }),
    inFlightBytes: new Gauge({
      name: 'backbeat_gateway_in_flight_bytes',
      help: 'Body bytes held by admitted requests',
      registers: [registry],
      collect() {
        this.set(now.bytes());
      },
    }),
    shed: new Counter({
      name: 'backbeat_gateway_shed_total',
      help: 'Requests refused before their body was read or produced (503), by the limit that shed them',
      labelNames: ['reason'],
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
