import type { RequestHandler } from 'express';
import { sendProblem } from '../../../common/http/problem.js';
import { verifyToken, type TokenClaims, type TokenRole } from './api-token.js';

const REASONS = {
  missing: 'Send a token as "Authorization: Bearer <token>" (npm run token mints one).',
  malformed: 'The token is not a Backbeat token.',
  'bad-signature': 'The token signature does not match: it was altered or signed elsewhere.',
  expired: 'The token has expired; mint a new one.',
} as const;

/**
 * What the auth middleware leaves in `res.locals` for the routes behind it: the claims, and
 * for user tokens `userId`, for label tokens `labelId`, for analyst tokens `analyst`, for
 * operator tokens `operator`.
 */
export interface AuthLocals {
  token: TokenClaims;
  userId?: string;
  labelId?: string;
  analyst?: string;
  operator?: string;
}

/**
 * Requires a valid token of one of `roles` ("Authorization: Bearer <token>"). Missing,
 * malformed, altered or expired tokens get 401 with `WWW-Authenticate: Bearer`; a valid token
 * of another role gets 403. Identity comes only from the token, never from the URL.
 */
export function requireToken(
  config: { secret: string; now?: () => number },
  roles: readonly TokenRole[],
): RequestHandler {
  const now = config.now ?? Date.now;
  return (req, res, next) => {
    const header = req.headers.authorization;
    const m = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
    if (!m) {
      return sendProblem(
        res,
        {
          status: 401,
          code: 'unauthorized',
          title: 'A token is required',
          detail: REASONS.missing,
        },
        { 'WWW-Authenticate': 'Bearer realm="backbeat"' },
      );
    }
    const result = verifyToken(m[1]!, config.secret, now());
    if (!result.ok) {
      return sendProblem(
        res,
        {
          status: 401,
          code: result.reason === 'expired' ? 'token-expired' : 'invalid-token',
          title: result.reason === 'expired' ? 'The token has expired' : 'The token is invalid',
          detail: REASONS[result.reason],
        },
        {
          'WWW-Authenticate': `Bearer realm="backbeat", error="invalid_token", error_description="${result.reason}"`,
        },
      );
    }
    const claims = result.claims;
    if (!roles.includes(claims.role)) {
      return sendProblem(
        res,
        {
          status: 403,
          code: 'forbidden',
          title: `This endpoint needs a ${roles.join(' or ')} token`,
          detail: `the token is a ${claims.role} token`,
        },
        { 'WWW-Authenticate': 'Bearer realm="backbeat", error="insufficient_scope"' },
      );
    }
    const locals = res.locals as Partial<AuthLocals>;
    locals.token = claims;
    if (claims.role === 'user') locals.userId = claims.sub;
    if (claims.role === 'analyst') locals.analyst = claims.sub;
    if (claims.role === 'label') locals.labelId = claims.label_id;
    if (claims.role === 'operator') locals.operator = claims.sub;
    next();
  };
}

/**
 * For reads open to anyone that a token may widen (public playlists for all, private ones for
 * their members): no Authorization header passes on anonymous; a header present must hold a
 * valid user token, checked as `requireToken` does (401 invalid or expired, 403 another role),
 * so a client with a broken token learns it instead of silently reading as nobody.
 */
export function optionalUserToken(config: { secret: string; now?: () => number }): RequestHandler {
  const required = requireToken(config, ['user']);
  return (req, res, next) =>
    req.headers.authorization === undefined ? next() : required(req, res, next);
}
