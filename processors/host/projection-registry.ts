import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createRedisProjectionSink } from '../../sinks/redis/redis-projection.sink.js';
import { catalogueProjection } from '../catalogue/catalogue.projection.js';
import { playCountsProjection } from '../play-counts/play-counts.projection.js';
import { archivePartitionOf, rawArchiveProjection } from '../raw-archive/raw-archive.projection.js';
import {
  ROYALTY_FACTS_TABLE,
  royaltyLedgerProjection,
  royaltyPartitionOf,
} from '../royalty-ledger/royalty-ledger.projection.js';
import type { Projection } from '../runtime/processor.types.js';
import type { ProjectionSink } from '../../sinks/contract/projection-sink.types.js';
import { userStateProjection } from '../user-state/user-state.projection.js';
import {
  CO_LISTENING_TABLES,
  coListeningProjection,
} from '../co-listening/co-listening.projection.js';
import { createRedisWithRowsSink } from '../../sinks/redis/redis-with-rows.sink.js';
import { playlistsProjection } from '../playlists/playlists.projection.js';

export const PROJECTION_NAMES = [
  'user-state',
  'play-counts',
  'catalogue',
  'raw-archive',
  'royalty-ledger',
  'co-listening',
  'playlists',
] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

export interface SinkDeps {
  redis: Redis;
  clickhouse: ClickHouseClient;
}

/**
 * One entry per projection: the pure projection, where it is stored, and how one of its
 * generations is opened. A generation is what a rebuild replaces: a Redis key namespace
 * (`bb:<name>:g<N>`), or a ClickHouse table swapped in with EXCHANGE TABLES.
 */
export interface ProjectionEntry {
  name: ProjectionName;
  store: 'redis' | 'clickhouse';
  /** The ClickHouse table it writes (the live one; a rebuild builds `<table>_rebuild` and swaps). */
  table?: string;
  projection: Projection<unknown>;
  /** Opens the sink of a generation (Redis) or of a table (ClickHouse: `table` overrides). */
  sink(
    deps: SinkDeps,
    opts: { generation: number; dedupTtlSeconds: number; table?: string },
  ): ProjectionSink<unknown>;
  /** Consumer group of a generation. */
  groupId(generation: number | string): string;
}

const redisEntry = (name: ProjectionName, projection: Projection<unknown>): ProjectionEntry => ({
  name,
  store: 'redis',
  projection,
  sink: (deps, o) =>
    createRedisProjectionSink(
      { name, generation: o.generation, dedupTtlSeconds: o.dedupTtlSeconds },
      { redis: deps.redis },
    ) as ProjectionSink<unknown>,
  groupId: (g) => `backbeat.${name}.g${g}`,
});

export const RAW_ARCHIVE_TABLE = 'events';

/** A ClickHouse projection: rows into `table`, whose rebuild is swapped in with EXCHANGE TABLES. */
function clickhouseEntry(
  name: ProjectionName,
  table: string,
  projection: Projection<unknown>,
  partitionOf: (row: Record<string, unknown>) => string,
): ProjectionEntry {
  return {
    name,
    store: 'clickhouse',
    table,
    projection,
    sink: (deps, o) =>
      createClickHouseRowsSink(
        { name, table: o.table ?? table, partitionOf },
        // The live table pauses while a rebuild swaps it (see processors/rebuild); a rebuild's own table never waits.
        {
          clickhouse: deps.clickhouse,
          ...(o.table && o.table !== table ? {} : { guard: () => swapGuard(deps.redis, name) }),
        },
      ) as ProjectionSink<unknown>,
    groupId: (g) => `backbeat.${name}.${g}`,
  };
}

/**
 * Co-listening: windows (state) and offsets in Redis by generation, like the other Redis
 * projections; its counts go to ClickHouse tables that fold deterministic ids, so the live
 * processor and a rebuild write the same counts (redis-with-rows.sink.ts).
 */
const coListeningEntry: ProjectionEntry = {
  ...redisEntry('co-listening', coListeningProjection as Projection<unknown>),
  sink: (deps, o) =>
    createRedisWithRowsSink(
      { tables: CO_LISTENING_TABLES },
      {
        redis: createRedisProjectionSink(
          { name: 'co-listening', generation: o.generation, dedupTtlSeconds: o.dedupTtlSeconds },
          { redis: deps.redis },
        ),
        clickhouse: deps.clickhouse,
      },
    ) as ProjectionSink<unknown>,
};

export const PROJECTIONS: Record<ProjectionName, ProjectionEntry> = {
  'user-state': redisEntry('user-state', userStateProjection as Projection<unknown>),
  'play-counts': redisEntry('play-counts', playCountsProjection as Projection<unknown>),
  catalogue: redisEntry('catalogue', catalogueProjection as Projection<unknown>),
  'raw-archive': clickhouseEntry(
    'raw-archive',
    RAW_ARCHIVE_TABLE,
    rawArchiveProjection as Projection<unknown>,
    archivePartitionOf,
  ),
  'royalty-ledger': clickhouseEntry(
    'royalty-ledger',
    ROYALTY_FACTS_TABLE,
    royaltyLedgerProjection as Projection<unknown>,
    royaltyPartitionOf,
  ),
  'co-listening': coListeningEntry,
  playlists: redisEntry('playlists', playlistsProjection as Projection<unknown>),
};

/** The key a rebuild sets while it swaps a projection's ClickHouse table; writers wait. */
export const swapLockKey = (name: string) => `bb:${name}:swap-lock`;

async function swapGuard(redis: Redis, name: string): Promise<void> {
  if ((await redis.exists(swapLockKey(name))) === 1) {
    throw new BackbeatError('REBUILD_SWAP', `${name} is being swapped by a rebuild; writes wait`, {
      retriable: true,
    });
  }
}
