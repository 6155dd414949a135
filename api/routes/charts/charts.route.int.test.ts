import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NOW, stream, streams, upload } from '../../../test/helpers/play-counts.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import {
  assertBadParam,
  contract,
  get,
  projections,
  serve,
} from '../../../test/helpers/public-read.helper.js';
import { chartsOpenApi, createChartsRouter } from './charts.route.js';

const check = contract(chartsOpenApi);
let redis: Redis;
let p: ReturnType<typeof projections>;
let app: Awaited<ReturnType<typeof serve>>;

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  p = projections(redis);
  await p.catalogue.apply([
    upload({ track_id: 'hit', title: 'Hit', artists: [{ artist_id: 'ar-1', name: 'One' }] }),
    upload({ track_id: 'b-side', title: 'B-side', isrc: 'SEABC2600002' }),
  ]);
  await p.counts.apply([
    ...streams(4, { track_id: 'hit', market: 'SE' }),
    ...streams(2, { track_id: 'b-side', market: 'NO' }),
    ...streams(2, { track_id: 'a-uncatalogued', market: 'NO' }),
    stream({ track_id: 'late', event_time: NOW - 86_400_000 }),
  ]);
  app = await serve(createChartsRouter({}, p.deps));
});
after(async () => {
  await app.close();
  await p.drop();
  redis.disconnect();
});

const call = async (path: string, headers: Record<string, string> = {}) => {
  const a = await get(app.base + path, headers);
  check(path.split('/').length > 4 ? '/v1/charts/{day}/{market}' : '/v1/charts/{day}', a);
  return a;
};

describe('GET /v1/charts/{day}', () => {
  it('given a day, then the global top by streams, ties by track id, joined with the catalogue', async () => {
    const a = await call('/v1/charts/2026-11-24');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=5');
    assert.deepEqual(a.body, {
      day: '2026-11-24',
      market: 'global',
      items: [
        {
          rank: 1,
          track_id: 'hit',
          streams: 4,
          title: 'Hit',
          artists: [{ artist_id: 'ar-1', name: 'One' }],
        },
        { rank: 2, track_id: 'a-uncatalogued', streams: 2, title: null, artists: [] },
        {
          rank: 3,
          track_id: 'b-side',
          streams: 2,
          title: 'B-side',
          artists: [{ artist_id: 'artist-1', name: 'Aurora Lane' }],
        },
      ],
    });
  });

  it('given a late event, then it charts on its own day; a day without streams has an empty chart', async () => {
    const late = await call('/v1/charts/2026-11-23');
    assert.deepEqual(
      (late.body as { items: { track_id: string }[] }).items.map((i) => i.track_id),
      ['late'],
    );
    assert.deepEqual((await call('/v1/charts/2030-01-01')).body, {
      day: '2030-01-01',
      market: 'global',
      items: [],
    });
  });

  it('given limit, then that many entries; out of 1..50, then 400 naming limit', async () => {
    const a = await call('/v1/charts/2026-11-24?limit=1');
    assert.equal((a.body as { items: unknown[] }).items.length, 1);
    for (const l of ['0', '51', 'ten', '1.5'])
      assertBadParam(await call(`/v1/charts/2026-11-24?limit=${l}`), 'limit');
  });

  it('given a malformed day, then 400 naming day', async () => {
    assertBadParam(await call('/v1/charts/2026-13-01'), 'day');
    assertBadParam(await call('/v1/charts/today'), 'day');
  });

  it('given the ETag back, then 304 while the chart is unchanged', async () => {
    const a = await call('/v1/charts/2026-11-24');
    const b = await call('/v1/charts/2026-11-24', { 'If-None-Match': a.headers.get('etag')! });
    assert.equal(b.status, 304);
    assert.equal(b.text, '');
  });
});

describe('GET /v1/charts/{day}/{market}', () => {
  it("given a market, then that market's chart only", async () => {
    const no = await call('/v1/charts/2026-11-24/NO');
    assert.deepEqual(
      (no.body as { market: string; items: { track_id: string; streams: number }[] }).items.map(
        (i) => [i.track_id, i.streams],
      ),
      [
        ['a-uncatalogued', 2],
        ['b-side', 2],
      ],
    );
    assert.equal((no.body as { market: string }).market, 'NO');
    const se = await call('/v1/charts/2026-11-24/SE');
    assert.deepEqual(
      (se.body as { items: { track_id: string }[] }).items.map((i) => i.track_id),
      ['hit'],
    );
  });

  it("given 'global', then the global chart", async () => {
    const a = await call('/v1/charts/2026-11-24/global');
    assert.equal((a.body as { market: string; items: unknown[] }).items.length, 3);
    assert.equal((a.body as { market: string }).market, 'global');
  });

  it('given a market that is not a capitalised ISO code, then 400 naming market', async () => {
    assertBadParam(await call('/v1/charts/2026-11-24/se'), 'market');
    assertBadParam(await call('/v1/charts/2026-11-24/SWE'), 'market');
  });
});
