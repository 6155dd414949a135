import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { swapGeneration } from '../../sinks/redis/redis-generation.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { catalogueProjection } from '../catalogue/catalogue.projection.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import type { AnyEnvelope } from '../runtime/processor.types.js';
import { playCountsProjection } from './play-counts.projection.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { NOW, skip, stream, streams, upload } from '../../test/helpers/play-counts.helper.js';
import {
  memoryDump,
  memoryHarness,
  redisDump,
  redisHarness,
} from '../../test/helpers/redis-harness.helper.js';

const DAY_MS = 86_400_000;
let redis: Redis;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
after(() => redis.disconnect());

function counts(generation = 1) {
  const h = redisHarness(redis, playCountsProjection, { generation });
  cleanups.push(h.drop);
  return h;
}
function catalogue() {
  const h = redisHarness(redis, catalogueProjection);
  cleanups.push(h.drop);
  return h;
}

describe('play-counts through the real Redis sink and reader', () => {
  it('given streams, skips and short plays over days and markets, then totals, daily series and markets read back', async () => {
    const h = counts();
    const reader = createPlayCountsReader({ redis, name: h.name });
    const batch = [
      ...streams(3, { track_id: 'x', market: 'SE' }),
      ...streams(2, { track_id: 'x', market: 'NO', event_time: NOW - DAY_MS }),
      stream({ track_id: 'x', ms_played: 29_999 }),
      stream({ track_id: 'x', ms_played: 30_000, market: 'DE' }),
      skip({ track_id: 'x', market: 'SE' }),
      skip({ track_id: 'x', market: 'NO', event_time: NOW - 2 * DAY_MS }),
    ];
    assert.equal((await h.apply(batch)).result, 'applied');

    assert.deepEqual(await reader.trackTotals('x'), { streams: 6, skips: 2 });
    assert.deepEqual(await reader.trackTotals('never-played'), { streams: 0, skips: 0 });
    assert.deepEqual(await reader.trackDaily('x', { from: '2026-11-21', to: '2026-11-25' }), [
      { day: '2026-11-21', streams: 0, skips: 0 },
      { day: '2026-11-22', streams: 0, skips: 1 },
      { day: '2026-11-23', streams: 2, skips: 0 },
      { day: '2026-11-24', streams: 4, skips: 1 },
      { day: '2026-11-25', streams: 0, skips: 0 },
    ]);
    assert.deepEqual(
      await reader.trackDaily('x', { from: '2026-11-23', to: '2026-11-24', market: 'NO' }),
      [
        { day: '2026-11-23', streams: 2, skips: 0 },
        { day: '2026-11-24', streams: 0, skips: 0 },
      ],
    );
    assert.deepEqual(await reader.trackMarkets('x'), [
      { market: 'SE', streams: 3, skips: 1 },
      { market: 'NO', streams: 2, skips: 1 },
      { market: 'DE', streams: 1, skips: 0 },
    ]);
    assert.deepEqual(await reader.trackDayMarket('x', '2026-11-24', 'SE'), {
      streams: 3,
      skips: 1,
    });
  });

  it('given equal streams, then the chart breaks ties by track id ascending, per market too', async () => {
    const h = counts();
    const reader = createPlayCountsReader({ redis, name: h.name });
    await h.apply([
      ...streams(2, { track_id: 'c' }),
      ...streams(2, { track_id: 'a' }),
      ...streams(2, { track_id: 'b', market: 'NO' }),
      ...streams(3, { track_id: 'z', market: 'NO' }),
      stream({ track_id: 'y', event_time: NOW - DAY_MS }),
    ]);
    assert.deepEqual(await reader.chart('2026-11-24', 'global'), [
      { rank: 1, track_id: 'z', streams: 3 },
      { rank: 2, track_id: 'a', streams: 2 },
      { rank: 3, track_id: 'b', streams: 2 },
      { rank: 4, track_id: 'c', streams: 2 },
    ]);
    assert.deepEqual(await reader.chart('2026-11-24', 'SE'), [
      { rank: 1, track_id: 'a', streams: 2 },
      { rank: 2, track_id: 'c', streams: 2 },
    ]);
    assert.deepEqual(await reader.chart('2026-11-24', 'NO', 1), [
      { rank: 1, track_id: 'z', streams: 3 },
    ]);
    assert.deepEqual(await reader.chart('2026-11-23', 'global'), [
      { rank: 1, track_id: 'y', streams: 1 },
    ]);
    assert.deepEqual(await reader.chart('2026-11-25', 'global'), []);
  });

  it('given 70 tracks tied at the 50th place, then the top 50 keeps the leaders and the smallest tied ids', async () => {
    const h = counts();
    const reader = createPlayCountsReader({ redis, name: h.name });
    const id = (i: number) => `t${String(i).padStart(3, '0')}`;
    const batch: AnyEnvelope[] = [
      ...streams(5, { track_id: 'lead-b' }),
      ...streams(5, { track_id: 'lead-a' }),
    ];
    for (let i = 69; i >= 0; i--) batch.push(stream({ track_id: id(i) }));
    await h.apply(batch);
    const chart = await reader.chart('2026-11-24', 'global', 50);
    assert.equal(chart.length, 50);
    assert.deepEqual(chart.slice(0, 3), [
      { rank: 1, track_id: 'lead-a', streams: 5 },
      { rank: 2, track_id: 'lead-b', streams: 5 },
      { rank: 3, track_id: 't000', streams: 1 },
    ]);
    assert.deepEqual(chart.at(-1), { rank: 50, track_id: id(47), streams: 1 });
    assert.equal((await reader.chart('2026-11-24', 'global', 500)).length, 50, 'capped at 50');
  });

  it('given a duplicate in a later batch and a redelivered batch, then every stream counts once', async () => {
    const h = counts();
    const reader = createPlayCountsReader({ redis, name: h.name });
    const e = stream({ track_id: 'd' });
    const batch = [e, e, stream({ track_id: 'd' })];
    const first = await h.apply(batch);
    assert.equal(first.result, 'applied');
    assert.equal((await h.apply([{ ...e, offset: e.offset + 1000 }])).result, 'applied');
    assert.equal((await h.apply(batch, { at: first.range })).result, 'conflict');
    assert.deepEqual(await reader.trackTotals('d'), { streams: 2, skips: 0 });
    assert.deepEqual(await reader.chart('2026-11-24', 'SE'), [
      { rank: 1, track_id: 'd', streams: 2 },
    ]);
  });

  it('given a rebuilt generation swapped in, then the reader follows it', async () => {
    const g1 = counts(1);
    await g1.apply(streams(1, { track_id: 'g' }));
    const reader = createPlayCountsReader({ redis, name: g1.name });
    // Generation 2 of the same projection, as a rebuild writes it beside the live one.
    const g2 = redisHarness(redis, playCountsProjection, { name: g1.name, generation: 2 });
    cleanups.push(() => g2.sink.drop!());
    const rebuilt = await g2.apply(streams(4, { track_id: 'g' }));
    assert.deepEqual([rebuilt.result, rebuilt.range.from, rebuilt.range.to], ['applied', 0, 3]);
    assert.equal((await reader.trackTotals('g')).streams, 1);
    await swapGeneration(redis, g1.name, 2);
    assert.equal((await reader.trackTotals('g')).streams, 4);
  });

  it('given tracks of an artist in the catalogue, then artistStreams sums their streams at read time', async () => {
    const cat = catalogue();
    const h = counts();
    const reader = createPlayCountsReader({
      redis,
      name: h.name,
      catalogue: createCatalogueReader({ redis, name: cat.name }),
    });
    await cat.apply([
      upload({ track_id: 'p1' }),
      upload({ track_id: 'p2', isrc: 'SEABC2600002' }),
      upload({ track_id: 'p3', isrc: 'SEABC2600003' }),
      // p3 is re-credited to another artist later: it no longer counts for artist-1.
      upload({
        track_id: 'p3',
        isrc: 'SEABC2600003',
        event_time: NOW,
        artists: [{ artist_id: 'other', name: 'O' }],
      }),
    ]);
    await h.apply([
      ...streams(3, { track_id: 'p1' }),
      ...streams(2, { track_id: 'p2', market: 'NO' }),
      ...streams(7, { track_id: 'p3' }),
    ]);
    assert.deepEqual(await reader.artistStreams('artist-1'), {
      artist_id: 'artist-1',
      streams: 5,
      tracks: [
        { track_id: 'p1', streams: 3 },
        { track_id: 'p2', streams: 2 },
      ],
    });
    assert.deepEqual(await reader.artistStreams('nobody'), {
      artist_id: 'nobody',
      streams: 0,
      tracks: [],
    });
  });

  it('given the same plans, then the in-memory interpreter and the Lua script leave the same state', async () => {
    const h = counts();
    const m = memoryHarness(playCountsProjection);
    const batches = [
      [...streams(3, { track_id: 'm', market: 'SE' }), skip({ track_id: 'm' })],
      [
        stream({ track_id: 'n', market: 'NO', event_time: NOW - DAY_MS }),
        skip({ track_id: 'n', market: 'NO' }),
      ],
    ];
    batches.push([batches[0]![0]!]); // a duplicate
    for (const b of batches) {
      assert.equal((await h.apply(b)).result, 'applied');
      assert.equal((await m.apply(b)).result, 'applied');
    }
    assert.deepEqual(await redisDump(redis, h.name), memoryDump(m.state));
  });
});
