/** The content hash of a statement's inputs (see contentHash). */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { canonicalPolicy } from './royalty-policy.js';
import { checkRow, safeSum, toPoolMinor } from './statement.checks.js';
import type { SplitHolder, StatementInput } from './statement.types.js';

export const INPUTS_FORMAT = 'backbeat.royalty-statement-inputs/3';

/** Upper-case hex of a string's UTF-8 bytes: ids of any text, compared and hashed as bytes. */
export const hexOf = (s: string): string => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

const sha = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();

/** sha256 of lines sorted (plain string order: the lines are ASCII) and joined by newlines. */
const digestOf = (lines: string[]): string => sha(lines.sort().join('\n'));

export const holderText = (h: SplitHolder): string =>
  `${hexOf(h.rights_holder_id)}.${hexOf(h.name)}.${h.share_bps}`;

/** The three digests of the inputs; statement.sql.ts computes the same ones inside ClickHouse. */
export interface InputDigests {
  /** Streams per user, product, track and split version (every product: the policy is apart). */
  streams: string;
  /** Each split version the streams use: its track, ISRC, label and holders. */
  uploads: string;
  /** 12-month streams of each streamed track; '' when the policy has no threshold. */
  counts: string;
}

export function inputDigests(input: StatementInput): InputDigests {
  const perUser = new Map<string, Map<string, number>>();
  const uploads = new Map<string, string>();
  const tracks = new Set<string>();
  for (const r of input.streams) {
    checkRow(r);
    if (r.streams === 0) continue;
    const row = `${r.product},${hexOf(r.track_id)},${r.split_version}`;
    const rows = perUser.get(r.user_id) ?? new Map<string, number>();
    perUser.set(r.user_id, rows);
    rows.set(row, safeSum('streams', rows.get(row) ?? 0, r.streams));
    tracks.add(r.track_id);
    if (r.split_version !== '' && !uploads.has(r.split_version)) {
      const holders = r.holders.map(holderText).sort().join(';');
      uploads.set(
        r.split_version,
        `${r.split_version},${hexOf(r.track_id)},${hexOf(r.isrc)},${hexOf(r.label_id)},${holders}`,
      );
    }
  }
  const users = [...perUser].map(([user, rows]) =>
    sha(
      `${hexOf(user)}\n${[...rows]
        .map(([row, n]) => `${row},${n}`)
        .sort()
        .join('\n')}`,
    ),
  );
  const counts =
    input.policy.min_track_streams_12m === null
      ? ''
      : digestOf([...tracks].map((t) => `${hexOf(t)},${input.trackStreams12m?.get(t) ?? 0}`));
  return { streams: digestOf(users), uploads: digestOf([...uploads.values()]), counts };
}

/**
 * sha256 hex of everything the result depends on, in a canonical form: the format tag, the
 * policy (canonicalPolicy), the pool, and the digests of the streams, the split versions they
 * use and (threshold on) the 12-month counts. Rows of equal key are merged (3 + 2 streams hash
 * as 5), rows of 0 streams dropped, every set sorted: the same inputs in any order give the
 * same hash. Lineage (ledger line count, offsets) is the caller's to add beside it.
 */
export function contentHash(input: StatementInput): string {
  return contentHashOf(input, inputDigests(input));
}

/** The content hash from digests computed elsewhere (inside ClickHouse, by a close). */
export function contentHashOf(
  input: Pick<StatementInput, 'pool' | 'policy'>,
  d: InputDigests,
): string {
  const { pool, policy } = input;
  const text = [
    INPUTS_FORMAT,
    canonicalJson(canonicalPolicy(policy)),
    canonicalJson({ ...pool, pool_minor: toPoolMinor(pool.pool_minor) }),
    d.streams,
    d.uploads,
    d.counts,
  ].join('\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
