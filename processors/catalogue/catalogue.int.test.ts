import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { useStack } from '../../test/helpers/stack.helper.js';
import { NOW, upload } from '../../test/helpers/play-counts.helper.js';
import {
  memoryDump,
  memoryHarness,
  redisDump,
  redisHarness,
} from '../../test/helpers/redis-harness.helper.js';
import { catalogueProjection } from './catalogue.projection.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';

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

function harness() {
  const h = redisHarness(redis, catalogueProjection);
  cleanups.push(h.drop);
  return { h, reader: createCatalogueReader({ redis, name: h.name }) };
}

const isrc = (n: number) => `SEABC26${String(n).padStart(5, '0')}`;

describe('catalogue through the real Redis sink and reader', () => {
  it('given an upload, then the track reads back by id, ISRC (any case), artist, label and rights holder', async () => {
    const { h, reader } = harness();
    const r = await h.apply([upload()]);
    assert.deepEqual(r.outcomes, [{ kind: 'ok' }]);
    const track = await reader.track('track-1');
    assert.equal(track?.title, 'Northern Lights');
    assert.equal(track?.updated_at, NOW - 60_000);
    assert.deepEqual(track?.markets, ['SE', 'NO']);
    assert.equal((await reader.trackByIsrc('seabc2600001'))?.track_id, 'track-1');
    assert.deepEqual(
      (await reader.artistTracks('artist-1')).map((t) => t.track_id),
      ['track-1'],
    );
    assert.deepEqual(
      (await reader.rightsHolderTracks('label-1')).map((t) => t.track_id),
      ['track-1'],
    );
    const page = await reader.labelTracks('label-1', { limit: 10 });
    assert.deepEqual([page.items.map((t) => t.track_id), page.next], [['track-1'], null]);
    assert.equal(await reader.track('nope'), undefined);
    assert.equal(await reader.trackByIsrc('XXABC2600001'), undefined);
    assert.deepEqual(await reader.artistTracks('nobody'), []);
  });

  it('given re-uploads out of order, then the newest by event time wins in Redis', async () => {
    const { h, reader } = harness();
    await h.apply([upload({ title: 'v2', event_time: NOW })]);
    await h.apply([upload({ title: 'v1', event_time: NOW - 1 })]);
    assert.equal((await reader.track('track-1'))?.title, 'v2');
    await h.apply([upload({ title: 'v3', event_time: NOW + 1 })]);
    assert.equal((await reader.track('track-1'))?.title, 'v3');
  });

  it('given a re-upload that moves artist, label, rights holder and ISRC, then stale index entries are not read', async () => {
    const { h, reader } = harness();
    await h.apply([upload()]);
    await h.apply([
      upload({
        event_time: NOW,
        isrc: isrc(99),
        artists: [{ artist_id: 'artist-2', name: 'New' }],
        label_id: 'label-2',
        rights_holders: [
          { rights_holder_id: 'label-2', name: 'L2', role: 'label', share_bps: 10_000 },
        ],
      }),
    ]);
    assert.deepEqual(await reader.artistTracks('artist-1'), []);
    assert.deepEqual(
      (await reader.artistTracks('artist-2')).map((t) => t.track_id),
      ['track-1'],
    );
    assert.deepEqual(await reader.rightsHolderTracks('label-1'), []);
    assert.deepEqual((await reader.labelTracks('label-1', { limit: 5 })).items, []);
    assert.equal(await reader.trackByIsrc(isrc(1)), undefined);
    assert.equal((await reader.trackByIsrc(isrc(99)))?.track_id, 'track-1');
  });

  it('given two tracks delivered with one ISRC, then the look-up answers the latest upload', async () => {
    const { h, reader } = harness();
    await h.apply([
      upload({ track_id: 'late', isrc: isrc(7), event_time: NOW }),
      upload({ track_id: 'early', isrc: isrc(7), event_time: NOW - 5 }),
    ]);
    assert.equal((await reader.trackByIsrc(isrc(7)))?.track_id, 'late');
  });

  it('given a label with 7 tracks of which 2 moved away, then pages of 2 walk the 5 in id order', async () => {
    const { h, reader } = harness();
    await h.apply(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((t, i) => upload({ track_id: t, isrc: isrc(i) })),
    );
    await h.apply(
      ['b', 'e'].map((t) => upload({ track_id: t, label_id: 'elsewhere', event_time: NOW })),
    );
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const p = await reader.labelTracks('label-1', { limit: 2, ...(after ? { after } : {}) });
      pages.push(p.items.map((t) => t.track_id));
      if (!p.next) break;
      after = p.next;
    }
    assert.deepEqual(pages, [['a', 'c'], ['d', 'f'], ['g']]);
    const exact = await reader.labelTracks('label-1', { limit: 5 });
    assert.equal(exact.next, null, 'a page that ends exactly at the last track has no next');
    assert.deepEqual(
      (await reader.labelTracks('elsewhere', { limit: 5 })).items.map((t) => t.track_id),
      ['b', 'e'],
    );
  });

  it('given bad shares, then the upload is dead-lettered and nothing is readable', async () => {
    const { h, reader } = harness();
    const r = await h.apply([
      upload({
        rights_holders: [{ rights_holder_id: 'x', name: 'x', role: 'label', share_bps: 9_000 }],
      }),
    ]);
    assert.deepEqual(r.outcomes, [
      { kind: 'dlq', reason: 'rights_holders share_bps sum to 9000, not 10000' },
    ]);
    assert.equal(await reader.track('track-1'), undefined);
  });

  it('given the same plans, then the in-memory interpreter and the Lua script leave the same state', async () => {
    const { h } = harness();
    const m = memoryHarness(catalogueProjection);
    const batches = [
      [upload(), upload({ track_id: 't:2', isrc: isrc(2) })],
      [upload({ title: 'older', event_time: 1 }), upload({ title: 'newer', event_time: NOW })],
    ];
    for (const b of batches) {
      assert.equal((await h.apply(b)).result, 'applied');
      assert.equal((await m.apply(b)).result, 'applied');
    }
    assert.deepEqual(await redisDump(redis, h.name), memoryDump(m.state));
  });
});
