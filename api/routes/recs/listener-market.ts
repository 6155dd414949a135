import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The market of a listener's latest qualified play (royalty_streams: once per event, by event
 * time, then event id), or undefined when they have none: the daily mix's fallback chart.
 * Looks back `months` UTC months (default 3) so the scan stays bounded.
 */
export function listenerMarketFrom(
  clickhouse: ClickHouseClient,
  opts: { months?: number; now?: () => number } = {},
) {
  const now = opts.now ?? Date.now;
  return async (userId: string): Promise<string | undefined> => {
    const d = new Date(now());
    const from = new Date(
      Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - ((opts.months ?? 3) - 1), 1),
    )
      .toISOString()
      .slice(0, 7);
    const rs = await clickhouse.query({
      query: `SELECT argMax(market, (event_time, toString(event_id))) AS market, count() AS n
              FROM royalty_streams WHERE user_id = {user:String} AND period >= {from:String}`,
      query_params: { user: userId, from },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ market: string; n: string | number }>();
    return row && Number(row.n) > 0 && /^[A-Z]{2}$/.test(row.market) ? row.market : undefined;
  };
}
