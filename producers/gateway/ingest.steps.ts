import type { Request, Response } from 'express';
import { verifyToken } from '../../common/auth/api-token.js';
import type { Logger } from '../../common/logging/logger.js';
import type { OutcomeKind } from '../../common/outcome/outcome.js';
import type { Ticket } from './admission.js';
import { readBody } from './body-reader.js';
import type { GatewayMetrics } from './gateway.metrics.js';
import { pass, refusals, stop, type Step } from './ingest.refusals.js';
import { ingestBatch, type IngestDeps, type IngestOutcome } from './ingest.service.js';
import { KafkaNotConfirmed } from './kafka-not-confirmed.js';
import {
  bodyEncoding,
  declaredCharset,
  parseJsonBody,
  type DeclaredCharset,
} from './request-body.js';

/**
 * The steps of POST /v1/events, in the order the app runs them. Each takes what the one before
 * gave and answers a Step: its value, or the Refusal that ends the request.
 */

/** Who sends the batch: an app key's app, or a listener token's user (`listener:<user>`). */
export interface Caller {
  app: string;
  userId?: string;
}

export interface Credentials {
  /** App key → app name. */
  keys: Map<string, string>;
  /** With the API's token secret, listener tokens (role user) are accepted beside the app keys. */
  listenerTokens?: { secret: string };
  now: () => number;
}

/** Headers only: an app key (any user_id), or a valid listener token (its own events only). */
export function authenticate(req: Request, credentials: Credentials): Step<Caller> {
  const caller = callerOf(req, credentials);
  return caller?.app ? pass(caller) : stop(refusals.unauthorized());
}

function callerOf(req: Request, { keys, listenerTokens, now }: Credentials): Caller | undefined {
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

export type Charset = Extract<DeclaredCharset, { ok: true }>['charset'];

/** Headers only: JSON, in a charset the gateway reads. */
export function mediaType(req: Request): Step<Charset> {
  if (!req.is('application/json'))
    return stop(refusals.notJsonMediaType(req.headers['content-type']));
  const charset = declaredCharset(req.headers['content-type']);
  return charset.ok ? pass(charset.charset) : stop(refusals.unsupportedCharset(charset.charset));
}

/** Headers only: the Content-Length, when there is one, within the body limit. */
export function declaredLength(req: Request, maxBodyBytes: number): Step<number | undefined> {
  const length = req.headers['content-length'];
  const declared = length === undefined ? undefined : Number(length);
  return declared !== undefined && declared > maxBodyBytes
    ? stop(refusals.bodyTooLarge(maxBodyBytes, declared))
    : pass(declared);
}

/** Reads the body against the request's ticket, checks its charset and parses it as JSON. */
export async function readJson(
  req: Request,
  ticket: Ticket,
  charset: Charset,
  limits: { maxBodyBytes: number; maxDepth: number },
): Promise<Step<unknown>> {
  const read = await readBody(req, limits.maxBodyBytes, ticket);
  if (!read.ok) {
    if (read.reason === 'aborted') return stop(refusals.aborted());
    if (read.reason === 'over-budget')
      return stop({
        ...refusals.overloaded('bytes', 'the body bytes in flight exceed the gateway limit'),
        close: true, // the rest of the body is not read
      });
    return stop(refusals.bodyTooLarge(limits.maxBodyBytes));
  }
  const enc = bodyEncoding(read.body, charset);
  if (!enc.ok) return stop(refusals.charsetMismatch(enc.detail));
  const body = parseJsonBody(read.body, limits.maxDepth, enc.encoding, enc.bomBytes);
  return body.ok ? pass(body.value) : stop(refusals.notJson(body.code, body.detail));
}

/** The batch's events: `{"events": [...]}` and nothing else, with 1 to `maxEvents` of them. */
export function batchEvents(value: unknown, maxEvents: number): Step<unknown[]> {
  const events = (value as { events?: unknown } | null)?.events;
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Array.isArray(events) ||
    Object.keys(value).some((k) => k !== 'events')
  )
    return stop(refusals.notABatch());
  if (events.length === 0) return stop(refusals.emptyBatch());
  if (events.length > maxEvents) return stop(refusals.tooManyEvents(maxEvents, events.length));
  return pass(events);
}

/**
 * Validates, encodes and produces every event (ingestBatch); a batch Kafka did not confirm is
 * logged and refused whole (503 when nothing was written, else 504).
 */
export async function produce(
  events: readonly unknown[],
  caller: Caller,
  deps: IngestDeps & { logger: Logger },
): Promise<Step<IngestOutcome>> {
  try {
    return pass(await ingestBatch(events, deps, { userId: caller.userId }));
  } catch (err) {
    const outcome =
      err instanceof KafkaNotConfirmed ? err.outcome : { written: 0, failed: 0, inDoubt: true };
    const notWritten = err instanceof KafkaNotConfirmed && err.notWritten;
    deps.logger.warn({ err, app: caller.app, ...outcome }, 'kafka did not confirm a batch');
    return stop(refusals.kafkaNotConfirmed(err, outcome, notWritten));
  }
}

/** Which count of the answer a verdict adds to (a `retry` never reaches an answer). */
const TALLY: Record<OutcomeKind, 'accepted' | 'duplicates' | 'rejected'> = {
  ok: 'accepted',
  drop: 'duplicates',
  dlq: 'rejected',
  retry: 'rejected',
};

/** Answers per event: 200 all accepted, 400 all rejected, 207 some of each. */
export function answer(res: Response, out: IngestOutcome, m: GatewayMetrics): void {
  const counts = { accepted: 0, duplicates: 0, rejected: 0 };
  for (const v of out.verdicts) counts[TALLY[v.outcome.kind]]++;
  for (const [type, n] of out.acceptedByType) m.events.inc({ type, outcome: 'accepted' }, n);
  m.events.inc({ type: 'any', outcome: 'rejected' }, counts.rejected);
  const all = out.verdicts.length;
  const status = counts.rejected === 0 ? 200 : counts.rejected === all ? 400 : 207;
  m.requests.inc({ outcome: status === 200 ? 'ok' : status === 207 ? 'partial' : 'rejected' });
  res.status(status).json({ ...counts, results: out.results });
}
