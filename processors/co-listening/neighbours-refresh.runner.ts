/**
 * The periodic neighbour refresh of the processors role: one refresh every `intervalMs` (the
 * next starts `intervalMs` after the last ended, so refreshes never overlap in a process), and
 * across processes one at a time: a refresh runs only while this instance holds the Redis lock
 * `bb:recs:refresh-lock` (SET NX with an expiry, renewed every third of it while the refresh
 * runs, released at the end only by its holder). An instance that dies holding it blocks the
 * others for at most `lockTtlMs`. A failing refresh is logged and retried at the next tick.
 *
 * Metrics: backbeat_recs_refresh_seconds{mode}, backbeat_recs_tracks_refreshed_total{mode},
 * backbeat_recs_refresh_failures_total, backbeat_recs_last_success_timestamp_seconds.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../../common/logging/logger.js';
import { RECS_PREFIX } from '../../read-models/co-listening/co-listening.keys.js';
import {
  refreshNeighbours,
  type RefreshConfig,
  type RefreshResult,
} from './neighbours-refresh.service.js';

export const REFRESH_LOCK = `${RECS_PREFIX}refresh-lock`;

export interface RunnerConfig extends RefreshConfig {
  readonly intervalMs: number;
  /** Expiry of the lock (default max(60 s, 4 × intervalMs)). */
  readonly lockTtlMs?: number;
}

export interface RunnerDeps {
  clickhouse: ClickHouseClient;
  redis: Redis;
  logger: Logger;
  registry: Registry;
  now?: () => number;
  /** Names the lock holder (default a random id). */
  instance?: string;
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

function runnerMetrics(registry: Registry) {
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    duration: get(
      'backbeat_recs_refresh_seconds',
      () =>
        new Histogram({
          name: 'backbeat_recs_refresh_seconds',
          help: 'Duration of one neighbour refresh, by mode (full or incremental)',
          labelNames: ['mode'],
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers: [registry],
        }),
    ),
    tracks: get(
      'backbeat_recs_tracks_refreshed_total',
      () =>
        new Counter({
          name: 'backbeat_recs_tracks_refreshed_total',
          help: 'Similar-track lists recomputed (written or deleted), by mode',
          labelNames: ['mode'],
          registers: [registry],
        }),
    ),
    failures: get(
      'backbeat_recs_refresh_failures_total',
      () =>
        new Counter({
          name: 'backbeat_recs_refresh_failures_total',
          help: 'Neighbour refreshes that failed (retried at the next interval)',
          registers: [registry],
        }),
    ),
    lastSuccess: get(
      'backbeat_recs_last_success_timestamp_seconds',
      () =>
        new Gauge({
          name: 'backbeat_recs_last_success_timestamp_seconds',
          help: 'When the last neighbour refresh succeeded (Unix seconds); 0 before the first',
          registers: [registry],
        }),
    ),
  };
}

/**
 * Takes the lock, runs `work` while renewing it, releases it. Answers undefined (and runs
 * nothing) when another holder has it.
 */
export async function withRefreshLock<T>(
  redis: Redis,
  opts: { ttlMs: number; owner: string },
  work: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false; holder: string | null }> {
  const got = await redis.set(REFRESH_LOCK, opts.owner, 'PX', opts.ttlMs, 'NX');
  if (got !== 'OK') return { ran: false, holder: await redis.get(REFRESH_LOCK) };
  const renew = setInterval(
    () => void redis.eval(RENEW, 1, REFRESH_LOCK, opts.owner, opts.ttlMs).catch(() => undefined),
    Math.max(100, Math.floor(opts.ttlMs / 3)),
  );
  try {
    return { ran: true, value: await work() };
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, REFRESH_LOCK, opts.owner).catch(() => undefined);
  }
}

export function startNeighboursRefresh(config: RunnerConfig, deps: RunnerDeps) {
  const m = runnerMetrics(deps.registry);
  const logger = deps.logger.child({ component: 'neighbours-refresh' });
  const owner = `${deps.instance ?? 'processors'}:${randomUUID()}`;
  const ttlMs = config.lockTtlMs ?? Math.max(60_000, 4 * config.intervalMs);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function tick(): Promise<RefreshResult | undefined> {
    const start = process.hrtime.bigint();
    try {
      const r = await withRefreshLock(deps.redis, { ttlMs, owner }, () =>
        refreshNeighbours(config, { ...deps, logger }),
      );
      if (!r.ran) {
        logger.debug({ holder: r.holder }, 'another instance is refreshing; skipped');
        return undefined;
      }
      const v = r.value;
      m.duration.observe({ mode: v.mode }, Number(process.hrtime.bigint() - start) / 1e9);
      m.tracks.inc({ mode: v.mode }, v.tracks);
      m.lastSuccess.set(Date.now() / 1000);
      logger[v.mode === 'full' || v.tracks ? 'info' : 'debug'](
        {
          mode: v.mode,
          reason: v.reason,
          tracks: v.tracks,
          written: v.written,
          deleted: v.deleted,
          artists: v.artists,
          total_sessions: v.totalSessions,
          duration_ms: v.durationMs,
        },
        `neighbours refreshed (${v.mode}): ${v.tracks} tracks`,
      );
      return v;
    } catch (err) {
      m.failures.inc();
      logger.warn({ err }, 'neighbour refresh failed; retrying at the next interval');
      return undefined;
    }
  }

  function schedule(delay: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => schedule(config.intervalMs));
    }, delay);
  }
  schedule(0);
  logger.info(
    { interval_ms: config.intervalMs, full_every_ms: config.fullEveryMs, metric: config.metric },
    'neighbour refresh started',
  );

  return {
    /** Stops the timer and waits for a refresh in flight. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

export type NeighboursRefreshRunner = ReturnType<typeof startNeighboursRefresh>;
