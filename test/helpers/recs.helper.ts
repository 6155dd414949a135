import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../common/config/app.config.js';
import { RECS_PREFIX } from '../../read-models/co-listening/co-listening.keys.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';

/**
 * A migrated ClickHouse database of the test's own, with writers for what the neighbour refresh
 * reads: co-listening rows into the Null insert tables (as the co-listening projection would
 * write them), qualified streams into the royalty ledger and accepted uploads into the event
 * archive (for "fans also like").
 */
export async function openRecsDatabase(config: AppConfig, name: string) {
  const database = `bb_${name}_${randomUUID().slice(0, 8)}`;
  const ch: ClickHouseHandle = await openClickHouse({ url: config.clickhouse.url, database });
  await migrate(ch.client);
  const insert = async (table: string, values: object[]) => {
    if (values.length) await ch.client.insert({ table, values, format: 'JSONEachRow' });
  };
  let seq = 0;
  const next = () => `${name}-${++seq}`;
  return {
    ch,
    database,
    /** `c` listener-sessions that paired a and b in `month` (canonical a < b is the caller's). */
    pairs: (a: string, b: string, c: number, month = '2026-11') =>
      insert(
        'co_listening_pair_events',
        Array.from({ length: c }, () => ({
          month,
          track_a: a < b ? a : b,
          track_b: a < b ? b : a,
          pair_id: `${next()}|${b}`,
        })),
      ),
    /** `n` sessions that played the track in `month`. */
    trackSessions: (track: string, n: number, month = '2026-11') =>
      insert(
        'co_listening_track_events',
        Array.from({ length: n }, () => ({ month, track_id: track, event_id: next() })),
      ),
    /** `n` listener-sessions opened in `month`. */
    sessions: (n: number, month = '2026-11') =>
      insert(
        'co_listening_session_events',
        Array.from({ length: n }, () => ({ month, event_id: next() })),
      ),
    /** An accepted upload of `track` crediting `artists`. */
    async upload(track: string, artists: string[]) {
      const base = validEvents(Date.UTC(2026, 10, 1))['track-upload'];
      const event_id = randomUUID();
      const payload = {
        ...base,
        event_id,
        track_id: track,
        title: `Title ${track}`,
        artists: artists.map((a) => ({ artist_id: a, name: `Name ${a}` })),
      };
      await insert('events', [
        {
          event_type: 'track-upload',
          event_id,
          event_time: '2026-11-01 00:00:00.000',
          received_time: '2026-11-01 00:00:00.000',
          track_id: track,
          payload: JSON.stringify(payload),
          topic: 'test',
          partition: 0,
          offset: ++seq,
          schema_id: 1,
        },
      ]);
    },
    /** A qualified stream of `track` by `user` in November 2026. */
    stream: (user: string, track: string, market = 'SE', day = 20) =>
      insert('royalty_facts', [
        {
          kind: 'stream',
          event_id: randomUUID(),
          event_time: `2026-11-${String(day).padStart(2, '0')} 12:00:00.000`,
          period: '2026-11',
          track_id: track,
          playback_id: randomUUID(),
          user_id: user,
          market,
          product: 'PREMIUM',
          ms_played: 60_000,
          topic: 'test',
          partition: 0,
          offset: ++seq,
        },
      ]),
    async drop() {
      await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await ch.close();
    },
  };
}

export type RecsDatabase = Awaited<ReturnType<typeof openRecsDatabase>>;

/** Deletes every `bb:recs:` key (the refresh's lists, meta and lock) of the test stack. */
export async function clearRecs(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${RECS_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
