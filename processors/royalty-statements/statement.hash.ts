/** The content hash of a statement's inputs (see contentHash). */
import { compareCodeUnits } from './allocation.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
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
  // Merged by a plain key of what a row is (its split's holders included); the SQL side already
  // groups by user, product, track and split version, so few rows merge.
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
    const key = [
      r.user_id,
      r.product,
      r.track_id,
      r.split_version,
      r.label_id,
      r.isrc,
      ...holders.map((h) => `${h.rights_holder_id}\u0001${h.name}\u0001${h.share_bps}`),
    ].join('\u0000');
    const e = rows.get(key);
    if (e) {
      e.streams = safeSum('streams', e.streams, r.streams);
      continue;
    }
    const row: Record<string, unknown> = {
      ...pick(r),
      user_id: r.user_id,
      product: r.product,
      split_version: r.split_version,
      holders: holders.map((h) => ({ ...h })),
    };
    rows.set(key, { row, streams: r.streams });
  }
  const keys = [...rows.keys()].sort(compareCodeUnits);
  const tracks = [...new Set([...rows.values()].map((e) => e.row.track_id as string))];
  const counts12m =
    policy.min_track_streams_12m === null
      ? null
      : tracks.sort(compareCodeUnits).map((t) => [t, input.trackStreams12m?.get(t) ?? null]);
  // The canonical JSON of {format, policy, pool, streams, track_streams_12m} (keys in that
  // order, which is their sorted order), fed to the hash a row at a time: a month of millions
  // of rows never becomes one string.
  const hash = createHash('sha256');
  hash.update(
    `{"format":${canonicalJson('backbeat.royalty-statement-inputs/2')}` +
      `,"policy":${canonicalJson(canonicalPolicy(policy))}` +
      `,"pool":${canonicalJson({ ...pool, pool_minor: toPoolMinor(pool.pool_minor) })}` +
      ',"streams":[',
    'utf8',
  );
  keys.forEach((k, i) => {
    const e = rows.get(k)!;
    hash.update(`${i ? ',' : ''}${canonicalJson({ ...e.row, streams: e.streams })}`, 'utf8');
  });
  hash.update(`],"track_streams_12m":${canonicalJson(counts12m)}}`, 'utf8');
  return hash.digest('hex');
}
