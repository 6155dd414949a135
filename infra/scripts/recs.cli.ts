/**
 * npm run recs -- refresh [--full]
 * Runs one neighbour refresh now (processors/co-listening/neighbours-refresh.service.ts):
 * incremental by the refresh's rule, or with --full every track and "fans also like". Takes the
 * same Redis lock as the processors' periodic refresh, so it never runs beside one; prints one
 * JSON line with what it did. Exit 2 on a bad flag or setting, naming it; 1 when a store fails
 * or another refresh holds the lock.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createAppContext } from '../../context/app-context.js';
import { runRoleMain } from '../../context/role-main.js';
import { withRefreshLock } from '../../processors/co-listening/neighbours-refresh.runner.js';
import { refreshNeighbours } from '../../processors/co-listening/neighbours-refresh.service.js';
import { parseRecsArgs } from './recs.args.js';

runRoleMain('recs', async () => {
  const args = parseRecsArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(
    { level: config.log.level === 'info' ? 'warn' : config.log.level },
    'backbeat-recs',
  );
  const ctx = createAppContext(config, { service: 'backbeat-recs', logger });
  try {
    const redis = await ctx.redis();
    const clickhouse = (await ctx.clickhouse()).client;
    const r = await withRefreshLock(
      redis,
      { ttlMs: Math.max(60_000, 4 * config.recs.refreshIntervalMs), owner: `cli:${process.pid}` },
      () =>
        refreshNeighbours(
          {
            topK: config.recs.topK,
            months: config.recs.months,
            metric: config.recs.metric,
            fullEveryMs: config.recs.fullEveryMs,
            full: args.full,
          },
          { clickhouse, redis, logger },
        ),
    );
    if (!r.ran)
      throw new BackbeatError(
        'REFRESH_LOCKED',
        `another neighbour refresh is running (lock held by ${r.holder ?? 'an expired holder'}); try again shortly`,
      );
    console.log(JSON.stringify(r.value));
  } finally {
    await ctx.close();
  }
  process.exit(0);
});
