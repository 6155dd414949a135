import { createHash } from 'node:crypto';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { BackbeatError } from '../../../common/errors/backbeat.error.js';
import { sendProblem } from '../../../common/http/problem.js';
import {
  InvalidPageError,
  MAX_LIMIT,
  type PageRequest,
} from '../../../read-models/user-state/user-state.cursor.js';
import { FOLLOW_KINDS, type FollowKind } from '../../../read-models/user-state/user-state.keys.js';
import type { UserStateReader } from '../../../read-models/user-state/user-state.reader.js';

export { userStateOpenApi } from './user-state.openapi.js';

export interface UserStateRouteConfig {
  /** max-age of public, cacheable answers (artist followers), in seconds. */
  publicMaxAgeSeconds: number;
}

export const defaultUserStateRouteConfig: UserStateRouteConfig = { publicMaxAgeSeconds: 5 };

export interface UserStateRouteDeps {
  reader: UserStateReader;
  /** When given (catalogue wired in), unknown artists answer 404. */
  artistExists?: (artistId: string) => Promise<boolean>;
}

/** A query or path parameter is invalid: 400 invalid-parameter, naming it. */
class BadParameter extends BackbeatError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super('INVALID_PARAMETER', message);
  }
}

/** A single string query parameter (repeated = 400), or undefined. */
function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParameter(name, `${name} must be given once`);
  return v;
}

function page(req: Request): PageRequest {
  const rawLimit = one(req, 'limit');
  const cursor = one(req, 'cursor');
  let limit: number | undefined;
  if (rawLimit !== undefined) {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      throw new BadParameter('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
  }
  if (cursor === '') throw new BadParameter('cursor', 'cursor must not be empty');
  return { limit, cursor };
}

function followKind(req: Request): FollowKind {
  const type = one(req, 'type');
  if (!type || !(FOLLOW_KINDS as readonly string[]).includes(type)) {
    throw new BadParameter('type', `type must be one of ${FOLLOW_KINDS.join(', ')}`);
  }
  return type as FollowKind;
}

/** The token's user (set by the skeleton's auth middleware); /v1/me answers only for it. */
const meOnly: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'private, no-store');
  const userId: unknown = res.locals.userId;
  if (typeof userId !== 'string' || !userId) {
    return sendProblem(
      res,
      { status: 401, code: 'unauthorized', title: 'A user token is required' },
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
  next();
};
const userOf = (res: Response) => res.locals.userId as string;

const weakEtag = (body: string) => `W/"${createHash('sha1').update(body).digest('base64url')}"`;

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}

/** JSON with a weak ETag; 304 when If-None-Match already has it. */
function sendCacheable(req: Request, res: Response, value: unknown, maxAge: number) {
  const body = JSON.stringify(value);
  const etag = weakEtag(body);
  res.set({ 'Cache-Control': `public, max-age=${maxAge}`, ETag: etag });
  if (matches(req.headers['if-none-match'], etag)) return void res.status(304).end();
  res.type('application/json').send(body);
}

/**
 * The listener's own state under /v1/me (user from the token, never from the URL, private)
 * and an artist's public follower count and page.
 */
export function createUserStateRouter(
  config: UserStateRouteConfig,
  deps: UserStateRouteDeps,
): Router {
  const { reader } = deps;
  const router = express.Router();

  router.get('/v1/me', meOnly, async (_req, res) => {
    const userId = userOf(res);
    const [totals, nowPlaying] = await Promise.all([
      reader.totals(userId),
      reader.nowPlaying(userId),
    ]);
    res.json({ user_id: userId, totals, now_playing: nowPlaying });
  });
  router.get('/v1/me/devices', meOnly, async (_req, res) => {
    res.json({ items: await reader.devices(userOf(res)) });
  });
  router.get('/v1/me/now-playing', meOnly, async (_req, res) => {
    res.json(await reader.nowPlaying(userOf(res)));
  });
  router.get('/v1/me/recently-played', meOnly, async (req, res) => {
    res.json(await reader.recent(userOf(res), page(req)));
  });
  router.get('/v1/me/following', meOnly, async (req, res) => {
    const kind = followKind(req);
    res.json({ type: kind, ...(await reader.following(userOf(res), kind, page(req))) });
  });
  router.get('/v1/me/followers', meOnly, async (req, res) => {
    res.json(await reader.followers('user', userOf(res), page(req)));
  });
  router.get('/v1/me/settings', meOnly, async (_req, res) => {
    res.json(await reader.settings(userOf(res)));
  });
  router.get('/v1/me/friend-activity', meOnly, async (req, res) => {
    res.json(await reader.friendActivity(userOf(res), page(req)));
  });

  router.get('/v1/artists/:artistId/followers', async (req, res) => {
    const artistId = req.params.artistId ?? '';
    if (artistId.length > 128)
      throw new BadParameter('artistId', 'artistId is at most 128 characters');
    const p = page(req);
    if (deps.artistExists && !(await deps.artistExists(artistId))) {
      return sendProblem(res, {
        status: 404,
        code: 'artist-not-found',
        title: 'Unknown artist',
        detail: `no artist ${artistId}`,
      });
    }
    const result = await reader.followers('artist', artistId, p);
    sendCacheable(req, res, { artist_id: artistId, ...result }, config.publicMaxAgeSeconds);
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof BadParameter || err instanceof InvalidPageError) {
      return sendProblem(res, {
        status: 400,
        code: 'invalid-parameter',
        title: 'Invalid parameter',
        detail: err.message,
        parameter: err.parameter,
      });
    }
    if (err instanceof BackbeatError && err.retriable) {
      return sendProblem(
        res,
        {
          status: 503,
          code: 'store-unavailable',
          title: 'User state is unavailable, retry shortly',
        },
        { 'Retry-After': '1' },
      );
    }
    next(err);
  });
  return router;
}
