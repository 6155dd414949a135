/**
 * npm run royalties -- close --period YYYY-MM [--market XX] [--by <name>]
 * npm run royalties -- list [--period YYYY-MM]
 * Closes royalty statements from the ledger (processors/royalty-statements): per market, a new
 * version only when its inputs changed; prints one JSON line per market. `list` prints the
 * issued statements. Exit 2 on a bad flag or setting, naming it; 1 when a store fails.
 */
import os from 'node:os';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createAppContext } from '../../context/app-context.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { runRoleMain } from '../../context/role-main.js';
import {
  CloseRequestError,
  closeStatements,
} from '../../processors/royalty-statements/statement-close.service.js';
import { createRoyaltyStatementsReader } from '../../read-models/royalties/royalty-statements.reader.js';
import { parseRoyaltiesArgs } from './royalties.args.js';

runRoleMain('royalties', async () => {
  const args = parseRoyaltiesArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(
    { level: config.log.level === 'info' ? 'warn' : config.log.level },
    'backbeat-royalties',
  );
  const ctx = createAppContext(config, { service: 'backbeat-royalties', logger });
  try {
    // Waits for ClickHouse and its schema as every role does, then closes over a connection of
    // its own whose requests may run for an hour (a month of millions of ledger lines).
    await ctx.clickhouse();
    const long = await openClickHouse(config.clickhouse, { requestTimeoutMs: 3_600_000 });
    ctx.onClose(long.close);
    const clickhouse = long.client;
    if (args.command === 'list') {
      const reader = createRoyaltyStatementsReader({ clickhouse });
      for (let offset = 0; ; offset += 100) {
        const page = await reader.list({ limit: 100, offset });
        for (const h of page.items)
          if (!args.period || h.period === args.period)
            console.log(
              JSON.stringify({
                statement_id: h.statement_id,
                period: h.period,
                market: h.market,
                version: h.version,
                pool_minor: h.pool_minor,
                currency: h.currency,
                content_hash: h.content_hash,
                closed_at: h.closed_at,
              }),
            );
        if (!page.more) break;
      }
      return;
    }
    const results = await closeStatements(
      {
        period: args.period!,
        ...(args.market ? { market: args.market } : {}),
        closedBy: args.by ?? `cli:${os.userInfo().username}`,
      },
      { clickhouse, redis: await ctx.redis(), logger },
    ).catch((err: unknown) => {
      throw err instanceof CloseRequestError ? new ConfigError([err.message]) : err;
    });
    for (const r of results) console.log(JSON.stringify(r));
  } finally {
    await ctx.close();
  }
  process.exit(0);
});
