import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Redis } from 'ioredis';
import { listen } from '../../../common/http/http-server.js';
import type { AnyEnvelope } from '../../../processors/runtime/processor.types.js';
import { userStateProjection } from '../../../processors/user-state/user-state.projection.js';
import { createUserStateReader } from '../../../read-models/user-state/user-state.reader.js';
import { pid, userStateEvents } from '../../../test/helpers/user-state.helper.js';
import { redisHarness } from '../../../test/helpers/redis-harness.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import { checkSchema, responseSchema } from '../../../test/helpers/user-state-contract.helper.js';
import {
  createUserStateRouter,
  defaultUserStateRouteConfig,
  userStateOpenApi,
  type UserStateRouteDeps,
} from './user-state.route.js';

const T0 = Date.UTC(2026, 10, 24, 12);
const doc = userStateOpenApi as unknown as Parameters<typeof checkSchema>[0] & {
  paths: Record<string, unknown>;
};
let redis: Redis;
let dead: Redis;
const servers: { close(): Promise<void> }[] = [];
let drop: () => Promise<void>;
let base: string;

/** A bare app: a test stand-in for the skeleton's auth sets res.locals.userId from a header. */
async function serve(deps: UserStateRouteDeps): Promise<string> {
  const app = express();
  app.use((req, res, next) => {
    const user = req.header('x-test-user');
    if (user) res.locals.userId = user;
    next();
  });
  app.use(createUserStateRouter(defaultUserStateRouteConfig, deps));
  const s = await listen(app, 0, '127.0.0.1');
  servers.push(s);
  return `http://127.0.0.1:${s.port}`;
}

async function get(path: string, user?: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    headers: { ...(user ? { 'x-test-user': user } : {}), ...headers },
  });
  const text = await res.text();
  const isJson = /json/.test(res.headers.get('content-type') ?? '');
  return {
    res,
    status: res.status,
    body: isJson ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

/** GET, expect 200, and validate the body against the path's documented schema. */
async function ok(path: string, docPath: string, user?: string) {
  const r = await get(path, user);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(checkSchema(doc, responseSchema(doc, docPath, '200'), r.body), [], path);
  return r;
}

/** Expect a problem+json answer naming `parameter` (400) and valid against Problem. */
async function problem(path: string, status: number, user?: string, parameter?: string) {
  const r = await get(path, user);
  assert.equal(r.status, status, path);
  assert.match(r.res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.deepEqual(checkSchema(doc, { $ref: '#/components/schemas/Problem' }, r.body), []);
  if (parameter) assert.equal(r.body?.parameter, parameter, path);
  return r;
}

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
  const name = `user-state-route-it-${randomUUID()}`;
  const h = redisHarness(redis, userStateProjection, { name });
  drop = () => h.sink.drop!();
  const ev = userStateEvents(randomUUID());
  const batch: AnyEnvelope[] = [
    ...Array.from({ length: 5 }, (_, i) =>
      ev.playback({
        phase: 'ENDED',
        playback_id: pid(i),
        track_id: `t${i}`,
        event_time: T0 + i,
        ms_played: 30_000 + i,
      }),
    ),
    ev.playback({
      phase: 'PROGRESS',
      playback_id: pid(9),
      track_id: 'now',
      device_id: 'phone',
      event_time: T0 + 100,
      position_ms: 12_000,
    }),
    ev.playback({
      user_id: 'user-2',
      phase: 'STARTED',
      playback_id: pid(20),
      track_id: 'theirs',
      device_id: 'tv',
      event_time: T0 + 50,
    }),
    ev.settings({ user_id: 'user-2', share_activity: true, event_time: T0 }),
    ev.follow({ target_type: 'ARTIST', target_id: 'artist-1', event_time: T0 }),
    ev.follow({ target_type: 'USER', target_id: 'user-2', event_time: T0 + 1 }),
    ...Array.from({ length: 3 }, (_, i) =>
      ev.follow({
        user_id: `fan-${i}`,
        target_type: 'ARTIST',
        target_id: 'artist-1',
        event_time: T0 + 10 + i,
      }),
    ),
    ev.skip(),
  ];
  const applied = await h.apply(batch);
  assert.ok(applied.outcomes.every((o) => o.kind === 'ok'));
  assert.equal(applied.result, 'applied');
  base = await serve({ reader: createUserStateReader({ redis }, { name }) });
});

after(async () => {
  for (const s of servers) await s.close();
  await drop();
  await redis.quit();
  dead?.disconnect();
});

describe('friend activity privacy through the routes (real Redis sink and projection)', () => {
  it('a follower sees nothing by default, the activity after opt-in, and nothing during a private session', async () => {
    const name = `user-state-privacy-it-${randomUUID()}`;
    const h = redisHarness(redis, userStateProjection, { name });
    const apply = async (...batch: AnyEnvelope[]) => {
      const applied = await h.apply(batch);
      assert.ok(applied.outcomes.every((o) => o.kind === 'ok'));
      assert.equal(applied.result, 'applied');
    };
    let clock = T0 + 60_000;
    const url = await serve({
      reader: createUserStateReader({ redis }, { name, now: () => clock }),
    });
    const friends = async () => {
      const r = await fetch(`${url}/v1/me/friend-activity`, { headers: { 'x-test-user': 'fan' } });
      assert.equal(r.status, 200);
      return ((await r.json()) as { items: { user_id: string; track_id: string }[] }).items.map(
        (f) => `${f.user_id}:${f.track_id}`,
      );
    };
    const settingsOf = async (user: string) =>
      (await fetch(`${url}/v1/me/settings`, { headers: { 'x-test-user': user } })).json();
    try {
      const ev = userStateEvents(randomUUID());
      const play = (track: string, t: number, n: number) =>
        ev.playback({
          user_id: 'star',
          device_id: 'phone',
          phase: 'STARTED',
          playback_id: pid(100 + n),
          track_id: track,
          event_time: t,
        });
      await apply(
        ev.follow({ user_id: 'fan', target_type: 'USER', target_id: 'star', event_time: T0 }),
        play('first', T0 + 1_000, 1),
      );
      assert.deepEqual(await friends(), [], 'hidden by default');
      assert.deepEqual(await settingsOf('star'), {
        share_activity: false,
        private_session_until: null,
        private_session: false,
        updated_at: null,
      });

      await apply(ev.settings({ user_id: 'star', share_activity: true, event_time: T0 + 2_000 }));
      assert.deepEqual(await friends(), ['star:first'], 'shown after opt-in');

      const until = T0 + 3_600_000;
      await apply(
        ev.settings({
          user_id: 'star',
          share_activity: true,
          event_time: T0 + 70_000,
          private_session_until: until,
        }),
      );
      clock = T0 + 80_000;
      await apply(play('secret', T0 + 90_000, 2));
      assert.deepEqual(await friends(), [], 'nothing during the private session');
      assert.equal(
        ((await settingsOf('star')) as { private_session: boolean }).private_session,
        true,
      );

      clock = until + 1;
      assert.deepEqual(await friends(), [], 'what was played in it stays hidden');
      await apply(play('after', until + 10, 3));
      assert.deepEqual(await friends(), ['star:after']);
    } finally {
      await h.sink.drop!();
    }
  });
});

describe('user-state routes (real Redis)', () => {
  it('GET /v1/me answers for the token user only, private and never cached', async () => {
    const me = await ok('/v1/me', '/v1/me', 'user-1');
    assert.equal(me.res.headers.get('cache-control'), 'private, no-store');
    assert.deepEqual(me.body?.totals, { ms_played: 150_010, qualified_streams: 5, skips: 1 });
    assert.equal(
      (me.body?.now_playing as { playing: { track_id: string } }).playing.track_id,
      'now',
    );

    const them = await ok('/v1/me?user_id=user-1', '/v1/me', 'user-2');
    assert.equal(them.body?.user_id, 'user-2', 'a user id in the query is ignored');
    assert.deepEqual(them.body?.totals, { ms_played: 0, qualified_streams: 0, skips: 0 });

    const anon = await problem('/v1/me', 401);
    assert.equal(anon.res.headers.get('www-authenticate'), 'Bearer');
    await problem('/v1/me/devices', 401);
    assert.equal(
      (await get('/v1/users/user-2/devices', 'user-1')).status,
      404,
      'no user ids in URLs',
    );
  });

  it('devices, now playing, followers, following and friend activity match their schemas', async () => {
    const devices = await ok('/v1/me/devices', '/v1/me/devices', 'user-1');
    assert.deepEqual(
      (devices.body?.items as { device_id: string; playing: boolean }[]).map((d) => [
        d.device_id,
        d.playing,
      ]),
      [
        ['phone', true],
        ['device-1', false],
      ],
    );
    const now = await ok('/v1/me/now-playing', '/v1/me/now-playing', 'user-2');
    assert.equal((now.body?.resume as { device_id: string }).device_id, 'tv');
    const empty = await ok('/v1/me/now-playing', '/v1/me/now-playing', 'nobody');
    assert.deepEqual(empty.body, { playing: null, resume: null });

    const artists = await ok('/v1/me/following?type=artist', '/v1/me/following', 'user-1');
    assert.deepEqual(artists.body, {
      type: 'artist',
      count: 1,
      items: [{ id: 'artist-1', followed_at: T0 }],
      next_cursor: null,
    });
    const followers = await ok('/v1/me/followers', '/v1/me/followers', 'user-2');
    assert.deepEqual(followers.body?.items, [{ id: 'user-1', followed_at: T0 + 1 }]);

    const friends = await ok('/v1/me/friend-activity', '/v1/me/friend-activity', 'user-1');
    const items = friends.body?.items as { user_id: string; track_id: string; playing: boolean }[];
    assert.deepEqual(
      items.map((f) => [f.user_id, f.track_id, f.playing]),
      [['user-2', 'theirs', true]],
    );
    assert.deepEqual(
      (await ok('/v1/me/friend-activity', '/v1/me/friend-activity', 'user-2')).body?.items,
      [],
    );
  });

  it('recently played pages with limit and cursor, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/me/recently-played?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await ok(q, '/v1/me/recently-played', 'user-1');
      seen.push(...(page.body?.items as { track_id: string }[]).map((p) => p.track_id));
      cursor = page.body?.next_cursor as string | null;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, ['t4', 't3', 't2', 't1', 't0']);
    assert.equal(pages, 3);
    const dflt = await ok('/v1/me/recently-played', '/v1/me/recently-played', 'user-1');
    assert.equal((dflt.body?.items as unknown[]).length, 5);
  });

  it('bad query parameters answer 400 problem+json naming the parameter', async () => {
    for (const l of ['0', '101', 'abc', '1.5', '-1', '']) {
      await problem(`/v1/me/recently-played?limit=${l}`, 400, 'user-1', 'limit');
    }
    await problem('/v1/me/recently-played?limit=1&limit=2', 400, 'user-1', 'limit');
    await problem('/v1/me/friend-activity?cursor=not-a-cursor', 400, 'user-1', 'cursor');
    await problem('/v1/me/followers?cursor=', 400, 'user-1', 'cursor');
    await problem('/v1/me/following', 400, 'user-1', 'type');
    await problem('/v1/me/following?type=band', 400, 'user-1', 'type');
    await problem(`/v1/artists/${'a'.repeat(129)}/followers`, 400, undefined, 'artistId');
    await problem('/v1/artists/artist-1/followers?limit=1000', 400, undefined, 'limit');
  });

  it('GET /v1/artists/{id}/followers is public, cacheable, paged, and honours If-None-Match', async () => {
    const first = await ok(
      '/v1/artists/artist-1/followers?limit=3',
      '/v1/artists/{artistId}/followers',
    );
    assert.equal(first.res.headers.get('cache-control'), 'public, max-age=5');
    assert.equal(first.body?.count, 4);
    assert.deepEqual(
      (first.body?.items as { id: string }[]).map((f) => f.id),
      ['fan-2', 'fan-1', 'fan-0'],
    );
    const etag = first.res.headers.get('etag')!;
    assert.match(etag, /^W\/"/);

    const again = await get('/v1/artists/artist-1/followers?limit=3', undefined, {
      'If-None-Match': etag,
    });
    assert.equal(again.status, 304);
    assert.equal(again.body, undefined);
    const cursor = encodeURIComponent(first.body?.next_cursor as string);
    const last = await ok(
      `/v1/artists/artist-1/followers?limit=3&cursor=${cursor}`,
      '/v1/artists/{artistId}/followers',
    );
    assert.deepEqual(last.body?.items, [{ id: 'user-1', followed_at: T0 }]);
    assert.equal(last.body?.next_cursor, null);
    assert.notEqual(last.res.headers.get('etag'), etag);

    const none = await ok(
      '/v1/artists/nobody-follows/followers',
      '/v1/artists/{artistId}/followers',
    );
    assert.deepEqual(none.body, {
      artist_id: 'nobody-follows',
      count: 0,
      items: [],
      next_cursor: null,
    });
  });

  it('with the catalogue wired in, an unknown artist is 404; with Redis down, reads are 503', async () => {
    const reader = createUserStateReader({ redis });
    const withCatalogue = await serve({ reader, artistExists: async (id) => id === 'artist-1' });
    const saved = base;
    base = withCatalogue;
    await problem('/v1/artists/ghost/followers', 404);
    assert.equal((await get('/v1/artists/artist-1/followers')).status, 200);

    dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    base = await serve({ reader: createUserStateReader({ redis: dead }) });
    const down = await problem('/v1/me', 503, 'user-1');
    assert.equal(down.res.headers.get('retry-after'), '1');
    assert.equal(down.res.headers.get('cache-control'), 'private, no-store');
    base = saved;
  });
});
