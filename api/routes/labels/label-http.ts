import type { Request, Response } from 'express';
import { BackbeatError } from '../../../common/errors/backbeat.error.js';
import { sendProblem } from '../../../common/http/problem.js';
import { etagMatches, weakEtag } from '../tracks/public-read.http.js';

/** Shared request and response helpers of the label and operator royalty routes. */

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
/** The longest date range of /v1/label/streams, in days (inclusive). */
export const MAX_RANGE_DAYS = 366;

/** A query or body parameter is invalid: 400 invalid-parameter, naming it. */
export class BadParameter extends BackbeatError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super('INVALID_PARAMETER', message);
  }
}

/** A single string query parameter (repeated = 400), or undefined. */
export function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParameter(name, `${name} must be given once`);
  return v;
}

export interface OffsetPage {
  limit: number;
  offset: number;
}

const CURSOR_RE = /^[A-Za-z0-9_-]{1,40}$/;

/** An opaque cursor: the offset of the next page, versioned and base64url. */
export const encodeCursor = (offset: number) => Buffer.from(`o1:${offset}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const m = CURSOR_RE.test(cursor)
    ? /^o1:(0|[1-9]\d{0,8})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  if (!m || encodeCursor(Number(m[1])) !== cursor)
    throw new BadParameter('cursor', 'cursor is not one this API returned');
  return Number(m[1]);
}

/** ?limit=, 1..100, default 20. */
export function pageLimit(req: Request): number {
  const rawLimit = one(req, 'limit');
  if (rawLimit === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new BadParameter('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** limit and an offset cursor. */
export function offsetPage(req: Request): OffsetPage {
  const limit = pageLimit(req);
  const cursor = one(req, 'cursor');
  return { limit, offset: cursor === undefined ? 0 : decodeCursor(cursor) };
}

/** `{items, next_cursor}` of one page fetched with limit + 1 rows. */
export function pageOf<T>(rows: T[], page: OffsetPage) {
  const more = rows.length > page.limit;
  return {
    items: rows.slice(0, page.limit),
    next_cursor: more ? encodeCursor(page.offset + page.limit) : null,
  };
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD calendar day (UTC), as epoch ms; 400 naming `name` otherwise. */
export function day(value: string | undefined, name: string): number {
  const m = value === undefined ? null : DAY_RE.exec(value);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new BadParameter(name, `${name} must be a calendar day YYYY-MM-DD`);
  return ms;
}

/**
 * A private answer with a weak ETag (304 when If-None-Match has it). Statements are immutable
 * once issued, so a client may keep its copy and revalidate; nothing shared may cache it.
 */
export function sendPrivate(
  req: Request,
  res: Response,
  body: string,
  type: string,
  headers: Record<string, string> = {},
) {
  const etag = weakEtag(body);
  res.set({ 'Cache-Control': 'private, no-cache', ETag: etag, Vary: 'Accept, Authorization' });
  if (etagMatches(req.headers['if-none-match'], etag)) return void res.status(304).end();
  res.set(headers).type(type).send(body);
}

/** A list page: private, never stored. */
export function sendList(res: Response, value: unknown) {
  res.set('Cache-Control', 'private, no-store').json(value);
}

export const badParameter = (res: Response, err: BadParameter) =>
  sendProblem(res, {
    status: 400,
    code: 'invalid-parameter',
    title: 'Invalid parameter',
    detail: err.message,
    parameter: err.parameter,
  });

/** The one answer for a statement that is not the caller's, whatever the reason. */
export const statementNotFound = (res: Response) =>
  sendProblem(res, {
    status: 404,
    code: 'statement-not-found',
    title: 'No such statement',
    detail: 'no statement with this id for this credential',
  });
