/**
 * OpenAPI 3.1 fragment of the playlist routes (playlists.route.ts). Schemas are closed
 * (additionalProperties: false) so the contract tests catch drift.
 */
import {
  cachedJson,
  countSchema,
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
const OFFSET_MAX = 100_000;

const closed = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const pageParams = [
  {
    name: 'offset',
    in: 'query',
    required: false,
    description:
      'Entries to skip (default 0): the next_offset of the previous page. Positions in the current order: an edit between two pages may shift entries across the page boundary.',
    schema: { type: 'integer', minimum: 0, maximum: OFFSET_MAX, default: 0 },
  },
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Entries per page (default ${PAGE_DEFAULT}).`,
    schema: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT },
  },
];
const paging = {
  total: countSchema,
  offset: { type: 'integer', minimum: 0 },
  limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX },
  next_offset: {
    type: ['integer', 'null'],
    minimum: 0,
    description: 'Pass as ?offset= for the next page; null on the last page.',
  },
};
const time = { type: 'string', format: 'date-time' };
const bad = problem('A parameter is invalid (named in `parameter`).');
const notFound = problem(
  'No such playlist, it was deleted, or it is private and the token is not its owner’s or a collaborator’s (the same answer, so a private playlist is never revealed).',
);
const badToken = problem(
  'A token was sent and it is missing its Bearer form, invalid or expired (send none to read public playlists).',
);
const notUser = problem('The token sent is not a user token.');
const privateHeaders = {
  'Cache-Control': {
    description: 'public, max-age=5 for a public playlist; private, no-store for a private one',
    schema: { type: 'string' },
  },
  ETag: {
    description: 'Weak validator of the body (public playlists)',
    schema: { type: 'string' },
  },
};
const readable = (schema: string, description: string) => ({
  ...cachedJson(schema, description),
  headers: privateHeaders,
});
const optionalToken = [{}, { userToken: [] }];

const playlistProps = {
  playlist_id: { type: 'string' },
  name: { type: 'string' },
  owner: { type: 'string', description: 'The user who created it' },
  public: { type: 'boolean' },
  collaborators: { type: 'array', items: { type: 'string' }, maxItems: 100 },
  track_count: { ...countSchema, maximum: 10_000 },
  created_at: time,
  updated_at: { ...time, description: 'The latest event time of an edit applied to it' },
};

/** OpenAPI 3.1 fragment: the listener's playlists, one playlist, its tracks. */
export const playlistsOpenApi = {
  paths: {
    '/v1/me/playlists': {
      get: {
        summary: 'The playlists the listener owns or collaborates on',
        description:
          'Ordered by playlist id descending (newest created first for SDK-made ids), each with the listener’s role. Private ones included: they are the listener’s own.',
        tags: ['me', 'playlists'],
        security: [{ userToken: [] }],
        parameters: pageParams,
        responses: {
          '200': {
            description: 'One page of playlists',
            headers: {
              'Cache-Control': { description: 'private, no-store', schema: { type: 'string' } },
            },
            content: { 'application/json': { schema: ref('MyPlaylists') } },
          },
          '400': bad,
          '503': unavailable,
        },
      },
    },
    '/v1/playlists/{playlistId}': {
      get: {
        summary: 'One playlist: name, owner, visibility, collaborators, track count, last update',
        description:
          'A public playlist is readable by anyone, with or without a token (like /v1/tracks); a private one only with its owner’s or a collaborator’s user token.',
        tags: ['playlists'],
        security: optionalToken,
        parameters: [pathId('playlistId', 'The playlist (its CREATE’s event_id)'), ifNoneMatch],
        responses: {
          '200': readable('Playlist', 'The playlist'),
          '304': notModified,
          '400': bad,
          '401': badToken,
          '403': notUser,
          '404': notFound,
          '503': unavailable,
        },
      },
    },
    '/v1/playlists/{playlistId}/tracks': {
      get: {
        summary: 'One page of a playlist’s tracks, in the converged order',
        description:
          'The order every replica converges to whatever the arrival order of concurrent edits (processors/playlists/README.md). To insert after an entry, an ADD_TRACK or MOVE_TRACK names its `position_id`; REMOVE_TRACK and MOVE_TRACK name its `item_id`. Who may read: as for the playlist.',
        tags: ['playlists'],
        security: optionalToken,
        parameters: [
          pathId('playlistId', 'The playlist (its CREATE’s event_id)'),
          ...pageParams,
          ifNoneMatch,
        ],
        responses: {
          '200': readable('PlaylistTracks', 'One page of tracks'),
          '304': notModified,
          '400': bad,
          '401': badToken,
          '403': notUser,
          '404': notFound,
          '503': unavailable,
        },
      },
    },
  },
  components: {
    schemas: {
      ...sharedSchemas,
      Playlist: closed(playlistProps),
      MyPlaylist: closed({
        ...playlistProps,
        role: { enum: ['owner', 'collaborator'] },
      }),
      MyPlaylists: closed({
        user_id: { type: 'string' },
        items: { type: 'array', maxItems: PAGE_MAX, items: ref('MyPlaylist') },
        ...paging,
      }),
      PlaylistTrack: closed({
        item_id: { type: 'string', description: 'What REMOVE_TRACK and MOVE_TRACK name' },
        position_id: {
          type: 'string',
          description: 'What an ADD_TRACK or MOVE_TRACK right after this entry names',
        },
        track_id: { type: 'string' },
        added_by: { type: 'string' },
        added_at: time,
      }),
      PlaylistTracks: closed({
        playlist_id: { type: 'string' },
        items: { type: 'array', maxItems: PAGE_MAX, items: ref('PlaylistTrack') },
        ...paging,
      }),
    },
  },
};
