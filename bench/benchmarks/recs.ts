/**
 * Figures E (issue 12, section 5): the recommendation models evaluated offline on the
 * simulator's planted taste clusters, no stack. The listening is the simulator's own stream
 * (`createTrafficGenerator`, fixed seed and start, so every run gives the same numbers); each
 * listener's last 20% of qualified plays are held out (`recs/holdout.split.ts`), every model
 * trains on the rest and ranks the whole catalogue minus the listener's training tracks
 * (`recs/recommenders.model.ts`, `recs/als.runner.ts`), and HitRate@10 and NDCG@10 are averaged
 * over the listeners with a held-out track they had not played in training
 * (`recs/ranking.metrics.ts`). Rows compare LLR with the most-popular baseline (target ≥ 2×) and
 * with implicit ALS (target ≥ 0.9×).
 */
import { createTrafficGenerator } from '../../producers/simulator/traffic.generator.js';
import {
  DEFAULT_PARAMS,
  type SimulationParams,
} from '../../producers/simulator/simulator.types.js';
import { qualifiedStream } from '../../processors/play-counts/play-counts.projection.js';
import { DEFAULT_SESSION_RULES } from '../../processors/co-listening/co-listening.session.js';
import { DEFAULT_MIX_SIZE, neighbourMix } from '../../processors/co-listening/daily-mix.model.js';
import type { Neighbour } from '../../processors/co-listening/similarity.math.js';
import type { SimilarList } from '../../read-models/co-listening/co-listening.keys.js';
import { RECENT_CAP } from '../../read-models/user-state/user-state.keys.js';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { root } from '../lib/procs.js';
import type { Row } from '../lib/report.js';
import { HOLDOUT_SHARE, splitListener } from '../recs/holdout.split.js';
import { meanMetrics, type MeanMetrics } from '../recs/ranking.metrics.js';
import {
  NEIGHBOURS_K,
  countCoListening,
  neighbourLists,
  popularityRanking,
  recommendByNeighbours,
  recommendPopular,
} from '../recs/recommenders.model.js';
import { ALS_PARAMS, alsTopK } from '../recs/als.runner.js';

export const K = 10;
/** The API's defaults (RECS_TOP_K, RECS_MIX_PER_ARTIST) and a fixed day for the mix's seed. */
const SERVED_TOP_K = 20;
const SERVED_PER_ARTIST = 2;
const MIX_DAY = '2026-11-30';

/** Neighbour lists in the form the refresh stores and the mix reads (SimilarList). */
function servedLists(n: Map<string, Neighbour[]>, k: number): Map<string, SimilarList> {
  return new Map(
    [...n].map(([track, l]) => [
      track,
      {
        track_id: track,
        metric: 'llr' as const,
        sessions: 0,
        refreshed_at: '',
        neighbours: l
          .slice(0, k)
          .map((x) => ({ track_id: x.track, score: x.score, co_listens: x.coListens })),
      },
    ]),
  );
}
export const SEED = 12;

/** The simulated world per size: one UTC month (2026-11), 8 clusters, affinity 0.8. */
export function recsParams(size: BenchContext['size']): SimulationParams {
  const s = bySize(size, {
    quick: { users: 300, tracks: 600, days: 7 },
    small: { users: 8_000, tracks: 8_000, days: 14 },
    full: { users: 20_000, tracks: 20_000, days: 28 },
  });
  const artists = Math.max(20, Math.round(s.tracks / 10));
  return {
    ...DEFAULT_PARAMS,
    ...s,
    artists,
    labels: Math.max(5, Math.round(artists / 50)),
    seed: SEED,
    startMs: Date.UTC(2026, 10, 1),
    sessions: (s.users * s.days) / 2,
  };
}

const fixed = (x: number) => Number(x.toFixed(4));
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(1));

/** Share of each list's items that are in the cluster `clusterOf(owner)`. */
function inClusterShare(
  lists: ReadonlyMap<string, readonly string[]>,
  ownerCluster: (owner: string) => number | undefined,
  trackCluster: ReadonlyMap<string, number>,
): number {
  let n = 0;
  let same = 0;
  for (const [owner, list] of lists)
    for (const t of list) {
      n++;
      if (trackCluster.get(t) === ownerCluster(owner)) same++;
    }
  return n ? same / n : 0;
}

export const recsBench: Benchmark = {
  name: 'recs',
  title:
    'Recommendations offline on the planted taste clusters: LLR and cosine co-listening, most popular, implicit ALS (HitRate@10, NDCG@10)',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const params = recsParams(ctx.size);
    const timings: Record<string, number> = {};

    // 1. The simulator's stream; each listener's qualified plays in delivery order.
    let t0 = performance.now();
    const gen = createTrafficGenerator(params);
    const { world } = gen;
    const bar = ctx.progress.bar('generate', world.totalEvents, 'events');
    const byUser = new Map<string, PlaybackEvent[]>();
    let events = 0;
    for (const e of gen.events()) {
      if (++events % 50_000 === 0) bar.update(events);
      if (e.type !== 'playback' || qualifiedStream(e.event) !== true) continue;
      const list = byUser.get(e.event.user_id);
      if (list) list.push(e.event);
      else byUser.set(e.event.user_id, [e.event]);
    }
    bar.stop();
    timings.generate_s = seconds(t0);
    const qualified = [...byUser.values()].reduce((n, l) => n + l.length, 0);
    ctx.progress.log(`${events} events, ${qualified} qualified plays of ${byUser.size} listeners`);

    // 2. Hold-out split.
    const train = new Map<string, PlaybackEvent[]>();
    const trainTracks = new Map<string, Set<string>>();
    const trainCounts = new Map<string, Map<string, number>>();
    const relevant = new Map<string, ReadonlySet<string>>();
    let heldOut = 0;
    let withHeldOut = 0;
    for (const [user, plays] of byUser) {
      const s = splitListener(plays);
      heldOut += s.test.length;
      if (s.test.length) withHeldOut++;
      train.set(user, s.train);
      trainTracks.set(user, new Set(s.train.map((p) => p.track_id)));
      const counts = new Map<string, number>();
      for (const p of s.train) counts.set(p.track_id, (counts.get(p.track_id) ?? 0) + 1);
      trainCounts.set(user, counts);
      if (s.relevant.size) relevant.set(user, s.relevant);
    }
    const evaluated = [...relevant.keys()];

    // 3. Co-listening (LLR, cosine) and the popularity baseline.
    t0 = performance.now();
    const counts = countCoListening(train, DEFAULT_SESSION_RULES);
    const llrNeighbours = neighbourLists(counts, 'llr');
    const cosNeighbours = neighbourLists(counts, 'cosine');
    const ranking = popularityRanking(train);
    const lists = {
      llr: new Map<string, string[]>(),
      cosine: new Map<string, string[]>(),
      popular: new Map<string, string[]>(),
      mix: new Map<string, string[]>(),
    };
    // The daily mix as the API serves it (processors/co-listening/daily-mix.model.ts): the
    // top RECS_TOP_K LLR neighbours of the listener's last RECENT_CAP plays, their best source
    // each, at most RECS_MIX_PER_ARTIST per artist; its first K items.
    const similar = servedLists(llrNeighbours, SERVED_TOP_K);
    const catalogue = new Map(
      world.catalogue.tracks.map((t) => [
        t.track_id,
        { title: t.title, artists: t.artist_ids.map((id) => ({ artist_id: id, name: id })) },
      ]),
    );
    for (const u of evaluated) {
      const own = trainTracks.get(u)!;
      // LLR summed as root LLR, as the daily mix does (daily-mix.model.ts).
      lists.llr.set(u, recommendByNeighbours(own, llrNeighbours, K, Math.sqrt));
      lists.cosine.set(u, recommendByNeighbours(own, cosNeighbours, K));
      lists.popular.set(u, recommendPopular(ranking, own, K));
      const recent = train
        .get(u)!
        .slice(-RECENT_CAP)
        .reverse()
        .map((p) => ({ track_id: p.track_id, played_at: p.event_time }));
      const mix = neighbourMix({
        userId: u,
        day: MIX_DAY,
        recent,
        similar,
        catalogue,
        rules: { perArtist: SERVED_PER_ARTIST, size: DEFAULT_MIX_SIZE },
      });
      // The mix leaves out recent plays only; the protocol ranks no training track.
      lists.mix.set(
        u,
        mix
          .map((i) => i.track_id)
          .filter((t) => !own.has(t))
          .slice(0, K),
      );
    }
    timings.colisten_s = seconds(t0);
    ctx.progress.log(
      `co-listening: ${counts.totalSessions} sessions, ${counts.pairs} pairs over ${counts.coListens.size} tracks (${timings.colisten_s} s)`,
    );

    // 4. Implicit ALS in the Python venv.
    t0 = performance.now();
    const als = await alsTopK(
      { train: trainCounts, items: world.catalogue.tracks.map((t) => t.track_id), k: K },
      { root, cacheDir: ctx.cacheDir, log: (s) => ctx.progress.log(s) },
    );
    timings.als_s = seconds(t0);
    if ('unavailable' in als) ctx.progress.log(`ALS unavailable: ${als.unavailable}`);

    // 5. Metrics, the same way for every model.
    const m: Record<string, MeanMetrics> = {
      llr: meanMetrics(lists.llr, relevant, K),
      cosine: meanMetrics(lists.cosine, relevant, K),
      popular: meanMetrics(lists.popular, relevant, K),
      mix: meanMetrics(lists.mix, relevant, K),
      ...('lists' in als ? { als: meanMetrics(als.lists, relevant, K) } : {}),
    };
    const short = (l: Map<string, string[]>) => [...l.values()].filter((x) => x.length < K).length;

    const trackCluster = new Map(world.catalogue.tracks.map((t) => [t.track_id, t.cluster]));
    const userCluster = new Map(world.users.map((u) => [u.user_id, u.cluster]));
    const top10 = (n: Map<string, { track: string }[]>) =>
      new Map([...n].map(([t, l]) => [t, l.slice(0, 10).map((x) => x.track)]));
    const clusterShares = {
      llr_neighbours_top10: fixed(
        inClusterShare(top10(llrNeighbours), (t) => trackCluster.get(t), trackCluster),
      ),
      cosine_neighbours_top10: fixed(
        inClusterShare(top10(cosNeighbours), (t) => trackCluster.get(t), trackCluster),
      ),
      ...Object.fromEntries(
        Object.entries({ ...lists, ...('lists' in als ? { als: als.lists } : {}) }).map(
          ([k, l]) => [
            `${k}_recommendations`,
            fixed(inClusterShare(l, (u) => userCluster.get(u), trackCluster)),
          ],
        ),
      ),
    };

    const hr = (x: MeanMetrics) => [x.hitRate];
    const nd = (x: MeanMetrics) => [x.ndcg];
    const anchorOf = (
      name: string,
      x: MeanMetrics,
      f: (x: MeanMetrics) => number[],
      unit: string,
    ) => ({
      what: name,
      unit,
      values: f(x),
    });
    const alsNote = 'lists' in als ? undefined : `ALS unavailable: ${als.unavailable}`;
    const rows: Row[] = [
      {
        figure: 'E1',
        what: 'HitRate@10, LLR co-listening (root LLR summed)',
        unit: 'HR@10',
        values: hr(m.llr!),
        anchor: anchorOf('most popular', m.popular!, hr, 'HR@10'),
        target: { on: 'ratio', op: '>=', bound: 2 },
      },
      {
        figure: 'E2',
        what: 'HitRate@10, LLR co-listening (root LLR summed)',
        unit: 'HR@10',
        values: hr(m.llr!),
        ...(m.als
          ? {
              anchor: anchorOf('implicit ALS', m.als, hr, 'HR@10'),
              target: { on: 'ratio', op: '>=', bound: 0.9 },
            }
          : { note: alsNote }),
      },
      {
        figure: 'E3',
        what: 'HitRate@10, cosine co-listening',
        unit: 'HR@10',
        values: hr(m.cosine!),
        anchor: anchorOf('most popular', m.popular!, hr, 'HR@10'),
      },
      ...(m.als
        ? [
            {
              figure: 'E4',
              what: 'HitRate@10, implicit ALS',
              unit: 'HR@10',
              values: hr(m.als),
              anchor: anchorOf('most popular', m.popular!, hr, 'HR@10'),
            },
          ]
        : []),
      {
        figure: 'E5',
        what: 'NDCG@10, LLR co-listening (root LLR summed)',
        unit: 'NDCG@10',
        values: nd(m.llr!),
        anchor: anchorOf('most popular', m.popular!, nd, 'NDCG@10'),
      },
      ...(m.als
        ? [
            {
              figure: 'E6',
              what: 'NDCG@10, LLR co-listening (root LLR summed)',
              unit: 'NDCG@10',
              values: nd(m.llr!),
              anchor: anchorOf('implicit ALS', m.als, nd, 'NDCG@10'),
            },
          ]
        : []),
      {
        figure: 'E7',
        what: 'NDCG@10, cosine co-listening',
        unit: 'NDCG@10',
        values: nd(m.cosine!),
        anchor: anchorOf('most popular', m.popular!, nd, 'NDCG@10'),
      },
      ...(m.als
        ? [
            {
              figure: 'E8',
              what: 'NDCG@10, implicit ALS',
              unit: 'NDCG@10',
              values: nd(m.als),
              anchor: anchorOf('most popular', m.popular!, nd, 'NDCG@10'),
            },
          ]
        : []),
    ];
    rows.push({
      figure: 'E9',
      what: 'HitRate@10, the daily mix as served (LLR top 20 of the last 50 plays, summed, 2 per artist)',
      unit: 'HitRate@10',
      values: hr(m.mix!),
      anchor: anchorOf('most popular', m.popular!, hr, 'HitRate@10'),
      target: { on: 'ratio', op: '>=', bound: 2 },
    });
    const metrics = Object.fromEntries(
      Object.entries(m).map(([k, x]) => [
        k,
        { hit_rate_10: fixed(x.hitRate), ndcg_10: fixed(x.ndcg) },
      ]),
    );
    return {
      rows,
      parameters: {
        seed: params.seed,
        users: params.users,
        tracks: params.tracks,
        clusters: params.clusters,
        affinity: params.affinity,
        days: params.days,
        sessions_generated: world.sessions.length,
        events,
        qualified_plays: qualified,
        listeners_with_plays: byUser.size,
        listeners_with_held_out_play: withHeldOut,
        listeners_evaluated: evaluated.length,
        held_out_plays: heldOut,
        holdout_share: HOLDOUT_SHARE,
        k: K,
        neighbours_k: NEIGHBOURS_K,
        co_listening_sessions: counts.totalSessions,
        co_listening_pairs: counts.pairs,
        als: 'lists' in als ? { ...ALS_PARAMS, ...als.versions } : 'unavailable',
        metrics,
        in_cluster_share: clusterShares,
        lists_shorter_than_k: { llr: short(lists.llr), cosine: short(lists.cosine) },
        ...timings,
      },
      notes: [
        `Data: the simulator's own stream (createTrafficGenerator, seed ${params.seed}, start 2026-11-01, ${params.days} days in one UTC month, ${params.clusters} planted taste clusters, affinity ${params.affinity}), no stack; same numbers on every run, so one evaluation (the runs column is 1 whatever --runs says).`,
        `Protocol: per listener the qualified plays (ENDED, >= 30 s) by event time; the last max(1, floor(20% of n)) are held out (none under 2 plays); every model trains on the rest of every listener's plays. Candidates: the whole catalogue minus the listener's training tracks (no sampled negatives). Averaged over the ${evaluated.length} listeners whose held-out plays include a track they had not played in training (${withHeldOut - evaluated.length} more only replayed training tracks, which no model may rank).`,
        `LLR and cosine: co-listening counts from the real evolveSession (30 min gap, N = 50, 200 tracks / 5,000 pairs per session) over each listener's training plays in delivery order; each track's top ${NEIGHBOURS_K} neighbours by topNeighbours (associationLlr, cosine); a listener's score of a candidate is the sum of its neighbour scores (LLR as its square root, root LLR, as the daily mix sums them) over the listener's distinct training tracks; no fallback fill (lists shorter than 10: LLR ${short(lists.llr)}, cosine ${short(lists.cosine)}).`,
        `Most popular: training qualified plays per track over all listeners, minus the listener's training tracks. Implicit ALS: ${'lists' in als ? `implicit ${als.versions.implicit},` : 'not available (below); when it runs:'} CPU AlternatingLeastSquares, factors ${ALS_PARAMS.factors}, regularization ${ALS_PARAMS.regularization}, alpha ${ALS_PARAMS.alpha}, ${ALS_PARAMS.iterations} iterations, random_state ${ALS_PARAMS.seed}, one thread, on the same training counts (user × track plays), recommend(N=10, filter_already_liked_items) (bench/python/als_eval.py).`,
        `Exact metrics: ${Object.entries(metrics)
          .map(([k, x]) => `${k} HR@10 ${x.hit_rate_10}, NDCG@10 ${x.ndcg_10}`)
          .join(
            '; ',
          )}. In-cluster share of top-10 neighbours: LLR ${clusterShares.llr_neighbours_top10}, cosine ${clusterShares.cosine_neighbours_top10}.`,
        ...(alsNote ? [alsNote] : []),
      ],
      details: [{ metrics, in_cluster_share: clusterShares, timings }],
    };
  },
};
