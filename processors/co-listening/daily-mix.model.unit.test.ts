import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimilarList } from '../../read-models/co-listening/co-listening.keys.js';
import { chartMix, mixSeed, neighbourMix, type MixTrack } from './daily-mix.model.js';

const track = (title: string, ...artists: string[]): MixTrack => ({
  title,
  artists: artists.map((a) => ({ artist_id: a, name: a.toUpperCase() })),
});
const list = (id: string, ...n: [string, number, number][]): SimilarList => ({
  track_id: id,
  metric: 'llr',
  sessions: 10,
  refreshed_at: '2026-12-02T00:00:00.000Z',
  neighbours: n.map(([track_id, score, co_listens]) => ({ track_id, score, co_listens })),
});
const catalogue = new Map<string, MixTrack>([
  ['s1', track('Source One', 'a0')],
  ['s2', track('Source Two', 'a0')],
  ['n1', track('N1', 'a1')],
  ['n2', track('N2', 'a1')],
  ['n3', track('N3', 'a1')],
  ['n4', track('N4', 'a2')],
  ['n5', track('N5', 'a2', 'a1')],
  ['t1', track('T1', 'a3')],
  ['t2', track('T2', 'a4')],
]);
const rules = { perArtist: 2, size: 50 };
const recent = [
  { track_id: 's1', played_at: 3000 },
  { track_id: 's2', played_at: 2000 },
  { track_id: 's1', played_at: 1000 },
];

describe('neighbourMix', () => {
  it('given two sources, when built, then neighbours by summed score, explained by the best source, minus recent plays, capped per artist', () => {
    const similar = new Map([
      ['s1', list('s1', ['n1', 9, 4], ['s2', 8, 3], ['n2', 5, 2], ['n3', 4, 2], ['gone', 3, 1])],
      ['s2', list('s2', ['n2', 7, 3], ['n4', 6, 5], ['n5', 1, 1])],
    ]);
    const mix = neighbourMix({ userId: 'u', day: '2026-12-02', recent, similar, catalogue, rules });
    // n2 is listed by both sources: root LLR summed, √5 + √7, explained by s2 (7). s2 is played (excluded);
    // 'gone' is not in the catalogue; n3 is a1's third (capped); n5 credits a1 too (full), so
    // it is passed over although a2 has room.
    assert.deepEqual(
      mix.map((i) => [
        i.track_id,
        i.score,
        i.co_listens,
        i.because.kind === 'played' && i.because.track_id,
      ]),
      [
        ['n2', Math.sqrt(5) + Math.sqrt(7), 3, 's2'],
        ['n1', 3, 4, 's1'],
        ['n4', Math.sqrt(6), 5, 's2'],
      ],
    );
    assert.deepEqual(mix[0]!.because, {
      kind: 'played',
      track_id: 's2',
      title: 'Source Two',
      played_at: 2000,
      score: 7,
      co_listens: 3,
      text: 'because you played Source Two',
    });
  });

  it('given equal candidates, when built for two days, then the seeded tie-break orders them and each day is stable', () => {
    const similar = new Map([['s1', list('s1', ['t1', 2, 1], ['t2', 2, 1])]]);
    const on = (day: string, userId = 'u') =>
      neighbourMix({ userId, day, recent, similar, catalogue, rules }).map((i) => i.track_id);
    for (const day of ['2026-12-01', '2026-12-02', '2026-12-03']) {
      const want = mixSeed('u', day, 't1') < mixSeed('u', day, 't2') ? ['t1', 't2'] : ['t2', 't1'];
      assert.deepEqual(on(day), want);
      assert.deepEqual(on(day), on(day));
    }
    const orders = new Set(Array.from({ length: 8 }, (_, d) => on(`2026-12-0${d + 1}`).join()));
    assert.equal(orders.size, 2, 'the order rotates across days');
  });

  it('given a mix size and a per-artist cap of 1, then at most one per artist and at most size items', () => {
    const similar = new Map([
      ['s1', list('s1', ['n1', 9, 4], ['n2', 8, 4], ['n4', 7, 1], ['t1', 6, 1], ['t2', 5, 1])],
    ]);
    const mix = neighbourMix({
      userId: 'u',
      day: '2026-12-02',
      recent,
      similar,
      catalogue,
      rules: { perArtist: 1, size: 3 },
    });
    assert.deepEqual(
      mix.map((i) => i.track_id),
      ['n1', 'n4', 't1'],
    );
  });

  it('given no history, then the mix is empty (the caller falls back to the chart)', () => {
    assert.deepEqual(
      neighbourMix({ userId: 'u', day: 'd', recent: [], similar: new Map(), catalogue, rules }),
      [],
    );
  });
});

describe('chartMix', () => {
  it('given a market chart, then its catalogued tracks in rank order minus recent plays, each explained by the chart', () => {
    const mix = chartMix({
      chart: {
        market: 'SE',
        day: '2026-12-02',
        entries: [
          { rank: 2, track_id: 'n2', streams: 5 },
          { rank: 1, track_id: 'n1', streams: 7 },
          { rank: 3, track_id: 's1', streams: 4 },
          { rank: 4, track_id: 'n3', streams: 3 },
          { rank: 5, track_id: 'n4', streams: 2 },
        ],
      },
      recent: [{ track_id: 's1' }],
      catalogue,
      rules,
    });
    assert.deepEqual(
      mix.map((i) => [i.track_id, i.score, i.because.kind === 'chart' && i.because.rank]),
      [
        ['n1', null, 1],
        ['n2', null, 2],
        ['n4', null, 5],
      ],
    );
    assert.equal(
      mix[0]!.because.text,
      'number 1 on the chart of SE (2026-12-02); nothing you played recently has similar tracks yet',
    );
  });

  it('given no history and the global chart, then the text says so', () => {
    const [first] = chartMix({
      chart: {
        market: 'global',
        day: '2026-12-02',
        entries: [{ rank: 1, track_id: 't1', streams: 1 }],
      },
      recent: [],
      catalogue,
      rules,
    });
    assert.equal(
      first!.because.text,
      'number 1 on the global chart (2026-12-02); you have no listening history yet',
    );
  });
});
