import type { Response } from 'express';
import { sendProblem, type Problem } from '../../common/http/problem.js';
import type { ShedReason } from './admission.js';
import type { GatewayMetrics, RequestOutcome } from './gateway.metrics.js';
import type { KafkaNotConfirmed } from './kafka-not-confirmed.js';

/**
 * How POST /v1/events ends when one of its steps refuses the request: the outcome it is counted
 * under and the problem+json answer (none when the client is gone).
 */
export interface Refusal {
  outcome: RequestOutcome;
  problem?: Problem;
  headers?: Record<string, string>;
  /** A 503 before anything was produced: also counted in backbeat_gateway_shed_total. */
  shed?: ShedReason | 'kafka_down';
  /** The rest of the body is not read: the answer closes the connection. */
  close?: boolean;
}

/** What a step of the pipeline gives the next one, or why the request stops there. */
export type Step<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const pass = <T>(value: T): Step<T> => ({ ok: true, value });
export const stop = (refusal: Refusal): Step<never> => ({ ok: false, refusal });

/** Counts a refusal and answers it. */
export function sendRefusal(res: Response, r: Refusal, m: GatewayMetrics): void {
  if (r.close) res.setHeader('Connection', 'close');
  m.requests.inc({ outcome: r.outcome });
  if (r.shed) m.shed.inc({ reason: r.shed });
  if (r.problem) sendProblem(res, r.problem, r.headers);
}

/** A 503 before anything was produced; Kafka down asks for a longer wait than a full gateway. */
function shed(
  outcome: 'overloaded' | 'kafka_unavailable',
  reason: ShedReason | 'kafka_down',
  title: string,
  detail: string,
): Refusal {
  const down = reason === 'kafka_down';
  return {
    outcome,
    shed: reason,
    problem: {
      status: 503,
      code: down ? 'kafka-unavailable' : 'overloaded',
      title,
      detail: `${detail}. Nothing of this batch was written; retry it.`,
    },
    headers: { 'Retry-After': down ? '2' : '1' },
  };
}

/** Every way the gateway refuses a request, with its status, code and wording. */
export const refusals = {
  unauthorized: (): Refusal => ({
    outcome: 'unauthorized',
    problem: {
      status: 401,
      code: 'unauthorized',
      title: 'Missing or unknown API key',
      detail:
        'Send the server-side app key as "Authorization: Bearer <key>" or "X-Api-Key: <key>", or a listener token as "Authorization: Bearer <token>".',
    },
    headers: { 'WWW-Authenticate': 'Bearer' },
  }),

  notJsonMediaType: (contentType: string | undefined): Refusal => ({
    outcome: 'unsupported_media_type',
    problem: {
      status: 415,
      code: 'unsupported-media-type',
      title: 'Content-Type must be application/json',
      detail: `got ${contentType ?? 'none'}`,
    },
  }),

  unsupportedCharset: (charset: string): Refusal => ({
    outcome: 'unsupported_media_type',
    problem: {
      status: 415,
      code: 'unsupported-charset',
      title: 'The charset must be utf-8 (or utf-16, utf-16le, utf-16be)',
      detail: `got charset=${charset.slice(0, 40)}`,
    },
  }),

  charsetMismatch: (detail: string): Refusal => ({
    outcome: 'unsupported_media_type',
    problem: {
      status: 415,
      code: 'charset-mismatch',
      title: 'The body is not in the charset its Content-Type declares',
      detail,
    },
  }),

  /** Over the body limit, by its Content-Length (`declared`) or as it arrived. */
  bodyTooLarge: (maxBodyBytes: number, declared?: number): Refusal => ({
    outcome: 'too_large',
    close: true, // do not read what will be refused
    problem: {
      status: 413,
      code: 'body-too-large',
      title: `The body exceeds ${maxBodyBytes} bytes`,
      ...(declared === undefined ? {} : { detail: `Content-Length is ${declared}` }),
    },
  }),

  notJson: (code: string, detail: string): Refusal => ({
    outcome: 'bad_request',
    problem: {
      status: 400,
      code: code.toLowerCase().replace(/_/g, '-'),
      title: 'The body is not a JSON batch',
      detail,
    },
  }),

  notABatch: (): Refusal => ({
    outcome: 'bad_request',
    problem: {
      status: 400,
      code: 'invalid-batch',
      title: 'The body must be {"events": [...]}',
      detail: 'a JSON object with one field, events: an array of {"type", "event"}',
    },
  }),

  emptyBatch: (): Refusal => ({
    outcome: 'bad_request',
    problem: { status: 400, code: 'empty-batch', title: 'The batch has no events' },
  }),

  tooManyEvents: (maxEvents: number, got: number): Refusal => ({
    outcome: 'too_large',
    problem: {
      status: 413,
      code: 'too-many-events',
      title: `A batch holds at most ${maxEvents} events`,
      detail: `got ${got}`,
    },
  }),

  rateLimited: (waitMs: number): Refusal => ({
    outcome: 'rate_limited',
    problem: {
      status: 429,
      code: 'rate-limited',
      title: 'Too many events for this API key',
      detail: `retry after ${Math.ceil(waitMs / 1000)} s`,
    },
    headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
  }),

  /** Shed at a limit: 503 and Retry-After, nothing written (the body not read, or not produced). */
  overloaded: (reason: ShedReason, detail: string): Refusal =>
    shed('overloaded', reason, 'The gateway is at capacity', detail),

  kafkaDown: (detail: string): Refusal =>
    shed('kafka_unavailable', 'kafka_down', 'Kafka is unreachable', detail),

  /** A known route asked with a method it does not answer (the caller sets Allow). */
  methodNotAllowed: (method: string, path: string, allow: string): Refusal => ({
    outcome: 'method_not_allowed',
    problem: {
      status: 405,
      code: 'method-not-allowed',
      title: `${method.slice(0, 16)} is not allowed on ${path}`,
      detail: `allowed: ${allow}`,
    },
  }),

  /** The client went away while its body arrived: counted, nothing to answer. */
  aborted: (): Refusal => ({ outcome: 'aborted' }),

  /**
   * Kafka did not confirm every event: 503 when nothing was written for certain, else 504 (some
   * events may be written; event_id makes the client's retry safe).
   */
  kafkaNotConfirmed: (
    err: unknown,
    outcome: KafkaNotConfirmed['outcome'],
    notWritten: boolean,
  ): Refusal => {
    const reason = (err as Error).message.slice(0, 200);
    return {
      outcome: notWritten ? 'kafka_unavailable' : 'kafka_unconfirmed',
      problem: notWritten
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
      headers: { 'Retry-After': '2' },
    };
  },
};
