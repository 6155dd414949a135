import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Redis } from 'ioredis';
import { listen } from '../../../common/http/http-server.js';
import { userStateProjection } from '../../../processors/user-state/user-state.projection.js';
import {
  recsKeys,
  type FansList,
  type SimilarList,
} from '../../../read-models/co-listening/co-listening.keys.js';
import { createRecsReader } from '../../../read-models/co-listening/recs.reader.js';
import { createUserStateReader } from '../../../read-models/user-state/user-state.reader.js';
import { NOW, stream, streams, upload } from '../../../test/helpers/play-counts.helper.js';
import {
  assertBadParam,
  contract,
  get,
  projections,
} from '../../../test/helpers/public-read.helper.js';
import {
  clearRecs,
  openRecsDatabase,
  type RecsDatabase,
} from '../../../test/helpers/recs.helper.js';
import { redisHarness } from '../../../test/helpers/redis-harness.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import { mintToken } from '../../app/auth/api-token.js';
import { requireToken } from '../../app/auth/auth.middleware.js';
import { listenerMarketFrom } from './listener-market.js';
import { createRecsRouter, decodeOffset, encodeOffset, recsOpenApi } from './recs.route.js';

const check = contract(recsOpenApi);
const SECRET = 'recs-route-test-secret-0123456789';
const DAY = '2026-11-24';
let redis: Redis;
let db: RecsDatabase;
let p: ReturnType<typeof projections>;
let users: ReturnType<typeof redisHarness>;
let app: { base: string; close: () => Promise<void> };

const list = (track: string, n: [string, number, number][]): SimilarList => ({
  track_id: track,
  metric: 'llr',
  sessions: 9,
  refreshed_at: '2026-11-24T11:00:00.000Z',
  neighbours: n.map(([track_id, score, co_listens]) => ({ track_id, score, co_listens })),
});
const track = (id: string, artist: string, isrcN: number) =>
  upload({
    track_id: id,
    title: `Title ${id}`,
    isrc: `SEABC26${String(isrcN).padStart(5, '0')}`,
    artists: [{ artist_id: artist, name: `Name ${artist}` }],
  });
const played = (user: string, trackId: string, minutesAgo: number) =>
  stream({
    user_id: user,
    track_id: trackId,
    playback_id: randomUUID(),
    event_time: NOW - minutesAgo * 60_000,
    received_time: NOW - minutesAgo * 60_000,
  });

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  await clearRecs(redis);
  db = await openRecsDatabase(config, 'recs_route');
  p = projections(redis);
  users = redisHarness(redis, userStateProjection);
  await p.catalogue.apply([
    track('s1', 'ar-a', 1),
    track('s2', 'ar-a', 2),
    track('n1', 'ar-b', 3),
    track('n2', 'ar-b', 4),
    track('n3', 'ar-b', 5),
    track('n4', 'ar-c', 6),
    track('lonely', 'ar-d', 7),
    track('h1', 'ar-e', 8),
    track('h2', 'ar-f', 9),
  ]);
  // Today's charts: SE has h1 (3) and n4 (2); NO only h2; global sums them.
  await p.counts.apply([
    ...streams(3, { track_id: 'h1', market: 'SE', user_id: 'chart-fan' }),
    ...streams(2, { track_id: 'n4', market: 'SE', user_id: 'chart-fan' }),
    ...streams(4, { track_id: 'h2', market: 'NO', user_id: 'chart-fan' }),
  ]);
  await users.apply([
    played('listener', 's1', 10),
    played('listener', 's2', 20),
    played('lapsed', 'lonely', 30),
  ]);
  await db.stream('lapsed', 'lonely', 'NO');
  await redis.set(
    recsKeys.similar('s1'),
    JSON.stringify(
      list('s1', [
        ['n1', 9, 5],
        ['s2', 8, 4],
        ['n2', 6, 3],
        ['n3', 5, 3],
        ['uncatalogued', 4, 2],
      ]),
    ),
  );
  await redis.set(
    recsKeys.similar('s2'),
    JSON.stringify(
      list('s2', [
        ['n2', 7, 2],
        ['n4', 3, 1],
      ]),
    ),
  );
  const fans: FansList = {
    artist_id: 'ar-a',
    fans: 4,
    refreshed_at: '2026-11-24T11:00:00.000Z',
    artists: [
      {
        artist_id: 'ar-b',
        score: 1 / 3,
        overlap: 2,
        share_of_fans: 0.5,
        share_of_their_fans: 2 / 3,
      },
      { artist_id: 'ar-c', score: 0.25, overlap: 1, share_of_fans: 0.25, share_of_their_fans: 1 },
    ],
  };
  await redis.set(recsKeys.fans('ar-a'), JSON.stringify(fans));

  const server = express();
  server.use('/v1/me', requireToken({ secret: SECRET, now: () => NOW }, ['user']));
  server.use(
    createRecsRouter(
      { mixPerArtist: 2 },
      {
        recs: createRecsReader({ redis }),
        ...p.deps,
        userState: createUserStateReader({ redis }, { name: users.name }),
        listenerMarket: listenerMarketFrom(db.ch.client, { now: () => NOW }),
        now: () => NOW,
      },
    ),
  );
  const s = await listen(server, 0, '127.0.0.1');
  app = { base: `http://127.0.0.1:${s.port}`, close: s.close };
});
after(async () => {
  await app.close();
  await p.drop();
  await users.drop();
  await clearRecs(redis);
  await db.drop();
  redis.disconnect();
});

const token = (user: string) =>
  mintToken({ role: 'user', sub: user, ttlSeconds: 600 }, SECRET, NOW);
async function call(path: string, template: string, headers: Record<string, string> = {}) {
  const a = await get(app.base + path, headers);
  check(template, a);
  return a;
}
type Items<T = Record<string, unknown>> = { items: T[]; next_cursor: string | null };

describe('GET /v1/tracks/{trackId}/similar', () => {
  const T = '/v1/tracks/{trackId}/similar';
  it('given a list, then its neighbours best first with the catalogue and the explanation; cacheable', async () => {
    const a = await call('/v1/tracks/s2/similar', T);
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=5');
    assert.deepEqual(a.body, {
      track_id: 's2',
      title: 'Title s2',
      metric: 'llr',
      sessions: 9,
      refreshed_at: '2026-11-24T11:00:00.000Z',
      items: [
        {
          track_id: 'n2',
          title: 'Title n2',
          artists: [{ artist_id: 'ar-b', name: 'Name ar-b' }],
          score: 7,
          co_listens: 2,
          because: {
            track_id: 's2',
            score: 7,
            co_listens: 2,
            text: 'co-listened with Title s2 in 2 sessions',
          },
        },
        {
          track_id: 'n4',
          title: 'Title n4',
          artists: [{ artist_id: 'ar-c', name: 'Name ar-c' }],
          score: 3,
          co_listens: 1,
          because: {
            track_id: 's2',
            score: 3,
            co_listens: 1,
            text: 'co-listened with Title s2 in 1 session',
          },
        },
      ],
      next_cursor: null,
    });
    const again = await call('/v1/tracks/s2/similar', T, {
      'if-none-match': a.headers.get('etag')!,
    });
    assert.equal(again.status, 304);
  });

  it('given limit 2, then pages follow the cursor to the end, in order, each item once', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const a = await call(`/v1/tracks/s1/similar?limit=2${q}`, T);
      assert.equal(a.status, 200);
      const body = a.body as Items<{ track_id: string; title: string | null }>;
      ids.push(...body.items.map((i) => i.track_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(ids, ['n1', 's2', 'n2', 'n3', 'uncatalogued']);
  });

  it('given a catalogued track without a list, then 200 and an empty list; an unknown track 404; bad paging 400', async () => {
    const a = await call('/v1/tracks/lonely/similar', T);
    assert.equal(a.status, 200);
    assert.deepEqual((a.body as Items).items, []);
    assert.equal((a.body as { metric: null }).metric, null);
    const missing = await call('/v1/tracks/no-such-track/similar', T);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'track-not-found');
    assertBadParam(await call('/v1/tracks/s1/similar?limit=0', T), 'limit');
    assertBadParam(await call('/v1/tracks/s1/similar?cursor=bogus', T), 'cursor');
  });
});

describe('GET /v1/artists/{artistId}/fans-also-like', () => {
  const T = '/v1/artists/{artistId}/fans-also-like';
  it('given a list, then the artists with names, scores, shares and why', async () => {
    const a = await call('/v1/artists/ar-a/fans-also-like?limit=1', T);
    assert.equal(a.status, 200);
    const body = a.body as Items & { name: string; fans: number };
    assert.equal(body.name, 'Name ar-a');
    assert.equal(body.fans, 4);
    assert.deepEqual(body.items, [
      {
        artist_id: 'ar-b',
        name: 'Name ar-b',
        score: 1 / 3,
        overlap: 2,
        share_of_fans: 0.5,
        share_of_their_fans: 2 / 3,
        because: { text: "2 listeners play both: 50% of Name ar-a's fans, 66.7% of Name ar-b's" },
      },
    ]);
    assert.ok(body.next_cursor);
    const next = await call(`/v1/artists/ar-a/fans-also-like?cursor=${body.next_cursor}`, T);
    assert.deepEqual(
      (next.body as Items<{ artist_id: string }>).items.map((i) => i.artist_id),
      ['ar-c'],
    );
  });

  it('given an artist without a list, then 200 empty; an unknown artist 404', async () => {
    const a = await call('/v1/artists/ar-d/fans-also-like', T);
    assert.equal(a.status, 200);
    assert.deepEqual((a.body as Items).items, []);
    const missing = await call('/v1/artists/nobody/fans-also-like', T);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'artist-not-found');
  });
});

describe('GET /v1/me/daily-mix', () => {
  const T = '/v1/me/daily-mix';
  const mix = (user: string, q = '') =>
    call(`${T}${q}`, T, { authorization: `Bearer ${token(user)}` });

  it('given recent plays with neighbours, then their neighbours minus what was played, by score, at most 2 per artist, each because of a play', async () => {
    const a = await mix('listener');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'private, max-age=60');
    const body = a.body as Items<{
      track_id: string;
      score: number;
      because: { kind: string; track_id: string; text: string };
    }> & { source: string; day: string };
    assert.equal(body.source, 'neighbours');
    assert.equal(body.day, DAY);
    // s2 is played; n2 sums both sources' root LLR (√6 + √7) and is explained by its best
    // (s2, 7 > 6); n3
    // is ar-b's third; uncatalogued out.
    assert.deepEqual(
      body.items.map((i) => [i.track_id, i.score, i.because.track_id]),
      [
        ['n2', Math.sqrt(6) + Math.sqrt(7), 's2'],
        ['n1', 3, 's1'],
        ['n4', Math.sqrt(3), 's2'],
      ],
    );
    assert.equal(body.items[1]!.because.text, 'because you played Title s1');
    const same = await mix('listener');
    assert.equal(same.text, a.text, 'deterministic within the day');
    const page = await mix('listener', '?limit=2');
    assert.deepEqual(
      (page.body as Items<{ track_id: string }>).items.map((i) => i.track_id),
      ['n2', 'n1'],
    );
    assert.equal(decodeOffset((page.body as Items).next_cursor).ok, true);
    const rest = await mix('listener', `?limit=2&cursor=${encodeOffset(2)}`);
    assert.deepEqual(
      (rest.body as Items<{ track_id: string }>).items.map((i) => i.track_id),
      ['n4'],
    );
  });

  it('given no history, then the global chart as fallback, explained; given plays without neighbours, then the chart of the latest play’s market', async () => {
    const fresh = await mix('newbie');
    assert.equal(fresh.status, 200);
    const f = fresh.body as Items<{
      track_id: string;
      score: null;
      because: { kind: string; market: string; rank: number; text: string };
    }> & { source: string; market: string };
    assert.equal(f.source, 'chart');
    assert.equal(f.market, 'global');
    assert.deepEqual(
      f.items.map((i) => [i.track_id, i.because.rank]),
      [
        ['h2', 1],
        ['h1', 2],
        ['n4', 3],
      ],
    );
    assert.equal(
      f.items[0]!.because.text,
      'number 1 on the global chart (2026-11-24); you have no listening history yet',
    );
    const lapsed = (await mix('lapsed')).body as Items<{ track_id: string }> & { market: string };
    assert.equal(lapsed.market, 'NO');
    assert.deepEqual(
      lapsed.items.map((i) => i.track_id),
      ['h2'],
    );
  });

  it('given no token, or a bad cursor, then 401 and 400', async () => {
    const a = await call(T, T);
    assert.equal(a.status, 401);
    assertBadParam(await mix('listener', '?cursor=x'), 'cursor');
  });
});
