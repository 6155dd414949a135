import {
  writeDsr,
  type DsrFileOut,
  type DsrRelease,
} from '../../../processors/royalty-statements/dsr.writer.js';
import type {
  StatementHeader,
  StoredLine,
} from '../../../read-models/royalties/royalty-statements.reader.js';
import type { UploadRow } from './label.queries.js';

/** Backbeat as the DSR sender (its DDEX party id and name). */
export const DSR_SENDER = { partyId: 'PADPIDA2026BACKBEAT', name: 'Backbeat' } as const;
export const DSR_SERVICE = 'Backbeat';

export const DSR_MODELS = ['streamshare', 'user-centric'] as const;
export type DsrModel = (typeof DSR_MODELS)[number];

/**
 * The MessageId of one label's DSR of one statement version and model: unique per sender and
 * never reused, since a statement id names one immutable version (a re-issue is a new id).
 * Only A-Z, a-z, 0-9 and "-" are kept (nothing the DSR value rules would escape).
 */
export function dsrMessageId(statementId: string, labelId: string, model: DsrModel): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9-]/g, '-');
  return `BB-${clean(statementId)}-${clean(labelId)}${model === 'user-centric' ? '-UC' : ''}`;
}

/**
 * The label's DSR file of a statement: one resource per track (its streams once, the amount of
 * all the label's lines of that track in `model`), grouped into releases by the release id of
 * the track's latest upload (a track without one is its own release). Created at the
 * statement's closed_at, so the same statement always gives the same bytes.
 */
export function statementDsr(input: {
  header: StatementHeader;
  lines: readonly StoredLine[];
  labelId: string;
  labelName: string;
  uploads: Map<string, UploadRow>;
  model: DsrModel;
}): DsrFileOut {
  const { header: h, model } = input;
  const tracks = new Map<string, { isrc: string; streams: number; amount: bigint }>();
  for (const l of input.lines) {
    const t = tracks.get(l.track_id) ?? { isrc: l.isrc, streams: 0, amount: 0n };
    t.streams = Math.max(t.streams, l.streams);
    t.amount += BigInt(model === 'streamshare' ? l.streamshare_minor : l.user_centric_minor);
    tracks.set(l.track_id, t);
  }
  const releases = new Map<string, DsrRelease>();
  let net = 0n;
  for (const [trackId, t] of [...tracks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const u = input.uploads.get(trackId);
    const key = u?.release_id ? `r:${u.release_id}` : `t:${trackId}`;
    const rel = releases.get(key) ?? {
      releaseId: u?.release_id ?? null,
      title: u?.release_id ? '' : (u?.title ?? ''),
      resources: [],
    };
    rel.resources.push({
      resourceRef: trackId,
      isrc: t.isrc || u?.isrc || '',
      title: u?.title ?? '',
      artists: u?.artists ?? [],
      durationMs: u?.duration_ms ?? 0,
      streams: t.streams,
      amountMinor: t.amount,
      royaltyBearing: true,
    });
    releases.set(key, rel);
    net += t.amount;
  }
  return writeDsr({
    messageId: dsrMessageId(h.statement_id, input.labelId, model),
    createdAt: Date.parse(h.closed_at),
    sender: { ...DSR_SENDER },
    recipient: { partyId: input.labelId, name: input.labelName || input.labelId },
    period: h.period,
    territory: h.market,
    serviceDescription: DSR_SERVICE,
    commercialModel: 'SubscriptionModel',
    useType: 'OnDemandStream',
    currency: h.currency,
    subscribers: h.premium_listeners,
    netRevenueMinor: net,
    minorUnit: h.minor_unit,
    releases: [...releases.values()],
  });
}
