import type {
  StatementHeader,
  StoredLine,
} from '../../../read-models/royalties/royalty-statements.reader.js';

/**
 * The JSON shapes of a statement as the label and operator endpoints answer it: the header
 * (with its policy and lineage) and lines with deltas; amounts are integer minor units as
 * decimal strings (they may exceed 2^53).
 */
export interface StatementTotalsView {
  streams: number;
  lines: number;
  streamshare_minor: string;
  user_centric_minor: string;
}

export function statementSummary(h: StatementHeader) {
  return {
    statement_id: h.statement_id,
    period: h.period,
    market: h.market,
    version: h.version,
    supersedes: h.supersedes,
    currency: h.currency,
    minor_unit: h.minor_unit,
    closed_at: h.closed_at,
  };
}

export function statementHeader(h: StatementHeader) {
  return {
    ...statementSummary(h),
    report_id: h.report_id,
    pool_minor: h.pool_minor,
    premium_listeners: h.premium_listeners,
    counted_streams: h.counted_streams,
    policy_version: h.policy_version,
    policy: h.policy,
    lineage: {
      ledger_lines: h.ledger_lines,
      watermark: h.watermark,
      content_hash: h.content_hash,
    },
  };
}

export function lineView(l: StoredLine) {
  return {
    label_id: l.label_id,
    rights_holder_id: l.rights_holder_id,
    rights_holder_name: l.rights_holder_name,
    track_id: l.track_id,
    isrc: l.isrc,
    streams: l.streams,
    weighted_streams_bps: l.weighted_streams_bps,
    streamshare_minor: l.streamshare_minor,
    user_centric_minor: l.user_centric_minor,
    delta_streamshare_minor: l.delta_streamshare_minor,
    delta_user_centric_minor: l.delta_user_centric_minor,
  };
}

/** Totals over lines: streams once per track, amounts summed (bigint, so nothing rounds). */
export function totalsOf(lines: readonly StoredLine[]): StatementTotalsView {
  const perTrack = new Map<string, number>();
  let ss = 0n;
  let uc = 0n;
  for (const l of lines) {
    perTrack.set(l.track_id, Math.max(perTrack.get(l.track_id) ?? 0, l.streams));
    ss += BigInt(l.streamshare_minor);
    uc += BigInt(l.user_centric_minor);
  }
  return {
    streams: [...perTrack.values()].reduce((a, b) => a + b, 0),
    lines: lines.length,
    streamshare_minor: ss.toString(),
    user_centric_minor: uc.toString(),
  };
}
