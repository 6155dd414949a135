/**
 * The neighbour refresh: reads the co-listening counts out of ClickHouse, computes each track's
 * top-K neighbours (LLR or cosine, similarity.math.ts) and, on a full refresh, every artist's
 * "fans also like" (fans-also-like.math.ts), and writes them to Redis as whole JSON values
 * (`recsKeys.similar`, `recsKeys.fans`; one SET per list, so a reader never sees half a list).
 * A list that has no entry any more is deleted. Which tracks a refresh recomputes, and the
 * staleness that gives, is the rule of neighbours-refresh.plan.ts. Not a projection: it keeps
 * no offsets, and running it twice over the same counts writes the same lists (with a new
 * `refreshed_at`).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logging/logger.js';
import { RECS_PREFIX, recsKeys } from '../../read-models/co-listening/co-listening.keys.js';
import { fansLists, similarLists, type ListProblem } from './neighbours-refresh.lists.js';
import {
  changedTracks,
  parseMeta,
  planRefresh,
  type RefreshSettings,
} from './neighbours-refresh.plan.js';
import {
  artistFans,
  changedRows,
  pairsAndSessions,
  serverNow,
  totalSessions,
} from './neighbours-refresh.queries.js';

export interface RefreshConfig extends RefreshSettings {
  /** Force a full refresh. */
  readonly full?: boolean;
}

export interface RefreshDeps {
  clickhouse: ClickHouseClient;
  redis: Redis;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  now?: () => number;
}

export interface RefreshResult {
  mode: 'full' | 'incremental';
  reason?: string;
  fromMonth: string;
  /** Tracks recomputed (written or deleted). */
  tracks: number;
  written: number;
  deleted: number;
  /** Artists written ("fans also like", full refreshes only). */
  artists: number;
  totalSessions: number;
  /** ClickHouse's clock when this refresh started reading: the next one reads rows after it. */
  watermark: number;
  durationMs: number;
  problems: number;
}

/** Keys per Redis pipeline. */
const CHUNK = 500;

async function writeChunked(redis: Redis, ops: ([string, string] | [string])[]): Promise<void> {
  for (let i = 0; i < ops.length; i += CHUNK) {
    const p = redis.pipeline();
    for (const op of ops.slice(i, i + CHUNK)) {
      if (op.length === 2) p.set(op[0], op[1]);
      else p.del(op[0]);
    }
    const res = await p.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

/** Keys under `prefix` that are not in `keep` (a full refresh deletes them). */
async function staleKeys(redis: Redis, prefix: string, keep: Set<string>): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) if (!keep.has(k)) out.push(k);
  } while (cursor !== '0');
  return out;
}

function logProblems(deps: RefreshDeps, kind: string, problems: readonly ListProblem[]) {
  if (!problems.length) return;
  deps.logger.warn(
    { kind, problems: problems.length, first: problems.slice(0, 5) },
    `${kind}: ${problems.length} candidates left out with counts no table allows`,
  );
}

/** One refresh, full or incremental by the plan; answers what it did. */
export async function refreshNeighbours(
  config: RefreshConfig,
  deps: RefreshDeps,
): Promise<RefreshResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const startedWall = Date.now();
  const refreshedAt = new Date(started).toISOString();
  const { clickhouse: ch, redis } = deps;
  const meta = parseMeta(await redis.hgetall(recsKeys.meta));
  const plan = planRefresh(meta, config, started, { full: config.full ?? false });
  // The next watermark: ClickHouse's clock before anything is read (see the plan's rule).
  const watermark = await serverNow(ch);
  const N = await totalSessions(ch, plan.fromMonth);
  const tracks =
    plan.mode === 'full'
      ? undefined
      : changedTracks(await changedRows(ch, plan.fromMonth, plan.since));

  const ops: ([string, string] | [string])[] = [];
  let written = 0;
  let deleted = 0;
  let problems = 0;
  let recomputed = 0;
  if (tracks === undefined || tracks.length) {
    const { pairs, sessions } = await pairsAndSessions(ch, plan.fromMonth, tracks);
    const all = tracks ?? [
      ...new Set([...sessions.keys(), ...pairs.flatMap((p) => [p.trackA, p.trackB])]),
    ];
    const r = similarLists({
      tracks: all,
      pairs,
      sessions,
      totalSessions: N,
      k: config.topK,
      metric: config.metric,
      refreshedAt,
    });
    logProblems(deps, 'similar tracks', r.problems);
    problems += r.problems.length;
    recomputed = all.length;
    for (const l of r.lists) ops.push([recsKeys.similar(l.track_id), JSON.stringify(l)]);
    written += r.lists.length;
    if (plan.mode === 'incremental') {
      for (const t of r.empty) ops.push([recsKeys.similar(t)]);
      deleted += r.empty.length;
    } else {
      const keep = new Set(r.lists.map((l) => recsKeys.similar(l.track_id)));
      const stale = await staleKeys(redis, `${RECS_PREFIX}similar:`, keep);
      for (const k of stale) ops.push([k]);
      deleted += stale.length;
    }
  }

  let artists = 0;
  if (plan.mode === 'full') {
    const { fans, overlaps } = await artistFans(ch, plan.fromMonth);
    const r = fansLists({ fans, overlaps, k: config.topK, refreshedAt });
    logProblems(deps, 'fans also like', r.problems);
    problems += r.problems.length;
    for (const l of r.lists) ops.push([recsKeys.fans(l.artist_id), JSON.stringify(l)]);
    artists = r.lists.length;
    const keep = new Set(r.lists.map((l) => recsKeys.fans(l.artist_id)));
    for (const k of await staleKeys(redis, `${RECS_PREFIX}fans:`, keep)) ops.push([k]);
  }

  await writeChunked(redis, ops);
  const durationMs = Date.now() - startedWall;
  const fields: Record<string, string> = {
    refreshed_at: refreshedAt,
    metric: config.metric,
    k: String(config.topK),
    window_from: plan.fromMonth,
    mode: plan.mode,
    tracks: String(recomputed),
    duration_ms: String(durationMs),
    watermark: String(watermark),
  };
  if (plan.mode === 'full') {
    fields.last_full_at = String(started);
    fields.artists = String(artists);
  }
  await redis.hset(recsKeys.meta, fields);
  const result: RefreshResult = {
    mode: plan.mode,
    ...(plan.mode === 'full' ? { reason: plan.reason } : {}),
    fromMonth: plan.fromMonth,
    tracks: recomputed,
    written,
    deleted,
    artists,
    totalSessions: N,
    watermark,
    durationMs,
    problems,
  };
  deps.logger.debug({ ...result }, 'neighbours refreshed');
  return result;
}
