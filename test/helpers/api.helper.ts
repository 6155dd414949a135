import { randomBytes, randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { listen } from '../../common/http/http-server.js';
import { createLogger } from '../../common/logging/logger.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { catalogueProjection } from '../../processors/catalogue/catalogue.projection.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { playCountsProjection } from '../../processors/play-counts/play-counts.projection.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { redisHarness } from './redis-harness.helper.js';
import { envelope, envelopes } from './envelope.helper.js';
import { playlistScenario } from './playlist.helper.js';
import { playlistsProjection } from '../../processors/playlists/playlists.projection.js';
import { createPlaylistsReader } from '../../read-models/playlists/playlists.reader.js';
import { rawArchiveProjection } from '../../processors/raw-archive/raw-archive.projection.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import { userStateProjection } from '../../processors/user-state/user-state.projection.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { createAnalystClickHouse } from '../../api/app/analyst-clickhouse.js';
import { createApiApp } from '../../api/app/api.app.js';
import { mintToken, type TokenRole } from '../../api/app/auth/api-token.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A test clock for `scenario`: now, or three hours earlier in the first three hours of a UTC day,
 * so that the plays of one and two hours ago fall on the same UTC day as `now` (a test run just
 * after midnight otherwise finds today's charts empty). The API under test gets this clock.
 */
export function scenarioNow(wall = Date.now()): number {
  return wall % DAY < 3 * HOUR ? wall - 3 * HOUR : wall;
}

/**
 * A small, fixed listening history relative to `now`: two tracks on label-1, three users in
 * SE and NO, qualified and short plays, a skip, follows, and one play 10 days back.
 */
export function scenario(now: number): AnyEnvelope[] {
  const env = envelopes({ now });
  const at = (ago: number) => ({ event_time: now - ago, received_time: now - ago + 1000 });
  const play = (user: string, market: string, track: string, ms: number, ago: number) =>
    env('playback', {
      user_id: user,
      market,
      device_id: `${user}-phone`,
      track_id: track,
      playback_id: randomUUID(),
      ms_played: ms,
      position_ms: ms,
      phase: 'ENDED',
      end_reason: ms >= 30_000 ? 'TRACK_DONE' : 'SKIP_FORWARD',
      ...at(ago),
    });
  const upload = (track: string, title: string, isrc: string, artist: string, name: string) =>
    env('track-upload', {
      track_id: track,
      title,
      isrc,
      artists: [{ artist_id: artist, name }],
      rights_holders: [
        { rights_holder_id: 'label-1', name: 'Polar Records', role: 'label', share_bps: 7000 },
        { rights_holder_id: artist, name, role: 'artist', share_bps: 3000 },
      ],
      ...at(30 * DAY),
    });
  return [
    upload('track-1', 'Northern Lights', 'SEABC2600001', 'artist-1', 'Aurora Lane'),
    upload('track-2', 'Midnight Sun', 'SEABC2600002', 'artist-2', 'Fjord Echo'),
    play('user-1', 'SE', 'track-1', 31_000, 1 * HOUR),
    play('user-1', 'SE', 'track-1', 40_000, 1 * DAY),
    play('user-1', 'SE', 'track-2', 10_000, 2 * HOUR),
    env('skip', {
      user_id: 'user-1',
      market: 'SE',
      track_id: 'track-2',
      playback_id: randomUUID(),
      ...at(2 * HOUR - 10_000),
    }),
    play('user-2', 'NO', 'track-1', 35_000, 2 * DAY),
    play('user-2', 'NO', 'track-2', 60_000, 1 * DAY),
    play('user-3', 'SE', 'track-2', 45_000, 10 * DAY),
    env('playback', {
      user_id: 'user-1',
      device_id: 'user-1-laptop',
      track_id: 'track-2',
      playback_id: randomUUID(),
      phase: 'PROGRESS',
      ms_played: 12_000,
      position_ms: 12_000,
      end_reason: null,
      ...at(5 * 60_000),
    }),
    env('follow', {
      user_id: 'user-1',
      target_type: 'ARTIST',
      target_id: 'artist-1',
      ...at(3 * DAY),
    }),
    env('follow', { user_id: 'user-1', target_type: 'USER', target_id: 'user-2', ...at(3 * DAY) }),
    env('follow', { user_id: 'user-2', target_type: 'USER', target_id: 'user-1', ...at(3 * DAY) }),
  ];
}

export interface TestApi {
  base: string;
  config: AppConfig;
  database: string;
  /** ClickHouse as Backbeat's user, on the test database. */
  admin: ClickHouseHandle;
  token(role: TokenRole, sub: string, ttlSeconds?: number): string;
  close(): Promise<void>;
}

/**
 * The API app on an ephemeral port over the real stack: a fresh ClickHouse database (migrated,
 * the scenario archived through the real ClickHouse rows sink), the scenario applied to Redis
 * through the real Redis sink under unique projection names, and readers over them.
 * `outage` points the readers' Redis and both ClickHouse clients at a closed port.
 */
export async function startTestApi(
  config: AppConfig,
  opts: { now?: number; sqlMaxRows?: number; sqlMaxSeconds?: number; outage?: boolean } = {},
): Promise<TestApi> {
  const now = opts.now ?? Date.now();
  const events = scenario(now);
  const database = `bb_api_test_${randomBytes(4).toString('hex')}`;
  const admin = await openClickHouse({ url: config.clickhouse.url, database });
  await migrate(admin.client);
  const archive = createClickHouseRowsSink(
    { name: 'raw-archive', table: 'events' },
    { clickhouse: admin.client },
  );
  await archive.apply(rawArchiveProjection.plan(events).plan, [
    { topic: 'backbeat.all', partition: 0, from: 0, to: events.length - 1 },
  ]);

  const seedRedis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  const harnesses = [userStateProjection, playCountsProjection, catalogueProjection].map((p) =>
    redisHarness(seedRedis, p),
  );
  for (const [i, h] of harnesses.entries()) {
    const p = [userStateProjection, playCountsProjection, catalogueProjection][i]!;
    await h.apply(events.filter((e) => (p.types as readonly string[]).includes(e.type)));
  }
  // The playlists (playlist.helper.ts SCENARIO_PLAYLISTS), kept out of the archived scenario.
  const playlists = redisHarness(seedRedis, playlistsProjection);
  harnesses.push(playlists);
  const edits = playlistScenario(now).map((e, i) => envelope('playlist-edit', e, { offset: i }));
  const applied = await playlists.apply(edits);
  if (applied.outcomes.some((o) => o.kind !== 'ok'))
    throw new Error(`playlist scenario refused: ${JSON.stringify(applied.outcomes)}`);
  const [userStateName, playCountsName, catalogueName] = harnesses.map((h) => h.name) as [
    string,
    string,
    string,
  ];

  const redis = new Redis(opts.outage ? 'redis://127.0.0.1:1/0' : config.redis.url, {
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => 200,
  });
  redis.on('error', () => undefined);
  const api = {
    ...config.api,
    sqlMaxRows: opts.sqlMaxRows ?? config.api.sqlMaxRows,
    sqlMaxSeconds: opts.sqlMaxSeconds ?? config.api.sqlMaxSeconds,
  };
  const testConfig: AppConfig = { ...config, api, clickhouse: { ...config.clickhouse, database } };
  const analyst = createAnalystClickHouse(
    opts.outage
      ? { ...testConfig, clickhouse: { ...testConfig.clickhouse, url: 'http://127.0.0.1:1' } }
      : testConfig,
  );
  const catalogue = createCatalogueReader({ redis, name: catalogueName });
  // In an outage Backbeat's own ClickHouse (readiness, the royalty ledger) is down too.
  const clickhouse = opts.outage
    ? createClient({
        url: 'http://127.0.0.1:1',
        request_timeout: 1000,
        log: { level: ClickHouseLogLevel.OFF },
      })
    : admin.client;
  const registry = new Registry();
  const { app } = createApiApp(
    { api, publicUrl: 'http://127.0.0.1' },
    {
      // Errors only: the outage cases log a warning per request by design.
      logger: createLogger({ level: 'error' }, 'backbeat-api-test'),
      registry,
      redis,
      clickhouse,
      analystClickHouse: analyst,
      readers: {
        userState: createUserStateReader({ redis }, { name: userStateName }),
        catalogue,
        playCounts: createPlayCountsReader({ redis, name: playCountsName, catalogue }),
        playlists: createPlaylistsReader({ redis }, { name: playlists.name }),
      },
      now: () => now,
    },
  );
  const server = await listen(app, 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${server.port}`,
    config: testConfig,
    database,
    admin,
    token: (role, sub, ttlSeconds = 600) =>
      mintToken({ role, sub, ttlSeconds }, api.tokenSecret, now),
    async close() {
      await server.close();
      await analyst.close();
      if (clickhouse !== admin.client) await clickhouse.close();
      redis.disconnect();
      for (const h of harnesses) await h.drop();
      seedRedis.disconnect();
      await admin.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    },
  };
}
