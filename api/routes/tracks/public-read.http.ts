import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { BackbeatError } from '../../../common/errors/backbeat.error.js';
import { sendProblem } from '../../../common/http/problem.js';

/**
 * HTTP plumbing shared by the public read routes (tracks, charts, catalogue): cacheable JSON
 * with a weak ETag and If-None-Match, problem+json for bad parameters and unknown ids, and an
 * error handler that answers a store outage with 503.
 */
export interface PublicReadRouteConfig {
  /** Cache-Control max-age of successful answers, in seconds (default 5). */
  maxAgeSeconds?: number;
}

export const DEFAULT_MAX_AGE_SECONDS = 5;

export const cacheControl = (config: PublicReadRouteConfig) =>
  `public, max-age=${config.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS}`;

/** Weak validator of a JSON body: W/"<sha-256 of the body, base64url, 27 chars>". */
export const weakEtag = (body: string) =>
  `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** If-None-Match matches (weak comparison, RFC 9110 13.1.2): "*" or any listed tag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
}

/** Sends `body` as JSON with ETag and Cache-Control, or 304 when the client has it already. */
export function sendCachedJson(
  req: Request,
  res: Response,
  body: unknown,
  config: PublicReadRouteConfig,
): void {
  const json = JSON.stringify(body);
  const etag = weakEtag(json);
  res.set({ ETag: etag, 'Cache-Control': cacheControl(config) });
  if (etagMatches(req.get('If-None-Match'), etag)) {
    res.status(304).end();
    return;
  }
  res.status(200).type('application/json').send(json);
}

/** 400 naming the parameter (also in `parameter`, for programs). */
export function sendBadParam(res: Response, parameter: string, detail: string): void {
  sendProblem(res, {
    status: 400,
    title: 'Invalid parameter',
    code: 'invalid-parameter',
    detail: `${parameter}: ${detail}`,
    parameter,
  });
}

export function sendNotFound(res: Response, code: string, detail: string): void {
  sendProblem(res, { status: 404, title: 'Not found', code, detail });
}

/** A parameter check: the parsed value, or the reason it is invalid. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day written YYYY-MM-DD (2026-02-30 is refused). */
export function parseDay(raw: unknown): Parsed<string> {
  const m = typeof raw === 'string' ? DAY_RE.exec(raw) : null;
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== raw) {
    return { ok: false, reason: 'must be a calendar day written YYYY-MM-DD' };
  }
  return { ok: true, value: raw as string };
}

export const MARKET_PATTERN = '^[A-Z]{2}$';

export function parseMarket(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && new RegExp(MARKET_PATTERN).test(raw)
    ? { ok: true, value: raw }
    : { ok: false, reason: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. SE' };
}

/** An integer in [min, max]; absent -> fallback. */
export function parseLimit(
  raw: unknown,
  min: number,
  max: number,
  fallback: number,
): Parsed<number> {
  if (raw === undefined) return { ok: true, value: fallback };
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  return n >= min && n <= max
    ? { ok: true, value: n }
    : { ok: false, reason: `must be an integer from ${min} to ${max}` };
}

/** Path ids: 1..256 characters. */
export const ID_MAX_LENGTH = 256;

export function parseId(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && raw.length >= 1 && raw.length <= ID_MAX_LENGTH
    ? { ok: true, value: raw }
    : { ok: false, reason: `must be 1 to ${ID_MAX_LENGTH} characters` };
}

/**
 * Answers a store outage thrown by a reader with 503 (retriable, Retry-After: 1); any other
 * error goes on to the app's error handler (logged there, answered 500).
 */
export const readErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const e = err as Error & { code?: string };
  const outage =
    (err instanceof BackbeatError && err.retriable) ||
    /MaxRetriesPerRequest|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|LOADING/.test(
      `${e.name} ${e.message} ${e.code ?? ''}`,
    );
  if (!outage) return next(err);
  sendProblem(
    res,
    { status: 503, title: 'A store is unavailable; retry shortly', code: 'store-unavailable' },
    { 'Retry-After': '1' },
  );
};
