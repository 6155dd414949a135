import express, { type Router } from 'express';
import type {
  CatalogueReader,
  CatalogueTrack,
} from '../../../read-models/catalogue/catalogue.reader.js';
import type { PlayCountsReader } from '../../../read-models/play-counts/play-counts.reader.js';
import {
  parseId,
  parseLimit,
  readErrorHandler,
  sendBadParam,
  sendCachedJson,
  sendNotFound,
  type Parsed,
  type PublicReadRouteConfig,
} from '../tracks/public-read.http.js';
import {
  cachedJson,
  countSchema,
  ifNoneMatch,
  marketSchema,
  notModified,
  pathId,
  problem,
  ref,
  sharedSchemas,
  unavailable,
} from '../tracks/public-read.openapi.js';

export interface CatalogueRouteDeps {
  catalogue: CatalogueReader;
  playCounts: PlayCountsReader;
}

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

/** Opaque page cursor: base64url of "l1:<last track id>". */
export const encodeCursor = (trackId: string) => Buffer.from(`l1:${trackId}`).toString('base64url');

export function decodeCursor(raw: unknown): Parsed<string | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const text =
    typeof raw === 'string' && /^[A-Za-z0-9_-]+$/.test(raw)
      ? Buffer.from(raw, 'base64url').toString('utf8')
      : '';
  return text.startsWith('l1:') && text.length > 3
    ? { ok: true, value: text.slice(3) }
    : { ok: false, reason: 'is not a cursor this API returned' };
}

/**
 * Public catalogue reads: an artist with its tracks and their streams (summed at read time
 * from per-track counts), and a label's tracks page by page (ordered by track id).
 */
export function createCatalogueRouter(
  config: PublicReadRouteConfig,
  deps: CatalogueRouteDeps,
): Router {
  const router = express.Router();

  router.get('/v1/artists/:artistId', async (req, res) => {
    const id = parseId(req.params.artistId);
    if (!id.ok) return sendBadParam(res, 'artistId', id.reason);
    const tracks = await deps.catalogue.artistTracks(id.value);
    if (!tracks.length) return sendNotFound(res, 'artist-not-found', `no artist ${id.value}`);
    const counts = await deps.playCounts.totals(tracks.map((t) => t.track_id));
    // The name as credited on the artist's most recently updated track.
    const latest = tracks.reduce((a, b) => (b.updated_at > a.updated_at ? b : a));
    const items = tracks.map((t) => ({
      track_id: t.track_id,
      isrc: t.isrc,
      title: t.title,
      streams: counts.get(t.track_id)?.streams ?? 0,
    }));
    sendCachedJson(
      req,
      res,
      {
        artist_id: id.value,
        name: latest.artists.find((a) => a.artist_id === id.value)!.name,
        streams: items.reduce((s, t) => s + t.streams, 0),
        tracks: items,
      },
      config,
    );
  });

  router.get('/v1/labels/:labelId/tracks', async (req, res) => {
    const id = parseId(req.params.labelId);
    if (!id.ok) return sendBadParam(res, 'labelId', id.reason);
    const limit = parseLimit(req.query.limit, 1, PAGE_MAX, PAGE_DEFAULT);
    if (!limit.ok) return sendBadParam(res, 'limit', limit.reason);
    const cursor = decodeCursor(req.query.cursor);
    if (!cursor.ok) return sendBadParam(res, 'cursor', cursor.reason);
    const page = await deps.catalogue.labelTracks(id.value, {
      limit: limit.value,
      ...(cursor.value === undefined ? {} : { after: cursor.value }),
    });
    if (!page.items.length && cursor.value === undefined) {
      return sendNotFound(res, 'label-not-found', `no label ${id.value}`);
    }
    const counts = await deps.playCounts.totals(page.items.map((t) => t.track_id));
    sendCachedJson(
      req,
      res,
      {
        label_id: id.value,
        items: page.items.map((t) => labelTrack(t, counts.get(t.track_id)?.streams ?? 0)),
        next_cursor: page.next === null ? null : encodeCursor(page.next),
      },
      config,
    );
  });

  router.use(readErrorHandler);
  return router;
}

const labelTrack = (t: CatalogueTrack, streams: number) => ({
  track_id: t.track_id,
  isrc: t.isrc,
  title: t.title,
  artists: t.artists,
  release_id: t.release_id,
  duration_ms: t.duration_ms,
  markets: t.markets,
  streams,
});

/** OpenAPI 3.1 fragment: paths and component schemas of the public catalogue reads. */
export const catalogueOpenApi = {
  paths: {
    '/v1/artists/{artistId}': {
      get: {
        summary: "An artist's tracks and their qualified streams",
        tags: ['catalogue'],
        security: [],
        parameters: [pathId('artistId', 'Artist id'), ifNoneMatch],
        responses: {
          '200': cachedJson('Artist', 'The artist, tracks by track id'),
          '304': notModified,
          '400': problem('A parameter is invalid (named in `parameter`).'),
          '404': problem('No track credits this artist.'),
          '503': unavailable,
        },
      },
    },
    '/v1/labels/{labelId}/tracks': {
      get: {
        summary: "A label's tracks, by track id, a page at a time",
        tags: ['catalogue'],
        security: [],
        parameters: [
          pathId('labelId', 'Label id'),
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description:
              'next_cursor of the previous page (opaque): only a cursor this API returned is accepted (400 otherwise)',
            schema: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_-]+$' },
          },
          ifNoneMatch,
        ],
        responses: {
          '200': cachedJson('LabelTrackPage', 'One page'),
          '304': notModified,
          '400': problem('A parameter is invalid (named in `parameter`).'),
          '404': problem('The label has no tracks.'),
          '503': unavailable,
        },
      },
    },
  },
  components: {
    schemas: {
      ...sharedSchemas,
      ArtistTrack: {
        type: 'object',
        additionalProperties: false,
        required: ['track_id', 'isrc', 'title', 'streams'],
        properties: {
          track_id: { type: 'string' },
          isrc: { type: 'string' },
          title: { type: 'string' },
          streams: countSchema,
        },
      },
      Artist: {
        type: 'object',
        additionalProperties: false,
        required: ['artist_id', 'name', 'streams', 'tracks'],
        properties: {
          artist_id: { type: 'string' },
          name: { type: 'string' },
          streams: { ...countSchema, description: "Sum of the tracks' qualified streams" },
          tracks: { type: 'array', minItems: 1, items: ref('ArtistTrack') },
        },
      },
      LabelTrack: {
        type: 'object',
        additionalProperties: false,
        required: [
          'track_id',
          'isrc',
          'title',
          'artists',
          'release_id',
          'duration_ms',
          'markets',
          'streams',
        ],
        properties: {
          track_id: { type: 'string' },
          isrc: { type: 'string' },
          title: { type: 'string' },
          artists: { type: 'array', items: ref('ArtistCredit') },
          release_id: { type: ['string', 'null'] },
          duration_ms: countSchema,
          markets: { type: 'array', items: marketSchema },
          streams: countSchema,
        },
      },
      LabelTrackPage: {
        type: 'object',
        additionalProperties: false,
        required: ['label_id', 'items', 'next_cursor'],
        properties: {
          label_id: { type: 'string' },
          items: { type: 'array', maxItems: PAGE_MAX, items: ref('LabelTrack') },
          next_cursor: { type: ['string', 'null'] },
        },
      },
    },
  },
};
