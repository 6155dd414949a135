import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NOW, streams, upload } from '../../../test/helpers/play-counts.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';
import {
  assertBadParam,
  contract,
  get,
  projections,
  serve,
} from '../../../test/helpers/public-read.helper.js';
import { catalogueOpenApi, createCatalogueRouter, encodeCursor } from './catalogue.route.js';

const check = contract(catalogueOpenApi);
let redis: Redis;
let p: ReturnType<typeof projections>;
let app: Awaited<ReturnType<typeof serve>>;
const isrc = (n: number) => `SEABC26${String(n).padStart(5, '0')}`;
const LABEL_TRACKS = ['l01', 'l02', 'l03', 'l04', 'l05'];

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  p = projections(redis);
  await p.catalogue.apply([
    upload({ track_id: 'a1', isrc: isrc(1), title: 'One' }),
    upload({ track_id: 'a2', isrc: isrc(2), title: 'Two', event_time: NOW }),
    // The artist's name as credited on the latest upload.
    upload({
      track_id: 'a2',
      isrc: isrc(2),
      title: 'Two',
      event_time: NOW + 1,
      artists: [{ artist_id: 'artist-1', name: 'Aurora Lane (renamed)' }],
    }),
    ...LABEL_TRACKS.map((t, i) =>
      upload({
        track_id: t,
        isrc: isrc(10 + i),
        label_id: 'lab',
        artists: [{ artist_id: 'x', name: 'X' }],
      }),
    ),
  ]);
  await p.counts.apply([
    ...streams(3, { track_id: 'a1' }),
    ...streams(1, { track_id: 'a2' }),
    ...streams(2, { track_id: 'l03' }),
  ]);
  app = await serve(createCatalogueRouter({}, p.deps));
});
after(async () => {
  await app.close();
  await p.drop();
  redis.disconnect();
});

const artist = async (path: string, headers: Record<string, string> = {}) => {
  const a = await get(app.base + path, headers);
  check('/v1/artists/{artistId}', a);
  return a;
};
const label = async (path: string) => {
  const a = await get(app.base + path);
  check('/v1/labels/{labelId}/tracks', a);
  return a;
};

describe('GET /v1/artists/{artistId}', () => {
  it('given an artist, then its tracks with streams and their sum', async () => {
    const a = await artist('/v1/artists/artist-1');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=5');
    assert.deepEqual(a.body, {
      artist_id: 'artist-1',
      name: 'Aurora Lane (renamed)',
      streams: 4,
      tracks: [
        { track_id: 'a1', isrc: isrc(1), title: 'One', streams: 3 },
        { track_id: 'a2', isrc: isrc(2), title: 'Two', streams: 1 },
      ],
    });
  });

  it('given the ETag back, then 304; an unknown artist, then 404', async () => {
    const a = await artist('/v1/artists/artist-1');
    assert.equal(
      (await artist('/v1/artists/artist-1', { 'If-None-Match': a.headers.get('etag')! })).status,
      304,
    );
    const missing = await artist('/v1/artists/nobody');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'artist-not-found');
  });
});

describe('GET /v1/labels/{labelId}/tracks', () => {
  type Page = { items: { track_id: string; streams: number }[]; next_cursor: string | null };

  it('given limit=2, then next_cursor walks every track once in id order and ends with null', async () => {
    const seen: string[][] = [];
    let url: string | null = '/v1/labels/lab/tracks?limit=2';
    while (url) {
      const a = await label(url);
      assert.equal(a.status, 200);
      const page = a.body as Page;
      seen.push(page.items.map((i) => i.track_id));
      url = page.next_cursor && `/v1/labels/lab/tracks?limit=2&cursor=${page.next_cursor}`;
    }
    assert.deepEqual(seen, [['l01', 'l02'], ['l03', 'l04'], ['l05']]);
  });

  it('given no limit, then up to 20 with streams, and next_cursor null', async () => {
    const page = (await label('/v1/labels/lab/tracks')).body as Page;
    assert.deepEqual(
      page.items.map((i) => [i.track_id, i.streams]),
      [
        ['l01', 0],
        ['l02', 0],
        ['l03', 2],
        ['l04', 0],
        ['l05', 0],
      ],
    );
    assert.equal(page.next_cursor, null);
  });

  it('given a cursor past the end, then an empty page', async () => {
    const a = await label(`/v1/labels/lab/tracks?cursor=${encodeCursor('zzz')}`);
    assert.deepEqual([a.status, a.body], [200, { label_id: 'lab', items: [], next_cursor: null }]);
  });

  it('given a bad limit or cursor, then 400 naming it; an unknown label, then 404', async () => {
    for (const l of ['0', '101', 'x'])
      assertBadParam(await label(`/v1/labels/lab/tracks?limit=${l}`), 'limit');
    assertBadParam(await label('/v1/labels/lab/tracks?cursor=not-ours'), 'cursor');
    assertBadParam(await label('/v1/labels/lab/tracks?cursor=%25%25'), 'cursor');
    const missing = await label('/v1/labels/nope/tracks');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'label-not-found');
  });
});
