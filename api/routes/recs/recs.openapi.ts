/**
 * OpenAPI 3.1 fragment of the recommendation routes (recs.route.ts). Schemas are closed
 * (additionalProperties: false) so the contract tests catch drift.
 */
import { MARKET_PATTERN } from '../tracks/public-read.http.js';
import {
  cachedJson,
  countSchema,
  daySchema,
  ifNoneMatch,
  notModified,
  pathId,
  problem,
  ref,
  sharedSchemas,
  unavailable,
} from '../tracks/public-read.openapi.js';

const PAGE_MAX = 100;
const PAGE_DEFAULT = 20;

const closed = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const pageParams = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Items per page (default ${PAGE_DEFAULT}).`,
    schema: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description:
      'The next_cursor of the previous page (opaque): only a cursor this API returned is accepted (400 otherwise).',
    schema: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' },
  },
];
const nextCursor = {
  type: ['string', 'null'],
  description: 'Pass as ?cursor= for the next page; null on the last page.',
};
const score = { type: 'number', minimum: 0 };
const share = { type: 'number', minimum: 0, maximum: 1 };
const bad = problem('A parameter is invalid (named in `parameter`).');
const mixHeaders = {
  ETag: { description: 'Weak validator of the body', schema: { type: 'string' } },
  'Cache-Control': { description: 'private, max-age=60', schema: { type: 'string' } },
};

/** OpenAPI 3.1 fragment: similar tracks, fans also like, the daily mix. */
export const recsOpenApi = {
  paths: {
    '/v1/tracks/{trackId}/similar': {
      get: {
        summary: "A track's most similar tracks by co-listening, best first",
        description:
          'The neighbour list the refresh keeps (top K by Dunning LLR over listener-sessions, or cosine: see `metric`), each with the score and co-listen count behind it. A catalogued track without neighbours answers an empty list.',
        tags: ['recs'],
        security: [],
        parameters: [pathId('trackId', 'Backbeat track id'), ...pageParams, ifNoneMatch],
        responses: {
          '200': cachedJson('SimilarTracks', 'One page of neighbours'),
          '304': notModified,
          '400': bad,
          '404': problem('No such track in the catalogue.'),
          '503': unavailable,
        },
      },
    },
    '/v1/artists/{artistId}/fans-also-like': {
      get: {
        summary: 'Artists whose listeners overlap this artist’s, best first',
        description:
          "Fans are distinct listeners by qualified streams over the refresh's months; score = overlap² / (fans of A × fans of B), the overlap weighed by its share of each fanbase.",
        tags: ['recs'],
        security: [],
        parameters: [pathId('artistId', 'Artist id'), ...pageParams, ifNoneMatch],
        responses: {
          '200': cachedJson('FansAlsoLike', 'One page of artists'),
          '304': notModified,
          '400': bad,
          '404': problem('No catalogued track credits this artist.'),
          '503': unavailable,
        },
      },
    },
    '/v1/me/daily-mix': {
      get: {
        summary: "The listener's daily mix, each track with why it is there",
        description:
          "Built from the neighbours of the listener's recently played tracks, minus those tracks, at most RECS_MIX_PER_ARTIST per artist, ordered by score with a tie-break seeded by listener and UTC day (the same mix all day). Fallback (no history, or nothing played has neighbours): the chart of the listener's market (of their latest qualified play; global if none), today's or else yesterday's, else the global one; `source` says which.",
        tags: ['me', 'recs'],
        security: [{ userToken: [] }],
        parameters: [...pageParams, ifNoneMatch],
        responses: {
          '200': {
            description: 'One page of the mix',
            headers: mixHeaders,
            content: { 'application/json': { schema: ref('DailyMix') } },
          },
          '304': { description: 'The client holds the current body.', headers: mixHeaders },
          '400': bad,
          '401': problem('No user token, or not a user token'),
          '503': unavailable,
        },
      },
    },
  },
  components: {
    schemas: {
      ...sharedSchemas,
      SimilarTrack: closed({
        track_id: { type: 'string' },
        title: { type: ['string', 'null'], description: 'null when not in the catalogue' },
        artists: { type: 'array', items: ref('ArtistCredit') },
        score,
        co_listens: { ...countSchema, minimum: 1 },
        because: closed({
          track_id: { type: 'string', description: 'The track asked about' },
          score,
          co_listens: { ...countSchema, minimum: 1 },
          text: { type: 'string' },
        }),
      }),
      SimilarTracks: closed({
        track_id: { type: 'string' },
        title: { type: 'string' },
        metric: { enum: ['llr', 'cosine', null] },
        sessions: {
          ...countSchema,
          description: 'Sessions that played the track (the months counted)',
        },
        refreshed_at: { type: ['string', 'null'], format: 'date-time' },
        items: { type: 'array', maxItems: PAGE_MAX, items: ref('SimilarTrack') },
        next_cursor: nextCursor,
      }),
      FanArtist: closed({
        artist_id: { type: 'string' },
        name: { type: ['string', 'null'] },
        score: share,
        overlap: { ...countSchema, minimum: 1 },
        share_of_fans: { ...share, description: "overlap / this artist's fans" },
        share_of_their_fans: { ...share, description: "overlap / the other artist's fans" },
        because: closed({ text: { type: 'string' } }),
      }),
      FansAlsoLike: closed({
        artist_id: { type: 'string' },
        name: { type: ['string', 'null'] },
        fans: countSchema,
        refreshed_at: { type: ['string', 'null'], format: 'date-time' },
        items: { type: 'array', maxItems: PAGE_MAX, items: ref('FanArtist') },
        next_cursor: nextCursor,
      }),
      MixBecause: {
        oneOf: [
          closed({
            kind: { const: 'played' },
            track_id: { type: 'string', description: 'The track you played' },
            title: { type: ['string', 'null'] },
            played_at: { ...countSchema, description: 'Event time of that play (ms)' },
            score,
            co_listens: { ...countSchema, minimum: 1 },
            text: { type: 'string' },
          }),
          closed({
            kind: { const: 'chart' },
            market: { oneOf: [{ type: 'string', pattern: MARKET_PATTERN }, { const: 'global' }] },
            day: daySchema,
            rank: { type: 'integer', minimum: 1 },
            streams: countSchema,
            text: { type: 'string' },
          }),
        ],
      },
      MixItem: closed({
        track_id: { type: 'string' },
        title: { type: 'string' },
        artists: { type: 'array', items: ref('ArtistCredit') },
        score: { type: ['number', 'null'], minimum: 0 },
        co_listens: { type: ['integer', 'null'], minimum: 1 },
        because: ref('MixBecause'),
      }),
      DailyMix: closed({
        user_id: { type: 'string' },
        day: daySchema,
        source: { enum: ['neighbours', 'chart'] },
        market: {
          oneOf: [
            { type: 'string', pattern: MARKET_PATTERN },
            { const: 'global' },
            { type: 'null' },
          ],
          description: 'The chart used (source chart), else null',
        },
        items: { type: 'array', maxItems: PAGE_MAX, items: ref('MixItem') },
        next_cursor: nextCursor,
      }),
    },
  },
};
