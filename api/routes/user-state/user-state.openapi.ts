/**
 * OpenAPI 3.1 fragments (paths + components) of the user-state routes, merged by the API
 * skeleton. Schemas are closed (additionalProperties: false) so contract tests catch drift.
 */
import {
  PROBLEM_SCHEMA,
  problemResponse as problem,
} from '../../../common/http/problem.openapi.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ms = (description: string) => ({ type: 'integer', minimum: 0, description });
const count = (description: string) => ({ type: 'integer', minimum: 0, description });
const closed = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
  ...(description ? { description } : {}),
});
const nextCursor = {
  type: ['string', 'null'],
  description: 'Pass as ?cursor= for the next page; null on the last page.',
};
const json = (schema: unknown, description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
const privateHeaders = {
  'Cache-Control': { description: 'private, no-store', schema: { type: 'string' } },
};
const publicHeaders = {
  'Cache-Control': { description: 'public, max-age=5', schema: { type: 'string' } },
  ETag: { description: 'Weak validator of the body', schema: { type: 'string' } },
};
const pageParams = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: 'Items per page (default 20).',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
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
const meErrors = {
  '401': problem('No user token, or not a user token'),
  '503': problem('The user-state store is unavailable; retry (Retry-After)'),
};
const me = (summary: string, schema: string, extra: Record<string, unknown> = {}) => ({
  get: {
    tags: ['me'],
    summary,
    security: [{ userToken: [] }],
    ...extra,
    responses: {
      '200': json(ref(schema), 'OK', privateHeaders),
      ...('parameters' in extra
        ? { '400': problem('A query parameter is invalid (named in `parameter`)') }
        : {}),
      ...meErrors,
    },
  },
});

const deviceState = {
  device_id: { type: 'string' },
  track_id: { type: 'string' },
  playback_id: { type: 'string' },
  session_id: { type: 'string' },
  phase: { type: 'string', enum: ['STARTED', 'PROGRESS', 'ENDED'] },
  playing: { type: 'boolean', description: 'False once the playback ENDED on that device.' },
  position_ms: ms('Position in the track at event_time (the resume position).'),
  ms_played: ms('Milliseconds listened in this playback so far.'),
  event_time: ms('Event time of this state, in ms since the epoch.'),
};
const followPage = (extra: Record<string, unknown> = {}) =>
  closed({
    ...extra,
    count: count('How many in total.'),
    items: { type: 'array', maxItems: 100, items: ref('FollowEntry') },
    next_cursor: nextCursor,
  });

export const userStateOpenApi = {
  paths: {
    '/v1/me': me('Listening totals and what the user plays now', 'MeSummary'),
    '/v1/me/devices': me('Latest playback state per device, newest first', 'DeviceList'),
    '/v1/me/now-playing': me('The device playing now, and where to resume', 'NowPlaying'),
    '/v1/me/recently-played': me('The 50 latest plays, newest first', 'RecentPlayPage', {
      parameters: pageParams,
    }),
    '/v1/me/following': me(
      'Artists or users the user follows, latest follow first',
      'FollowingPage',
      {
        parameters: [
          {
            name: 'type',
            in: 'query',
            required: true,
            schema: { type: 'string', enum: ['artist', 'user'] },
          },
          ...pageParams,
        ],
      },
    ),
    '/v1/me/followers': me('Users who follow the user, latest first', 'FollowersPage', {
      parameters: pageParams,
    }),
    '/v1/me/settings': me(
      "Who may see the user's activity: sharing (off until the user opts in) and the private session",
      'ActivitySettings',
      {
        description:
          'Settings change through the event contract, never through this API (which only reads projections): the client sends a `listener-settings` event (SDK `listenerSettings()`, or POST /v1/events on the gateway with a listener token) and the user-state projection applies it.',
      },
    ),
    '/v1/me/friend-activity': me(
      'What the users the user follows play, latest first (derived at read time)',
      'FriendActivityPage',
      {
        description:
          'Only friends who opted in (a listener-settings event with share_activity true) are shown; nothing of a friend is shown while their private session is on, and nothing played during a private session is ever shown. A listener who never sent settings is hidden.',
        parameters: pageParams,
      },
    ),
    '/v1/artists/{artistId}/followers': {
      get: {
        tags: ['artists'],
        summary: "An artist's follower count and followers, latest first",
        security: [],
        parameters: [
          {
            name: 'artistId',
            in: 'path',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: 128 },
          },
          ...pageParams,
        ],
        responses: {
          '200': json(ref('ArtistFollowersPage'), 'OK', publicHeaders),
          '304': {
            description: 'Not modified (If-None-Match matched the ETag)',
            headers: publicHeaders,
          },
          '400': problem('A parameter is invalid (named in `parameter`)'),
          '404': problem('Unknown artist (when the catalogue is wired in)'),
          '503': problem('The user-state store is unavailable; retry (Retry-After)'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      userToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'A user token; /v1/me is that user.',
      },
    },
    schemas: {
      Problem: PROBLEM_SCHEMA,
      Totals: closed({
        ms_played: ms('Milliseconds listened over ENDED playbacks.'),
        qualified_streams: count('ENDED playbacks of at least 30 000 ms.'),
        skips: count('Skips.'),
      }),
      DeviceState: closed(deviceState, 'The latest playback state of one device (by event time).'),
      DeviceList: closed({ items: { type: 'array', items: ref('DeviceState') } }),
      ResumePoint: closed({
        device_id: { type: 'string' },
        track_id: { type: 'string' },
        playback_id: { type: 'string' },
        position_ms: ms('Where to resume, in ms into the track.'),
        event_time: ms('When that position was reported, in ms since the epoch.'),
      }),
      NowPlaying: closed({
        playing: { oneOf: [ref('DeviceState'), { type: 'null' }] },
        resume: { oneOf: [ref('ResumePoint'), { type: 'null' }] },
      }),
      MeSummary: closed({
        user_id: { type: 'string' },
        totals: ref('Totals'),
        now_playing: ref('NowPlaying'),
      }),
      RecentPlay: closed({
        track_id: { type: 'string' },
        playback_id: { type: 'string' },
        played_at: ms('Event time of the playback end, in ms since the epoch.'),
      }),
      RecentPlayPage: closed({
        items: { type: 'array', maxItems: 100, items: ref('RecentPlay') },
        next_cursor: nextCursor,
      }),
      FollowEntry: closed({
        id: { type: 'string', description: 'Artist id or user id.' },
        followed_at: ms('Event time of the follow, in ms since the epoch.'),
      }),
      FollowingPage: followPage({ type: { type: 'string', enum: ['artist', 'user'] } }),
      FollowersPage: followPage(),
      ArtistFollowersPage: followPage({ artist_id: { type: 'string' } }),
      FriendActivity: closed({ user_id: { type: 'string' }, ...deviceState }),
      ActivitySettings: closed({
        share_activity: {
          type: 'boolean',
          description: 'Whether followers see what the user plays; false until the user opts in.',
        },
        private_session_until: {
          type: ['integer', 'null'],
          minimum: 0,
          description: 'End of the latest private session, in ms since the epoch, or null.',
        },
        private_session: { type: 'boolean', description: 'Whether a private session is on now.' },
        updated_at: {
          type: ['integer', 'null'],
          minimum: 0,
          description: 'Event time of the settings in force; null if the user never sent any.',
        },
      }),
      FriendActivityPage: closed({
        items: { type: 'array', maxItems: 100, items: ref('FriendActivity') },
        next_cursor: nextCursor,
      }),
    },
  },
} as const;
