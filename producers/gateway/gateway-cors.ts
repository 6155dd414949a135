/**
 * CORS for the ingest gateway's POST /v1/events, from an allow list of exact origins
 * (GATEWAY_CORS_ORIGINS). The SDK sends `Authorization` and `Content-Type: application/json`,
 * so every browser request is preceded by a preflight (OPTIONS):
 *
 * - an allowed origin's preflight gets 204 with Access-Control-Allow-Origin (that origin),
 *   -Allow-Methods POST, -Allow-Headers, -Max-Age; its POST answers (every status, so that the
 *   page can read a 401 or a 429) carry Access-Control-Allow-Origin and expose Retry-After;
 * - any other origin gets no CORS header at all (the browser then refuses the request);
 * - `*` in the list allows every origin and answers `Access-Control-Allow-Origin: *`;
 *   Access-Control-Allow-Credentials is never sent (the SDK uses a bearer key, not cookies).
 *
 * Every answer says `Vary: Origin`, so a cache never serves one origin's headers to another.
 */
import type { NextFunction, Request, Response } from 'express';

export const CORS_ALLOWED_HEADERS = 'authorization, content-type, x-api-key';
export const CORS_MAX_AGE_S = 600;

export function createGatewayCors(origins: readonly string[] = []) {
  const any = origins.includes('*');
  const allowed = new Set(origins.filter((o) => o !== '*').map((o) => o.toLowerCase()));

  /** The Access-Control-Allow-Origin value for a request's Origin, or undefined. */
  function allowOrigin(origin: string | undefined): string | undefined {
    if (!origin) return undefined;
    if (any) return '*';
    return allowed.has(origin.toLowerCase()) ? origin : undefined;
  }

  return function gatewayCors(req: Request, res: Response, next: NextFunction): void {
    res.vary('Origin');
    const allow = allowOrigin(req.headers.origin);
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', 'OPTIONS, POST');
      if (allow) {
        res.setHeader('Access-Control-Allow-Origin', allow);
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_S));
      }
      res.status(204).end();
      return;
    }
    if (allow) {
      res.setHeader('Access-Control-Allow-Origin', allow);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }
    next();
  };
}
