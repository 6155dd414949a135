import { InternalError } from '../../common/errors/backbeat.error.js';
import { CURRENCY, MARKET } from '../../schemas/catalogue/event-validation.js';
import {
  CELL_SEPARATOR,
  COLUMNS,
  DSR_MESSAGE_VERSION,
  DSR_PROFILE,
  DSR_PROFILE_VERSION,
  LINE_END,
  RT,
  escapeValue,
  formatMinor,
  joinValues,
  type ColumnOf,
  type RecordTypeCode,
} from './dsr.records.js';

/**
 * The DDEX DSR flat file of one label's statement: BasicAudioProfile, multi-record-block
 * variant, one file (1of1), one SY03 summary, one block (RE01 + AS02 + SU02) per release.
 * Pure and deterministic: the same input gives the same bytes (LF line ends, no comment rows).
 */
export interface DsrResource {
  resourceRef?: string;
  isrc: string;
  title: string;
  artists: string[];
  durationMs: number;
  streams: number;
  amountMinor: bigint | number;
  royaltyBearing: boolean;
}

export interface DsrRelease {
  /** ICPN/UPC if known. */
  releaseId: string | null;
  title?: string;
  resources: DsrResource[];
}

export interface DsrInput {
  messageId: string;
  /** Epoch ms. */
  createdAt: number;
  sender: { partyId: string; name: string };
  recipient: { partyId: string; name: string };
  /** YYYY-MM */
  period: string;
  /** ISO 3166-1 alpha-2 */
  territory: string;
  serviceDescription: string;
  commercialModel: 'SubscriptionModel' | 'AdvertisementSupportedModel';
  useType: 'OnDemandStream';
  currency: string;
  subscribers: number;
  /** The label's total; must equal the sum of the resources' amounts. */
  netRevenueMinor: bigint | number;
  minorUnit: number;
  releases: DsrRelease[];
}

export interface DsrFileOut {
  fileName: string;
  content: string;
}

/** File-name parts keep only A–Z, a–z, 0–9 and "-" (the name is split on "_" and "."). */
export const DSR_FILE_NAME_RULE =
  'DSR file name: DSR_<RecipientPartyId>_<SenderPartyId>_<ServiceDescription>_<YYYY-MM>_<Territory>_1of1_<YYYYMMDDThhmmss>.tsv; every character other than A-Z, a-z, 0-9 and "-" is dropped from a part (a party name stands in when its id is left empty); the ServiceDescription in HEAD and SY03 is the same cleaned value.';

const SUMMARY_ID = '1';
const ICPN = /^\d{12,14}$/;
const DPID = /^PADPIDA[a-zA-Z0-9]+$/;

export function sanitizeNamePart(s: string): string {
  return s.replace(/[^A-Za-z0-9-]/g, '');
}

function fail(msg: string): never {
  throw new InternalError(`DSR writer: ${msg}`);
}

function minor(v: bigint | number, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) fail(`${what} is not a safe integer (${v})`);
  return BigInt(v);
}

function count(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) fail(`${what} must be a non-negative integer (${v})`);
  return v;
}

/** ISO 8601 duration, e.g. 224500 ms → PT3M44.5S, 0 → PT0S. */
export function isoDuration(ms: number): string {
  count(ms, 'durationMs');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const s = `${Math.floor(rest / 1000)}${
    rest % 1000
      ? `.${String(rest % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`
      : ''
  }`;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${rest || (!h && !m) ? `${s}S` : ''}`;
}

function monthRange(period: string): [string, string] {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) fail(`period must be YYYY-MM (${period})`);
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return [`${period}-01`, `${period}-${String(last).padStart(2, '0')}`];
}

function created(ms: number): { iso: string; basic: string } {
  if (!Number.isSafeInteger(ms) || ms < 0) fail(`createdAt must be epoch ms (${ms})`);
  const iso = new Date(ms).toISOString().slice(0, 19); // YYYY-MM-DDThh:mm:ss, UTC
  return { iso: `${iso}Z`, basic: iso.replace(/[-:]/g, '') };
}

/** One line: the named cells in the record's column order, blanks for the rest. */
function line<T extends RecordTypeCode>(type: T, cells: Partial<Record<ColumnOf<T>, string>>) {
  const cols = COLUMNS[type] as readonly ColumnOf<T>[];
  const known = new Set<string>(cols);
  for (const k of Object.keys(cells)) if (!known.has(k)) fail(`${type} has no cell ${k}`);
  return cols.map((c) => (c === 'RecordType' ? type : (cells[c] ?? ''))).join(CELL_SEPARATOR);
}

function validate(input: DsrInput): void {
  if (!MARKET.test(input.territory)) fail(`territory must be ISO alpha-2 (${input.territory})`);
  if (!CURRENCY.test(input.currency)) fail(`currency must be ISO 4217 (${input.currency})`);
  if (!Number.isInteger(input.minorUnit) || input.minorUnit < 0 || input.minorUnit > 18)
    fail(`minorUnit must be an integer 0..18 (${input.minorUnit})`);
  if (!input.messageId || escapeValue(input.messageId) !== input.messageId)
    fail('messageId must be non-empty and free of tab, newline, "|" and "\\"');
  count(input.subscribers, 'subscribers');
  input.releases.forEach((r, i) => {
    if (r.resources.length === 0) fail(`release ${i + 1} has no resources (a block needs one)`);
  });
}

export function writeDsr(input: DsrInput): DsrFileOut {
  validate(input);
  const [start, end] = monthRange(input.period);
  const when = created(input.createdAt);
  const service = sanitizeNamePart(input.serviceDescription);
  if (!service) fail(`serviceDescription has no allowed characters (${input.serviceDescription})`);
  const money = (v: bigint) => formatMinor(v, input.minorUnit);

  const body: string[] = [];
  let tx = 0;
  let streams = 0;
  let total = 0n;
  input.releases.forEach((rel, bi) => {
    const blockId = String(bi + 1);
    const releaseRef = `R${blockId}`;
    const artists = [...new Set(rel.resources.flatMap((r) => r.artists))].filter((a) => a !== '');
    body.push(
      line(RT.release, {
        BlockId: blockId,
        ReleaseReference: releaseRef,
        DspReleaseId: escapeValue(rel.releaseId ?? `${input.messageId}-R${blockId}`),
        ICPN: rel.releaseId !== null && ICPN.test(rel.releaseId) ? rel.releaseId : '',
        DisplayArtistName: joinValues(artists),
        Title: escapeValue(rel.title ?? ''),
      }),
    );
    rel.resources.forEach((res, ri) => {
      body.push(
        line(RT.resource, {
          BlockId: blockId,
          ResourceReference: `A${ri + 1}`,
          DspResourceId: escapeValue(res.resourceRef || res.isrc),
          ISRC: escapeValue(res.isrc),
          Title: escapeValue(res.title),
          DisplayArtistName: joinValues(res.artists.filter((a) => a !== '')),
          Duration: isoDuration(res.durationMs),
          ResourceType: 'SoundRecording',
        }),
      );
    });
    rel.resources.forEach((res, ri) => {
      const amount = minor(res.amountMinor, `amountMinor of ${res.isrc}`);
      streams += count(res.streams, `streams of ${res.isrc}`);
      if (!Number.isSafeInteger(streams)) fail('total streams overflow');
      total += amount;
      tx += 1;
      body.push(
        line(RT.usage, {
          BlockId: blockId,
          SummaryRecordId: SUMMARY_ID,
          SalesTransactionId: `${input.messageId}-${String(tx).padStart(6, '0')}`,
          TransactedResource: `A${ri + 1}`,
          IsRoyaltyBearing: res.royaltyBearing ? 'true' : 'false',
          NumberOfStreams: String(res.streams),
          UseType: input.useType,
          AllocatedRevenue: money(amount),
        }),
      );
    });
  });

  const net = minor(input.netRevenueMinor, 'netRevenueMinor');
  if (net !== total) fail(`netRevenueMinor ${net} is not the sum of the line amounts ${total}`);

  const head = line(RT.head, {
    MessageVersion: DSR_MESSAGE_VERSION,
    Profile: DSR_PROFILE,
    ProfileVersion: DSR_PROFILE_VERSION,
    MessageId: input.messageId,
    MessageCreatedDateTime: when.iso,
    FileNumber: '1',
    NumberOfFiles: '1',
    UsageStartDate: start,
    UsageEndDate: end,
    SenderPartyId: escapeValue(input.sender.partyId),
    SenderName: escapeValue(input.sender.name),
    ServiceDescription: service,
    RecipientPartyId: escapeValue(input.recipient.partyId),
    RecipientName: escapeValue(input.recipient.name),
  });
  const summary = line(RT.summary, {
    SummaryRecordId: SUMMARY_ID,
    DistributionChannel: escapeValue(input.sender.name),
    DistributionChannelDPID: DPID.test(input.sender.partyId) ? input.sender.partyId : '',
    CommercialModel: input.commercialModel,
    UseType: input.useType,
    Territory: input.territory,
    ServiceDescription: service,
    TotalUsages: String(streams),
    Subscribers: String(input.subscribers),
    CurrencyOfReporting: input.currency,
    NetRevenue: money(net),
    RightsController: escapeValue(input.recipient.name),
    AllocatedUsages: String(streams),
    AllocatedRevenue: money(net),
    AllocatedNetRevenue: money(net),
  });
  const lines = [head, summary, ...body];
  const blocks = String(input.releases.length);
  const n = String(lines.length + 1); // + FOOT itself
  lines.push(
    line(RT.foot, {
      NumberOfLinesInFile: n,
      NumberOfLinesInReport: n,
      NumberOfSummaryRecords: '1',
      NumberOfBlocksInFile: blocks,
      NumberOfBlocksInReport: blocks,
    }),
  );

  const part = (p: { partyId: string; name: string }, who: string) =>
    sanitizeNamePart(p.partyId) ||
    sanitizeNamePart(p.name) ||
    fail(`${who} has no usable id or name`);
  const fileName = [
    'DSR',
    part(input.recipient, 'recipient'),
    part(input.sender, 'sender'),
    service,
    input.period,
    input.territory,
    '1of1',
    `${when.basic}.tsv`,
  ].join('_');
  return { fileName, content: lines.join(LINE_END) + LINE_END };
}
