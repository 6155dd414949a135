/**
 * Figure 7: the analyst query "top 100 tracks over the last 7 days, by market" over N plays
 * (10M at full size), sent as analysts send it (POST /v1/sql with an analyst token, through the
 * API to ClickHouse as the read-only analyst user), against a count() scan of the same view by
 * the same path. The plays are written straight into `events` with one ClickHouse
 * INSERT … SELECT per million rows (10M plays are ~45M events through the pipeline: hours on
 * this machine, and figure 3 already measures that path).
 */
import { loadConfig } from '../../common/config/app.config.js';
import { mintToken } from '../../api/app/auth/api-token.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { startApiProc } from '../lib/services.js';
import { startBenchStack } from '../lib/stack.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const TOP_TRACKS_SQL = `SELECT market, track_id, count() AS streams
FROM plays
WHERE qualified AND day >= today() - 7
GROUP BY market, track_id
ORDER BY market ASC, streams DESC, track_id ASC
LIMIT 100 BY market`;

export const COUNT_SQL = 'SELECT count() FROM plays';

/** Synthetic plays: 30 days, Zipf-like track popularity over 50k tracks, weighted markets. */
function insertPlaysSql(from: number, n: number): string {
  return `INSERT INTO events (event_type, event_id, event_time, received_time, user_id, device_id, market,
  product, platform, client_version, track_id, session_id, playback_id, phase, ms_played, position_ms,
  end_reason, offline, skip_direction, follow_action, target_type, target_id, payload, topic, partition,
  offset, schema_id)
SELECT 'playback', generateUUIDv4(number), t, t + toIntervalMillisecond(rand(9) % 5000),
  concat('user-', toString(u)), concat('user-', toString(u), '-d'),
  ['US','US','US','GB','GB','DE','DE','BR','BR','IN','SE','JP','FR'][1 + (u % 13)],
  if(u % 3 = 0, 'FREE', 'PREMIUM'), ['ios','android','web','desktop'][1 + (u % 4)], '9.1.0',
  concat('track-', toString(toUInt32(pow(rand(2) / 4294967295.0, 3) * 50000))),
  toString(generateUUIDv4(number + 1)), toString(generateUUIDv4(number + 2)), 'ENDED', ms, ms,
  if(ms >= 30000, 'TRACK_DONE', 'SKIP_FORWARD'), false, '', '', '', '', '{}', 'backbeat.playback',
  number % 3, number, 1
FROM (
  SELECT number, rand(1) % 200000 AS u, rand(3) % 300000 AS ms,
    fromUnixTimestamp64Milli(toInt64(toUnixTimestamp64Milli(now64(3)) - (rand64(4) % 2592000000)), 'UTC') AS t
  FROM numbers(${from}, ${n})
)`;
}

async function sql(
  apiUrl: string,
  token: string,
  query: string,
): Promise<{ ms: number; rows: number; server_s: number }> {
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, format: 'JSON' }),
  });
  const body = (await res.json()) as {
    rows?: number;
    statistics?: { elapsed?: number };
    detail?: string;
  };
  const ms = performance.now() - t0;
  if (res.status !== 200)
    throw new BackbeatError(
      'BENCH_REQUESTS_FAILED',
      `POST /v1/sql answered ${res.status}: ${body.detail ?? JSON.stringify(body).slice(0, 300)}`,
    );
  return { ms, rows: body.rows ?? 0, server_s: body.statistics?.elapsed ?? NaN };
}

export const analystQuery: Benchmark = {
  name: 'analyst-query',
  title: 'Analyst query (top 100 tracks by market, 7 days) vs a count() scan',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const plays = bySize(ctx.size, { quick: 50_000, small: 1_000_000, full: 10_000_000 });
    const s = await startBenchStack(ctx.basePort);
    try {
      const chunk = 1_000_000;
      const bar = ctx.progress.bar('insert plays', plays, 'rows');
      const i0 = performance.now();
      for (let from = 0; from < plays; from += chunk) {
        await s.clickhouse.client.command({
          query: insertPlaysSql(from, Math.min(chunk, plays - from)),
        });
        bar.update(Math.min(plays, from + chunk));
      }
      bar.stop();
      const insertS = (performance.now() - i0) / 1000;
      // The analyst limits are the defaults (SQL_MAX_SECONDS 30): the chDB server refuses a
      // request that lifts them, and the queries here take under a second at full size.
      const api = await startApiProc(s, {
        ...(ctx.profileDir ? { profileDir: ctx.profileDir } : {}),
      });
      const config = loadConfig(s.env);
      const token = mintToken(
        { role: 'analyst', sub: 'bench', ttlSeconds: 24 * 3600 },
        config.api.tokenSecret,
      );
      const counted = await sql(api.url, token, COUNT_SQL); // warm-up: marks cache, plan
      await sql(api.url, token, TOP_TRACKS_SQL);
      const query: number[] = [];
      const scan: number[] = [];
      const details: unknown[] = [];
      for (let run = 1; run <= ctx.runs; run++) {
        const first = run % 2 ? 'query' : 'count';
        const a =
          first === 'query'
            ? await sql(api.url, token, TOP_TRACKS_SQL)
            : await sql(api.url, token, COUNT_SQL);
        const b =
          first === 'query'
            ? await sql(api.url, token, COUNT_SQL)
            : await sql(api.url, token, TOP_TRACKS_SQL);
        const q = first === 'query' ? a : b;
        const c = first === 'query' ? b : a;
        query.push(q.ms);
        scan.push(c.ms);
        details.push({ run, query: q, count: c });
        ctx.progress.log(
          `run ${run}: top-100 query ${q.ms.toFixed(0)} ms (${q.rows} rows), count() ${c.ms.toFixed(0)} ms`,
        );
      }
      await api.proc.stop();
      return {
        rows: [
          {
            figure: '7',
            what: `analyst query, top 100 tracks by market over 7 days (${(plays / 1e6).toString()}M plays)`,
            unit: 'ms',
            values: query,
            anchor: { what: 'count() of the same view', unit: 'ms', values: scan },
          },
        ],
        parameters: {
          plays,
          insert_seconds: Math.round(insertS),
          path: 'POST /v1/sql (analyst token) -> API -> chDB server as the read-only analyst user',
          query: TOP_TRACKS_SQL.replace(/\s+/g, ' '),
          anchor: COUNT_SQL,
          rows_counted: counted.rows,
        },
        notes: [
          'The ratio is query time / count() time (how many count() scans the query costs); both read the plays view, which reads events with FINAL.',
          'Plays are synthetic rows inserted with INSERT … SELECT FROM numbers() (30 days, ~90% qualified, Zipf-like tracks); merges are left to ClickHouse.',
        ],
        details,
      };
    } finally {
      await s.stop();
    }
  },
};
