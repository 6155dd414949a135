/** The content hash of a statement's inputs (see contentHash). */
import { compareCodeUnits } from './allocation.js';
import { canonicalHash } from './canonical-json.js';
import { canonicalPolicy } from './royalty-policy.js';
import { checkRow, pick, safeSum, toPoolMinor } from './statement.checks.js';
import type { StatementInput } from './statement.types.js';

/**
 * sha256 hex of everything the result depends on, in a canonical form: a format tag, the policy
 * (canonicalPolicy), the pool, the rows with their holders sorted, rows of equal key merged (so
 * 3 + 2 streams hashes as 5), rows of 0 streams dropped and the rows sorted, and, only when the
 * threshold is on, the 12-month counts of the streamed tracks. Same inputs in any order, same
 * hash. Lineage (ledger line count, offsets) is the caller's to add beside it.
 */
export function contentHash(input: StatementInput): string {
  const { pool, policy } = input;
  const rows = new Map<string, { row: Record<string, unknown>; streams: number }>();
  for (const r of input.streams) {
    checkRow(r);
    if (r.streams === 0) continue;
    const holders = [...r.holders].sort(
      (a, b) =>
        compareCodeUnits(a.rights_holder_id, b.rights_holder_id) ||
        compareCodeUnits(a.name, b.name) ||
        a.share_bps - b.share_bps,
    );
    const row: Record<string, unknown> = {
      ...pick(r),
      user_id: r.user_id,
      product: r.product,
      split_version: r.split_version,
      holders: holders.map((h) => ({ ...h })),
    };
    const key = canonicalHash(row);
    const e = rows.get(key) ?? { row, streams: 0 };
    e.streams = safeSum('streams', e.streams, r.streams);
    rows.set(key, e);
  }
  const tracks = [...new Set([...rows.values()].map((e) => e.row.track_id as string))];
  const counts12m =
    policy.min_track_streams_12m === null
      ? null
      : tracks.sort(compareCodeUnits).map((t) => [t, input.trackStreams12m?.get(t) ?? null]);
  return canonicalHash({
    format: 'backbeat.royalty-statement-inputs/1',
    policy: canonicalPolicy(policy),
    pool: { ...pool, pool_minor: toPoolMinor(pool.pool_minor) },
    streams: [...rows.entries()]
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([, e]) => ({ ...e.row, streams: e.streams })),
    track_streams_12m: counts12m,
  });
}
