import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '../../common/logging/logger.js';
import { recsKeys, type SimilarList } from '../../read-models/co-listening/co-listening.keys.js';
import { clearRecs, openRecsDatabase, type RecsDatabase } from '../../test/helpers/recs.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import {
  REFRESH_LOCK,
  startNeighboursRefresh,
  withRefreshLock,
} from './neighbours-refresh.runner.js';
import { refreshNeighbours, type RefreshConfig } from './neighbours-refresh.service.js';
import { associationLlr, contingencyTable, cosine } from './similarity.math.js';

const logger = createLogger({ level: 'silent' }, 'test');
let redis: Redis;
let db: RecsDatabase;
const settings: RefreshConfig = {
  topK: 20,
  months: 12,
  metric: 'llr',
  fullEveryMs: 3_600_000,
  watermarkOverlapMs: 0,
};
const refresh = (over: Partial<RefreshConfig> = {}) =>
  refreshNeighbours({ ...settings, ...over }, { clickhouse: db.ch.client, redis, logger });

async function similar(track: string): Promise<SimilarList | undefined> {
  const raw = await redis.get(recsKeys.similar(track));
  return raw === null ? undefined : (JSON.parse(raw) as SimilarList);
}
const llrOf = (c: number, na: number, nb: number, N: number) => {
  const t = contingencyTable(c, na, nb, N);
  assert.ok(!('reason' in t));
  return associationLlr(t);
};
/** [neighbour, score, co-listens] of a stored list. */
const entries = (l: SimilarList | undefined) =>
  l?.neighbours.map((n) => [n.track_id, n.score, n.co_listens] as const);

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  await clearRecs(redis);
  db = await openRecsDatabase(config, 'recs_refresh');
  // November 2026: N = 20 sessions; n(a..e) = 6, 5, 4, 8, 3.
  await db.sessions(20);
  for (const [t, n] of [
    ['a', 6],
    ['b', 5],
    ['c', 4],
    ['d', 8],
    ['e', 3],
  ] as const)
    await db.trackSessions(t, n);
  await db.pairs('a', 'b', 4);
  await db.pairs('a', 'c', 2);
  await db.pairs('a', 'd', 1);
  await db.pairs('b', 'c', 3);
  await db.pairs('d', 'e', 3);
  // Outside a 12-month window ending December 2026: never counted.
  await db.pairs('a', 'e', 5, '2025-11');
  await redis.set(recsKeys.similar('zz-stale'), '{"neighbours":[]}');
});
after(async () => {
  await clearRecs(redis);
  await db.drop();
  redis.disconnect();
});

describe('refreshNeighbours', () => {
  it('given counts and no watermark, when refreshed, then a full refresh writes every list equal to the hand-computed top K', async () => {
    const r = await refresh();
    assert.equal(r.mode, 'full');
    assert.equal(r.reason, 'no watermark');
    assert.equal(r.totalSessions, 20);
    // a-d is co-listened less than chance (1·7 < 5·7): no neighbour either way.
    const ab = llrOf(4, 6, 5, 20);
    const ac = llrOf(2, 6, 4, 20);
    const bc = llrOf(3, 5, 4, 20);
    const de = llrOf(3, 8, 3, 20);
    assert.ok(ab > bc && bc > ac && de > 0 && llrOf(1, 6, 8, 20) === 0);
    assert.deepEqual(entries(await similar('a')), [
      ['b', ab, 4],
      ['c', ac, 2],
    ]);
    assert.deepEqual(entries(await similar('b')), [
      ['a', ab, 4],
      ['c', bc, 3],
    ]);
    assert.deepEqual(entries(await similar('c')), [
      ['b', bc, 3],
      ['a', ac, 2],
    ]);
    assert.deepEqual(entries(await similar('d')), [['e', de, 3]]);
    assert.deepEqual(entries(await similar('e')), [['d', de, 3]]);
    const a = (await similar('a'))!;
    assert.equal(a.metric, 'llr');
    assert.equal(a.sessions, 6);
    assert.equal(await redis.exists(recsKeys.similar('zz-stale')), 0, 'a stale list is deleted');
    const meta = await redis.hgetall(recsKeys.meta);
    assert.equal(meta.mode, 'full');
    assert.equal(meta.metric, 'llr');
    assert.equal(meta.window_from, '2026-01');
    assert.equal(meta.watermark, String(r.watermark));
  });

  it('given one new pair since the watermark, when refreshed, then only its two tracks are recomputed; the others keep their lists and older universe', async () => {
    const before = Object.fromEntries(
      await Promise.all(
        ['a', 'b', 'd'].map(async (t) => [t, await redis.get(recsKeys.similar(t))]),
      ),
    );
    await db.sessions(2);
    await db.trackSessions('c', 2);
    await db.trackSessions('e', 2);
    await db.pairs('c', 'e', 2);
    const r = await refresh();
    assert.equal(r.mode, 'incremental');
    assert.equal(r.tracks, 2);
    assert.equal(r.written, 2);
    assert.equal(r.totalSessions, 22);
    // c and e now: N = 22, n(c) = 6, n(e) = 5.
    assert.deepEqual(entries(await similar('c')), [
      ['b', llrOf(3, 6, 5, 22), 3],
      ['e', llrOf(2, 6, 5, 22), 2],
      ['a', llrOf(2, 6, 6, 22), 2],
    ]);
    assert.deepEqual(entries(await similar('e')), [
      ['d', llrOf(3, 5, 8, 22), 3],
      ['c', llrOf(2, 5, 6, 22), 2],
    ]);
    for (const t of ['a', 'b', 'd'])
      assert.equal(await redis.get(recsKeys.similar(t)), before[t], `${t} untouched`);

    const idle = await refresh();
    assert.equal(idle.mode, 'incremental');
    assert.equal(idle.tracks, 0, 'nothing changed, nothing recomputed');
  });

  it('given a forced full refresh, then the untouched lists catch up with the new universe', async () => {
    const r = await refresh({ full: true });
    assert.equal(r.mode, 'full');
    assert.equal(r.reason, 'asked for');
    assert.deepEqual(entries(await similar('a')), [
      ['b', llrOf(4, 6, 5, 22), 4],
      ['c', llrOf(2, 6, 6, 22), 2],
    ]);
  });

  it('given the cosine metric, then a full refresh (the metric changed) scores by cosine, a-d included', async () => {
    const r = await refresh({ metric: 'cosine' });
    assert.equal(r.mode, 'full');
    assert.equal(r.reason, 'metric changed to cosine');
    assert.deepEqual(entries(await similar('a')), [
      ['b', cosine(4, 6, 5), 4],
      ['c', cosine(2, 6, 6), 2],
      ['d', cosine(1, 6, 8), 1],
    ]);
    await refresh({ full: true });
  });

  it('given K = 1, then each list is cut to its best neighbour', async () => {
    await refresh({ topK: 1 });
    assert.deepEqual(
      (await similar('c'))!.neighbours.map((n) => n.track_id),
      ['b'],
    );
    await refresh({ full: true });
  });
});

describe('fans also like', () => {
  it('given qualified streams of catalogued tracks, when a full refresh runs, then each artist lists the overlapping artists with hand-computed scores', async () => {
    await db.upload('t1', ['A']);
    await db.upload('t2', ['B']);
    await db.upload('t3', ['A', 'C']);
    await db.upload('t4', ['D']);
    for (const [u, t] of [
      ['u1', 't1'],
      ['u1', 't2'],
      ['u2', 't1'],
      ['u2', 't2'],
      ['u3', 't1'],
      ['u3', 't1'],
      ['u4', 't3'],
      ['u5', 't2'],
      ['u5', 't4'],
      ['u6', 't4'],
      ['u7', 'uncatalogued'],
    ] as const)
      await db.stream(u, t);
    const r = await refresh({ full: true });
    assert.equal(r.artists, 4);
    const fans = async (a: string) => JSON.parse((await redis.get(recsKeys.fans(a)))!);
    // Fans: A {u1,u2,u3,u4} = 4, B {u1,u2,u5} = 3, C {u4} = 1, D {u5,u6} = 2.
    const a = await fans('A');
    assert.equal(a.fans, 4);
    assert.deepEqual(a.artists, [
      { artist_id: 'B', score: 4 / 12, overlap: 2, share_of_fans: 0.5, share_of_their_fans: 2 / 3 },
      { artist_id: 'C', score: 1 / 4, overlap: 1, share_of_fans: 0.25, share_of_their_fans: 1 },
    ]);
    assert.deepEqual(
      (await fans('B')).artists.map((x: { artist_id: string; score: number }) => [
        x.artist_id,
        x.score,
      ]),
      [
        ['A', 4 / 12],
        ['D', 1 / 6],
      ],
    );
    assert.deepEqual(
      (await fans('D')).artists.map((x: { artist_id: string }) => x.artist_id),
      ['B'],
    );
    assert.equal((await fans('C')).fans, 1);
  });
});

describe('the periodic runner', () => {
  it('given the lock held, then a second holder does not run', async () => {
    const r = await withRefreshLock(redis, { ttlMs: 5000, owner: 'one' }, async () =>
      withRefreshLock(redis, { ttlMs: 5000, owner: 'two' }, async () => 'ran'),
    );
    assert.deepEqual(r, { ran: true, value: { ran: false, holder: 'one' } });
    assert.equal(await redis.exists(REFRESH_LOCK), 0, 'released by its holder');
  });

  it('given a running refresh every 500 ms, when a new pair is inserted, then it appears in both lists within the interval plus one refresh (measured)', async () => {
    const registry = new Registry();
    const intervalMs = 500;
    const runner = startNeighboursRefresh(
      { ...settings, intervalMs },
      { clickhouse: db.ch.client, redis, logger, registry },
    );
    try {
      const t0 = Date.now();
      while ((await redis.hget(recsKeys.meta, 'refreshed_at'))! < new Date(t0).toISOString())
        await new Promise((r) => setTimeout(r, 20));
      const samples: number[] = [];
      for (const [x, y] of [
        ['p1', 'p2'],
        ['p3', 'p4'],
        ['p5', 'p6'],
      ] as const) {
        await db.sessions(3);
        await db.trackSessions(x, 3);
        await db.trackSessions(y, 3);
        await db.pairs(x, y, 3);
        const inserted = Date.now();
        const has = async () =>
          (await similar(x))?.neighbours.some((n) => n.track_id === y) &&
          (await similar(y))?.neighbours.some((n) => n.track_id === x);
        while (!(await has())) {
          assert.ok(Date.now() - inserted < 10_000, `${x}-${y} never appeared`);
          await new Promise((r) => setTimeout(r, 10));
        }
        samples.push(Date.now() - inserted);
      }
      const worst = Math.max(...samples);
      console.log(`# staleness of a new pair, interval ${intervalMs} ms: ${samples.join(', ')} ms`);
      assert.ok(worst < intervalMs + 2000, `worst ${worst} ms`);
      const metrics = await registry.getMetricsAsJSON();
      const names = metrics.map((m) => m.name);
      for (const n of [
        'backbeat_recs_refresh_seconds',
        'backbeat_recs_tracks_refreshed_total',
        'backbeat_recs_last_success_timestamp_seconds',
      ])
        assert.ok(names.includes(n), n);
      const last = metrics.find((m) => m.name === 'backbeat_recs_last_success_timestamp_seconds')!;
      assert.ok((last.values[0]!.value as number) * 1000 >= t0);
    } finally {
      await runner.stop();
    }
  });
});
