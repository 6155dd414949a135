import express, { type Request, type Response, type Router } from 'express';
import { sendProblem } from '../../../common/http/problem.js';
import type { PlaylistsReader } from '../../../read-models/playlists/playlists.reader.js';
import {
  parseId,
  parseLimit,
  readErrorHandler,
  sendBadParam,
  sendCachedJson,
  type Parsed,
  type PublicReadRouteConfig,
} from '../tracks/public-read.http.js';

export { playlistsOpenApi } from './playlists.openapi.js';

export const PLAYLIST_PAGE_DEFAULT = 20;
export const PLAYLIST_PAGE_MAX = 100;
/** The largest offset accepted (a playlist holds at most 10,000 tracks). */
export const PLAYLIST_OFFSET_MAX = 100_000;

export interface PlaylistsRouteDeps {
  reader: PlaylistsReader;
}

function parseOffset(raw: unknown): Parsed<number> {
  if (raw === undefined) return { ok: true, value: 0 };
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  return n >= 0 && n <= PLAYLIST_OFFSET_MAX
    ? { ok: true, value: n }
    : { ok: false, reason: `must be an integer from 0 to ${PLAYLIST_OFFSET_MAX}` };
}

/** offset and limit of a page, or an answer already sent (400 naming the parameter). */
function pageOf(req: Request, res: Response): { offset: number; limit: number } | undefined {
  const limit = parseLimit(req.query.limit, 1, PLAYLIST_PAGE_MAX, PLAYLIST_PAGE_DEFAULT);
  if (!limit.ok) return void sendBadParam(res, 'limit', limit.reason);
  const offset = parseOffset(req.query.offset);
  if (!offset.ok) return void sendBadParam(res, 'offset', offset.reason);
  return { offset: offset.value, limit: limit.value };
}

/** The same 404 for an unknown, deleted or private-to-others playlist: existence never leaks. */
function notFound(res: Response, id: string) {
  res.set('Cache-Control', 'no-store');
  sendProblem(res, {
    status: 404,
    code: 'playlist-not-found',
    title: 'Not found',
    detail: `no playlist ${id} readable with this token`,
  });
}

/** Public answers are cacheable by anyone; a private playlist's are for its members only. */
function send(
  req: Request,
  res: Response,
  body: unknown,
  isPublic: boolean,
  cfg: PublicReadRouteConfig,
) {
  if (isPublic) return sendCachedJson(req, res, body, cfg);
  res.set('Cache-Control', 'private, no-store').json(body);
}

/**
 * Playlists: the listener's own and collaborative ones (user token), and one playlist and its
 * tracks in the converged order. Public playlists are readable by anyone, with or without a
 * token (like /v1/tracks); private ones only with the token of their owner or a collaborator,
 * and anyone else gets 404, never 403. The mounting app checks a token when one is sent
 * (auth.middleware.ts optionalUserToken).
 */
export function createPlaylistsRouter(
  config: PublicReadRouteConfig,
  deps: PlaylistsRouteDeps,
): Router {
  const router = express.Router();
  const viewer = (res: Response) => res.locals.userId as string | undefined;

  router.get('/v1/me/playlists', async (req, res) => {
    res.set('Cache-Control', 'private, no-store');
    const page = pageOf(req, res);
    if (!page) return;
    const userId = res.locals.userId as string;
    res.json({ user_id: userId, ...(await deps.reader.mine(userId, page)) });
  });

  router.get('/v1/playlists/:playlistId', async (req, res) => {
    const id = parseId(req.params.playlistId);
    if (!id.ok) return sendBadParam(res, 'playlistId', id.reason);
    const p = await deps.reader.playlist(id.value, viewer(res));
    if (!p) return notFound(res, id.value);
    send(req, res, p, p.public, config);
  });

  router.get('/v1/playlists/:playlistId/tracks', async (req, res) => {
    const id = parseId(req.params.playlistId);
    if (!id.ok) return sendBadParam(res, 'playlistId', id.reason);
    const page = pageOf(req, res);
    if (!page) return;
    const t = await deps.reader.tracks(id.value, viewer(res), page);
    if (!t) return notFound(res, id.value);
    send(req, res, t.page, t.public, config);
  });

  router.use(readErrorHandler);
  return router;
}
