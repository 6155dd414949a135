import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../../common/config/app.config.js';
import { startTimer } from '../../common/http/http-metrics.js';
import { createOpsRouter, type ReadinessCheck } from '../../common/http/ops.router.js';
import { sendProblem } from '../../common/http/problem.js';
import type { Logger } from '../../common/logging/logger.js';
import type { Ticket } from './admission.js';
import { createCapacity } from './gateway-capacity.js';
import { createGatewayCors } from './gateway-cors.js';
import { createGatewayMetrics } from './gateway.metrics.js';
import { gatewayOpenApi } from './gateway.openapi.js';
import type { KafkaHealthState } from './kafka-health.js';
import { refusals, sendRefusal, type Step } from './ingest.refusals.js';
import type { IngestDeps } from './ingest.service.js';
import {
  answer,
  authenticate,
  batchEvents,
  declaredLength,
  mediaType,
  produce,
  readJson,
  type Caller,
  type Charset,
} from './ingest.steps.js';

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

/** What the header steps hand the body steps of an admitted request. */
interface Admitted {
  caller: Caller;
  charset: Charset;
  ticket: Ticket;
}

/**
 * The HTTP ingest gateway: POST /v1/events takes a JSON batch from client apps (API key),
 * answers per event, and acknowledges an event only after Kafka confirmed it.
 *
 * The request's pipeline (ingest.steps.ts), each step answering its value or the refusal that
 * ends the request (ingest.refusals.ts):
 *   headers: authenticate → media type → declared length → admit (capacity, Kafka up)
 *   body:    read + parse → batch shape → room (rate, in flight, Kafka up) → produce
 *            (validate per event, encode, send, wait for Kafka) → answer per event
 */
export function createGatewayApp(config: Omit<GatewayConfig, 'port'>, deps: GatewayDeps) {
  const capacity = createCapacity(config, deps);
  const m = createGatewayMetrics(deps.registry, capacity.gauges);
  const credentials = { keys: config.apiKeys, listenerTokens: deps.listenerTokens, now: deps.now };
  const ingestDeps = { ...deps, send: capacity.send };
  /** Whether a step refused the request; its refusal is then counted and answered. */
  const refused = <T>(res: Response, step: Step<T>): step is Extract<Step<T>, { ok: false }> => {
    if (step.ok) return false;
    sendRefusal(res, step.refusal, m);
    return true;
  };

  /** Everything up to the admission decision reads headers only. */
  const admit = (req: Request, res: Response, next: NextFunction) => {
    const caller = authenticate(req, credentials);
    if (refused(res, caller)) return;
    const charset = mediaType(req);
    if (refused(res, charset)) return;
    const declared = declaredLength(req, config.maxBodyBytes);
    if (refused(res, declared)) return;
    const ticket = capacity.admit(declared.value);
    if (refused(res, ticket)) return;
    res.once('close', () => ticket.value.release());
    const admitted: Admitted = {
      caller: caller.value,
      charset: charset.value,
      ticket: ticket.value,
    };
    res.locals.admitted = admitted;
    next();
  };

  const ingest = async (req: Request, res: Response) => {
    const elapsed = startTimer();
    const { caller, charset, ticket } = res.locals.admitted as Admitted;
    try {
      const body = await readJson(req, ticket, charset, config);
      if (refused(res, body)) return;
      const events = batchEvents(body.value, config.maxEvents);
      if (refused(res, events)) return;
      if (refused(res, capacity.room(caller.app, events.value.length))) return;
      const out = await produce(events.value, caller, ingestDeps);
      if (refused(res, out)) return;
      answer(res, out.value, m);
    } finally {
      ticket.release();
      m.latency.observe(elapsed());
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(createOpsRouter({ registry: deps.registry, readiness: deps.readiness }));
  app.get('/openapi.json', (_req, res) => void res.json(gatewayOpenApi()));
  app.all('/v1/events', createGatewayCors(config.corsOrigins)); // preflight + allowed origins
  app.post('/v1/events', admit, ingest);

  // A known route asked with a method it does not answer (TRACE, PUT, GET on /v1/events, ...):
  // 405 with Allow; OPTIONS is always allowed (CORS preflights are answered above).
  app.use((req, res, next) => {
    const allow = ROUTES[req.path];
    if (!allow) return next();
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    sendRefusal(res, refusals.methodNotAllowed(req.method, req.path, allow), m);
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
