/**
 * Basic auth on the registry's mutating calls, as Confluent's registry does: registering a
 * schema, changing or deleting config, deleting subjects and versions (and any method or path
 * not on the open list) need the write credential; reads stay open to every client. The open
 * list is an allow list: GET and HEAD anywhere, and the two POSTs that only read (lookup of a
 * schema under a subject, compatibility tests).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  parseBasic,
  type RegistryCredentials,
} from '../../schemas/registry/registry-credentials.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const OPEN_POSTS = [
  /^\/subjects\/[^/]+\/?$/,
  /^\/compatibility\/subjects\/[^/]+\/versions(\/[^/]+)?\/?$/,
];

/** Whether a request only reads (and so needs no credential). */
export function isOpenRequest(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && OPEN_POSTS.some((re) => re.test(path));
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two strings (of any lengths: their digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** 401 in Confluent's shape (`{error_code: 401, message}`) with `WWW-Authenticate: Basic`. */
export function requireWriteCredential(expected: RegistryCredentials): RequestHandler {
  return (req, res, next) => {
    if (isOpenRequest(req.method, req.path)) return next();
    const given = parseBasic(req.headers.authorization);
    // Both halves are always compared, so the time taken does not tell which one was wrong.
    const userOk = sameSecret(given?.user ?? '', expected.user);
    const passwordOk = sameSecret(given?.password ?? '', expected.password);
    if (given && userOk && passwordOk) return next();
    res.locals.error = given ? 'wrong write credential' : 'no write credential';
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="backbeat-schema-registry", charset="UTF-8"')
      .type(CONTENT_TYPE)
      .send(
        JSON.stringify({
          error_code: 401,
          message: `Unauthorized: ${req.method} ${req.path} changes the registry and needs the write credential (HTTP basic auth)`,
        }),
      );
  };
}
