/** Builders for royalty statement unit tests (processors/royalty-statements/). */
import { DEFAULT_POLICY } from '../../processors/royalty-statements/royalty-policy.js';
import type { RoyaltyPolicy } from '../../processors/royalty-statements/royalty-policy.js';
import type {
  SplitHolder,
  StatementInput,
  StatementPool,
  StreamAggregate,
} from '../../processors/royalty-statements/statement.types.js';

export const POOL: StatementPool = {
  report_id: 'rep-1',
  market: 'SE',
  period: '2026-11',
  currency: 'SEK',
  minor_unit: 2,
  pool_minor: 1000,
  premium_listeners: 0,
};

export const holder = (id: string, share_bps: number): SplitHolder => ({
  rights_holder_id: id,
  name: `Holder ${id}`,
  share_bps,
});
/** Track T1's split in the worked example: A 60 %, B 40 %. */
export const AB = [holder('A', 6000), holder('B', 4000)];
/** A split wholly to C. */
export const C = [holder('C', 10_000)];

/** A PREMIUM aggregate row of label-1; no holders = unmatched (label '', split version ''). */
export function row(
  user_id: string,
  track_id: string,
  holders: SplitHolder[],
  streams: number,
  more: Partial<StreamAggregate> = {},
): StreamAggregate {
  const matched = holders.length > 0;
  return {
    user_id,
    product: 'PREMIUM',
    track_id,
    isrc: `SE-X${track_id}`,
    label_id: matched ? 'label-1' : '',
    split_version: matched ? `up-${track_id}` : '',
    holders,
    streams,
    ...more,
  };
}

/** A statement input: POOL and DEFAULT_POLICY with the given overrides. */
export function statement(
  streams: StreamAggregate[],
  pool: Partial<StatementPool> = {},
  policy: Partial<RoyaltyPolicy> = {},
  trackStreams12m?: Map<string, number>,
): StatementInput {
  return {
    pool: { ...POOL, ...pool },
    policy: { ...DEFAULT_POLICY, ...policy },
    streams,
    trackStreams12m,
  };
}
