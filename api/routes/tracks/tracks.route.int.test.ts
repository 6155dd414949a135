import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NOW, skip, stream, streams, upload } from '../../../test/helpers/play-counts.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import {
  assertBadParam,
  contract,
  get,
  projections,
  serve,
  type Answer,
} from '../../../test/helpers/public-read.helper.js';
import { createTracksRouter, tracksOpenApi } from './tracks.route.js';

const DAY_MS = 86_400_000;
const check = contract(tracksOpenApi);
let redis: Redis;
let p: ReturnType<typeof projections>;
let app: Awaited<ReturnType<typeof serve>>;

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  p = projections(redis);
  await p.catalogue.apply([upload(), upload({ track_id: 'track-2', isrc: 'SEABC2600002' })]);
  await p.counts.apply([
    ...streams(3, { track_id: 'track-1', market: 'SE' }),
    ...streams(2, { track_id: 'track-1', market: 'NO', event_time: NOW - DAY_MS }),
    stream({ track_id: 'track-1', ms_played: 29_999 }),
    skip({ track_id: 'track-1', market: 'SE' }),
  ]);
  app = await serve(createTracksRouter({}, { ...p.deps, now: () => NOW }));
});
after(async () => {
  await app.close();
  await p.drop();
  redis.disconnect();
});

const call = async (path: string, doc: string, headers: Record<string, string> = {}) => {
  const a = await get(app.base + path, headers);
  check(doc, a);
  return a;
};

describe('GET /v1/tracks/{trackId}', () => {
  it('given a known track, then 200 with catalogue metadata (no royalty shares), streams and skips', async () => {
    const a = await call('/v1/tracks/track-1', '/v1/tracks/{trackId}');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=5');
    assert.match(a.headers.get('etag') ?? '', /^W\/"[\w-]{27}"$/);
    assert.deepEqual(a.body, {
      track_id: 'track-1',
      isrc: 'SEABC2600001',
      title: 'Northern Lights',
      artists: [{ artist_id: 'artist-1', name: 'Aurora Lane' }],
      label_id: 'label-1',
      label_name: 'Polar Records',
      release_id: null,
      duration_ms: 215_000,
      markets: ['SE', 'NO'],
      updated_at: new Date(NOW - 60_000).toISOString(),
      streams: 5,
      skips: 1,
    });
  });

  it('given the ETag back in If-None-Match, then 304 until a count changes, then 200 with a new ETag', async () => {
    const first = await call('/v1/tracks/track-2', '/v1/tracks/{trackId}');
    const etag = first.headers.get('etag')!;
    const again = await call('/v1/tracks/track-2', '/v1/tracks/{trackId}', {
      'If-None-Match': etag,
    });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('cache-control'), 'public, max-age=5');
    const listed = await call('/v1/tracks/track-2', '/v1/tracks/{trackId}', {
      'If-None-Match': `"other", ${etag.slice(2)}`,
    });
    assert.equal(listed.status, 304, 'weak comparison, any tag of a list');
    await p.counts.apply([stream({ track_id: 'track-2' })]);
    const changed = await call('/v1/tracks/track-2', '/v1/tracks/{trackId}', {
      'If-None-Match': etag,
    });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.equal((changed.body as { streams: number }).streams, 1);
  });

  it('given an unknown track, then 404 problem+json', async () => {
    const a = await call('/v1/tracks/nope', '/v1/tracks/{trackId}');
    assert.equal(a.status, 404);
    assert.equal((a.body as { code: string }).code, 'track-not-found');
  });

  it('given a track id longer than 256 characters, then 400 naming trackId', async () => {
    assertBadParam(await call(`/v1/tracks/${'x'.repeat(257)}`, '/v1/tracks/{trackId}'), 'trackId');
  });
});

describe('GET /v1/tracks/{trackId}/streams', () => {
  const doc = '/v1/tracks/{trackId}/streams';
  const days = (a: Answer) => (a.body as { days: { day: string; streams: number }[] }).days;

  it('given from and to, then one entry per day with zeros, and the range totals', async () => {
    const a = await call('/v1/tracks/track-1/streams?from=2026-11-22&to=2026-11-25', doc);
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, {
      track_id: 'track-1',
      market: null,
      from: '2026-11-22',
      to: '2026-11-25',
      streams: 5,
      skips: 1,
      days: [
        { day: '2026-11-22', streams: 0, skips: 0 },
        { day: '2026-11-23', streams: 2, skips: 0 },
        { day: '2026-11-24', streams: 3, skips: 1 },
        { day: '2026-11-25', streams: 0, skips: 0 },
      ],
    });
  });

  it('given a market, then only its streams', async () => {
    const a = await call('/v1/tracks/track-1/streams?from=2026-11-23&to=2026-11-24&market=NO', doc);
    assert.deepEqual(
      [(a.body as { market: string }).market, days(a).map((d) => d.streams)],
      ['NO', [2, 0]],
    );
  });

  it('given no dates, then the 30 days ending today (UTC)', async () => {
    const a = await call('/v1/tracks/track-1/streams', doc);
    const d = days(a);
    assert.equal(d.length, 30);
    assert.deepEqual([d[0]!.day, d.at(-1)!.day], ['2026-10-26', '2026-11-24']);
  });

  it('given exactly 366 days, then 200; 367, then 400 naming to', async () => {
    const ok = await call('/v1/tracks/track-1/streams?from=2025-11-24&to=2026-11-24', doc);
    assert.equal(days(ok).length, 366);
    assertBadParam(
      await call('/v1/tracks/track-1/streams?from=2025-11-23&to=2026-11-24', doc),
      'to',
    );
  });

  it('given bad dates or market, then 400 naming the parameter', async () => {
    const bad = async (query: string, parameter: string) =>
      assertBadParam(await call(`/v1/tracks/track-1/streams?${query}`, doc), parameter);
    await bad('from=2026-02-30&to=2026-03-02', 'from');
    await bad('from=2026-11-01&to=24-11-2026', 'to');
    await bad('from=2026-11-25&to=2026-11-24', 'from');
    await bad('from=2026-11-01&from=2026-11-02&to=2026-11-24', 'from');
    await bad('from=2026-11-01&to=2026-11-24&market=se', 'market');
  });

  it('given an unknown track with valid parameters, then 404', async () => {
    assert.equal(
      (await call('/v1/tracks/nope/streams?from=2026-11-01&to=2026-11-02', doc)).status,
      404,
    );
  });
});

describe('GET /v1/tracks/{trackId}/markets', () => {
  it('given streams in two markets, then per-market counts, most streamed first', async () => {
    const a = await call('/v1/tracks/track-1/markets', '/v1/tracks/{trackId}/markets');
    assert.deepEqual(a.body, {
      track_id: 'track-1',
      markets: [
        { market: 'SE', streams: 3, skips: 1 },
        { market: 'NO', streams: 2, skips: 0 },
      ],
    });
    assert.equal(
      (await call('/v1/tracks/nope/markets', '/v1/tracks/{trackId}/markets')).status,
      404,
    );
  });
});

describe('GET /v1/isrc/{isrc}', () => {
  it('given a known ISRC in any case, then the track with its counts', async () => {
    const a = await call('/v1/isrc/seabc2600001', '/v1/isrc/{isrc}');
    assert.equal(a.status, 200);
    assert.deepEqual(
      [(a.body as { track_id: string }).track_id, (a.body as { streams: number }).streams],
      ['track-1', 5],
    );
  });

  it('given a malformed ISRC, then 400 naming isrc; an unknown one, then 404', async () => {
    assertBadParam(await call('/v1/isrc/SE-ABC-26', '/v1/isrc/{isrc}'), 'isrc');
    const a = await call('/v1/isrc/XXABC2600001', '/v1/isrc/{isrc}');
    assert.equal(a.status, 404);
    assert.equal((a.body as { code: string }).code, 'isrc-not-found');
  });
});

describe('a store outage', () => {
  it('given Redis unreachable, then 503 problem+json with Retry-After', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined); // the refused connection is the point of this test
    const down = projections(dead);
    const broken = await serve(createTracksRouter({}, down.deps));
    try {
      const a = await get(`${broken.base}/v1/tracks/track-1`);
      check('/v1/tracks/{trackId}', a);
      assert.equal(a.status, 503);
      assert.equal(a.headers.get('retry-after'), '1');
      assert.equal((a.body as { code: string }).code, 'store-unavailable');
    } finally {
      await broken.close();
      dead.disconnect();
    }
  });
});
