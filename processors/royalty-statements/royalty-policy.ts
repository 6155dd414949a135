/**
 * The versioned royalty policy every statement records: the settings the computation reads and,
 * in `rules`, one sentence per rule a label's auditor asks about (issue 11, "The rules a label's
 * auditor will ask about"). Pure; the canonical JSON form is what a statement hashes.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';

export const PRODUCTS = ['FREE', 'PREMIUM'] as const;
export type Product = (typeof PRODUCTS)[number];

export interface RoyaltyPolicy {
  /** Bumped whenever a setting or a rule changes; recorded on every statement. */
  readonly version: number;
  /** A stream qualifies at ms_played >= this (applied where the ledger is built). */
  readonly qualifying_ms: number;
  /** Minimum qualified streams of a track over 12 months, across markets; null = off. */
  readonly min_track_streams_12m: number | null;
  /** Products whose streams count, in both models. */
  readonly products: readonly Product[];
  /** Whether lines that are 0 in both models are listed. */
  readonly list_zero_lines: boolean;
  /** Rule name → one sentence; keys include every key of RULES. */
  readonly rules: Readonly<Record<string, string>>;
}

/** The auditor's rules, as the statement computation (statement.compute.ts) implements them. */
export const RULES = Object.freeze({
  qualified_stream:
    'A qualified stream is an ENDED playback with ms_played of at least qualifying_ms (30,000 by default), counted once per event_id.',
  split_used:
    "A stream uses the split of its track's latest valid upload whose event time is at or before the stream's event time; a stream older than every upload of its track uses the track's earliest upload.",
  upload_tie:
    'Of two uploads of one track with equal event times, the one with the greater upload event_id wins.',
  report_in_force:
    'The revenue report in force for a market and period is the one with the latest event time; of two with equal event times the greater report_id wins; superseded reports stay visible.',
  unmatched_tracks:
    'Streams of a track with no valid upload count in the denominator of both models; their money goes to a suspense line (rights holder UNMATCHED, no label) and is paid out by a re-issue once an upload is known.',
  products:
    'Only streams of the products listed in the policy (FREE and PREMIUM by default) count, in both models alike; streams of other products are listed as excluded.',
  pool_without_streams:
    'A pool with no counted streams goes whole to one suspense line (rights holder UNALLOCATED), in both models.',
  streams_without_report:
    'Streams in a market and period with no revenue report get no statement; the close reports them.',
  streamshare:
    "Streamshare: a holder's amount for a track is the pool times its share-weighted counted streams divided by all counted streams of the market and period times 10,000.",
  user_centric_divisor:
    "User-centric: the divisor is the larger of the number of listeners with at least one counted stream and the report's premium listeners; each listener gets one divisor-th of the pool, split over that listener's own lines by share-weighted streams.",
  silent_listeners:
    'User-centric: the parts of listeners who played nothing (the divisor minus the listeners) are pooled and split streamshare-style over all counted streams of the market and period.',
  zero_lines:
    'Lines whose amount is 0 in both models are listed when list_zero_lines is true (the default) and left out when it is false.',
  threshold:
    "The minimum-streams threshold (min_track_streams_12m, off when null, the default) counts a track's qualified streams across all markets over the 12 months ending with the period; tracks below it leave the denominator of both models and are listed as excluded with amount 0.",
  rounding:
    "Amounts are exact integers in minor units, allocated by largest remainder with ties to the larger remainder, then the larger weight, then the key ascending, so each model sums to the pool exactly; a line's key is its (label, rights holder, track) and a listener's its user id, compared by the bytes of their UTF-8 text (code point order), and on a full tie the listeners come before the silent listeners' part.",
} satisfies Record<string, string>);

export const DEFAULT_POLICY: RoyaltyPolicy = Object.freeze({
  version: 2,
  qualifying_ms: 30_000,
  min_track_streams_12m: null,
  products: Object.freeze(['FREE', 'PREMIUM'] as Product[]),
  list_zero_lines: true,
  rules: RULES,
});

/** A policy that does not validate; `problems` names each field at fault. */
export class PolicyError extends BackbeatError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('POLICY_INVALID', `Invalid royalty policy:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

const FIELDS = [
  'version',
  'qualifying_ms',
  'min_track_streams_12m',
  'products',
  'list_zero_lines',
  'rules',
] as const;

/**
 * Validates an unknown value (a parsed JSON policy) as a RoyaltyPolicy. Every field is required
 * and unknown fields are refused; `rules` must hold every key of RULES (more are allowed), each a
 * non-empty string. Products come back in the order given (a duplicate is refused). Throws PolicyError listing every problem, each naming its field.
 */
export function parsePolicy(input: unknown): RoyaltyPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PolicyError(['policy: expected an object']);
  }
  const o = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k)) problems.push(`${k}: unknown field`);
  }
  for (const k of FIELDS) if (!(k in o)) problems.push(`${k}: required`);

  const int = (k: string, min: number): void => {
    const v = o[k];
    if (k in o && !(Number.isSafeInteger(v) && (v as number) >= min)) {
      problems.push(`${k}: expected an integer >= ${min}, got ${show(v)}`);
    }
  };
  int('version', 1);
  int('qualifying_ms', 0);
  if ('min_track_streams_12m' in o && o.min_track_streams_12m !== null) {
    int('min_track_streams_12m', 1);
  }
  if ('list_zero_lines' in o && typeof o.list_zero_lines !== 'boolean') {
    problems.push(`list_zero_lines: expected a boolean, got ${show(o.list_zero_lines)}`);
  }
  if ('products' in o) {
    const p = o.products;
    if (!Array.isArray(p) || p.length === 0) {
      problems.push(
        `products: expected a non-empty array of ${PRODUCTS.join(', ')}, got ${show(p)}`,
      );
    } else {
      p.forEach((v, i) => {
        if (!(PRODUCTS as readonly unknown[]).includes(v)) {
          problems.push(`products[${i}]: expected one of ${PRODUCTS.join(', ')}, got ${show(v)}`);
        } else if (p.indexOf(v) !== i) problems.push(`products[${i}]: duplicate ${show(v)}`);
      });
    }
  }
  if ('rules' in o) {
    const r = o.rules;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      problems.push(`rules: expected an object of rule name to sentence, got ${show(r)}`);
    } else {
      const rules = r as Record<string, unknown>;
      for (const k of Object.keys(RULES)) if (!(k in rules)) problems.push(`rules.${k}: required`);
      for (const [k, v] of Object.entries(rules)) {
        if (typeof v !== 'string' || v.trim() === '') {
          problems.push(`rules.${k}: expected a non-empty string, got ${show(v)}`);
        }
      }
    }
  }
  if (problems.length) throw new PolicyError(problems);
  return Object.freeze({
    version: o.version as number,
    qualifying_ms: o.qualifying_ms as number,
    min_track_streams_12m: o.min_track_streams_12m as number | null,
    products: Object.freeze([...(o.products as Product[])]),
    list_zero_lines: o.list_zero_lines as boolean,
    rules: Object.freeze({ ...(o.rules as Record<string, string>) }),
  });
}

/**
 * The policy's canonical JSON: keys in code-unit order at every depth, products sorted (their
 * order carries no meaning), no whitespace. Equal policies give equal text.
 */
export function canonicalPolicyJson(policy: RoyaltyPolicy): string {
  return canonicalJson(canonicalPolicy(policy));
}

/** sha256 hex of canonicalPolicyJson. */
export function policyHash(policy: RoyaltyPolicy): string {
  return canonicalHash(canonicalPolicy(policy));
}

/** The plain-object form canonicalPolicyJson writes (for embedding in a larger canonical value). */
export function canonicalPolicy(policy: RoyaltyPolicy): Record<string, unknown> {
  return {
    version: policy.version,
    qualifying_ms: policy.qualifying_ms,
    min_track_streams_12m: policy.min_track_streams_12m,
    products: [...policy.products].sort(),
    list_zero_lines: policy.list_zero_lines,
    rules: { ...policy.rules },
  };
}

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 60)}…` : s;
  } catch {
    return String(v);
  }
}
