/**
 * A statement computed inside ClickHouse (statement.sql.ts): the work tables of one close are
 * built from the ledger views, hashed and allocated there, and only the statement's lines
 * (thousands, not the month's millions of ledger lines) come back. The pure reference
 * (statement.compute.ts) is the spec; statement-clickhouse.int.test.ts checks the two agree.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { FULL_BPS } from './statement.checks.js';
import type { RoyaltyPolicy } from './royalty-policy.js';
import { finishStatement, unallocatedLine, userCentricHeads } from './statement.compute.js';
import { contentHashOf, type InputDigests } from './statement.hash.js';
import {
  allocationSql,
  arithmeticType,
  buildWorkSql,
  digestSql,
  dropWorkSql,
  excludedSql,
  totalsSql,
  workTables,
} from './statement.sql.js';
import type {
  ExcludedStreams,
  ExclusionReason,
  StatementLine,
  StatementPool,
  StatementResult,
} from './statement.types.js';

export interface CloseWork {
  /** The content hash of the inputs with this pool and the policy. */
  contentHash(pool: StatementPool): Promise<string>;
  /** Both models; `ledgerLines` is the count of ledger lines the statement covers. */
  compute(pool: StatementPool): Promise<{ result: StatementResult; ledgerLines: number }>;
}

/** Builds the work tables of a period and market, runs `f` over them, and drops them. */
export async function withCloseWork<T>(
  ch: ClickHouseClient,
  o: { period: string; market: string; policy: RoyaltyPolicy },
  f: (work: CloseWork) => Promise<T>,
): Promise<T> {
  const t = workTables(o.period, o.market);
  const threshold = o.policy.min_track_streams_12m !== null;
  const base = {
    p: o.period,
    m: o.market,
    products: [...o.policy.products],
    ...(threshold ? { threshold: o.policy.min_track_streams_12m } : {}),
  };
  const rows = async <R>(query: string, params: Record<string, unknown> = {}) =>
    (await (
      await ch.query({ query, query_params: { ...base, ...params }, format: 'JSONEachRow' })
    ).json()) as R[];
  const drop = () => ch.command({ query: dropWorkSql(t) });
  // A close that died half-way left its tables: this one holds the lock, so they are stale.
  await drop();
  try {
    for (const query of buildWorkSql(t, threshold)) await ch.command({ query, query_params: base });
    const work: CloseWork = {
      async contentHash(pool) {
        const [d] = await rows<InputDigests>(digestSql(t, threshold));
        return contentHashOf({ pool, policy: o.policy }, d!);
      },
      async compute(pool) {
        const [tot] = await rows<Record<string, string>>(totalsSql(t, threshold));
        const n = (k: string) => Number(tot?.[k] ?? 0);
        const poolMinor = BigInt(pool.pool_minor);
        const listeners = n('listeners');
        const divisor = Math.max(listeners, pool.premium_listeners);
        let ledgerLines = 0;
        const excluded = (
          await rows<Record<keyof ExcludedStreams | 'ledger_lines', string>>(
            excludedSql(t, threshold),
          )
        ).map((e): ExcludedStreams => {
          ledgerLines += Number(e.ledger_lines);
          const { label_id, track_id, isrc } = e;
          return {
            label_id,
            track_id,
            isrc,
            reason: e.reason as ExclusionReason,
            streams: Number(e.streams),
          };
        });
        let lines: StatementLine[];
        if (n('counted') === 0) {
          lines = [unallocatedLine(poolMinor)];
        } else {
          const total = BigInt(n('counted')) * BigInt(FULL_BPS);
          const heads = userCentricHeads(poolMinor, listeners, divisor - listeners);
          const A = arithmeticType(poolMinor, total);
          const U = arithmeticType(heads.each + 1n, total);
          lines = (
            await rows<Record<string, string>>(allocationSql(t, threshold, A, U), {
              pool: poolMinor.toString(),
              total: total.toString(),
              each: heads.each.toString(),
              bonus: heads.bonus,
              silent: heads.silentPart.toString(),
            })
          ).map((r) => ({
            label_id: r.label_id!,
            rights_holder_id: r.rights_holder_id!,
            rights_holder_name: r.rights_holder_name!,
            track_id: r.track_id!,
            isrc: r.isrc!,
            streams: Number(r.streams),
            weighted_streams_bps: BigInt(r.weighted_streams_bps!),
            streamshare_minor: BigInt(r.streamshare_minor!),
            user_centric_minor: BigInt(r.user_centric_minor!),
          }));
          const weights = lines.reduce((a, l) => a + l.weighted_streams_bps, 0n);
          if (weights !== total)
            throw new InternalError(
              `statement: the lines weigh ${weights}, not ${total} (a split that does not sum to ${FULL_BPS} bps)`,
            );
          ledgerLines += lines.reduce((a, l) => a + l.streams, 0);
        }
        const result = finishStatement(lines, excluded, o.policy.list_zero_lines, {
          pool_minor: poolMinor,
          counted_streams: n('counted'),
          excluded_streams: n('excluded'),
          listeners,
          silent_listeners: divisor - listeners,
          divisor,
        });
        return { result, ledgerLines };
      },
    };
    return await f(work);
  } finally {
    await drop();
  }
}
