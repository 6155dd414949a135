/**
 * DDEX DSR flat file (BasicAudioProfile, multi-record-block variant): the record types Backbeat
 * writes, their cells in order, and the cell codec shared by the writer and the parser.
 *
 * Sources (public): DSR Part 8 v1.4 record definitions as transcribed in Orfium/dsrf-parser-poc
 * (constants.py) and its BasicAudioProfile 1.3 sample file (whose `#` comment rows give the same
 * cell orders for HEAD, RE01.02, AS02.03, SU02.02 and FOOT); ddexnet/dsrf
 * schemas/BasicAudioProfile/1.1/BasicAudioProfile.xsd (SY03, the subscription summary, same first
 * 20 cells), constants.py (tab, `|`, backslash escaper, `#` comments, file-name parts) and
 * testdata (a `\|` escaped pipe inside a title). SR rows (single-record variant) are not used.
 */

export const DSR_MESSAGE_VERSION = 'dsrf/1.1/1.4.1/1.3';
export const DSR_PROFILE = 'BasicAudioProfile';
export const DSR_PROFILE_VERSION = '1.3';

export const RT = {
  head: 'HEAD',
  summary: 'SY03.01',
  release: 'RE01.02',
  resource: 'AS02.03',
  usage: 'SU02.02',
  foot: 'FOOT',
} as const;

/** Cells of each record, RecordType first. */
export const COLUMNS = {
  [RT.head]: [
    'RecordType',
    'MessageVersion',
    'Profile',
    'ProfileVersion',
    'MessageId',
    'MessageCreatedDateTime',
    'FileNumber',
    'NumberOfFiles',
    'UsageStartDate',
    'UsageEndDate',
    'SenderPartyId',
    'SenderName',
    'ServiceDescription',
    'RecipientPartyId',
    'RecipientName',
    'RepresentedRepertoire',
  ],
  [RT.summary]: [
    'RecordType',
    'SummaryRecordId',
    'DistributionChannel',
    'DistributionChannelDPID',
    'CommercialModel',
    'UseType',
    'Territory',
    'ServiceDescription',
    'TotalUsages',
    'Subscribers',
    'CurrencyOfReporting',
    'NetRevenue',
    'RightsController',
    'RightsControllerPartyId',
    'AllocatedUsages',
    'AllocatedRevenue',
    'AllocatedNetRevenue',
    'RightsControllerMarketShare',
    'ConsumerPaidUnitPrice',
    'FreeOrTrialSubscribers',
    'CurrencyOfTransaction',
    'ExchangeRate',
    'SubscriberType',
  ],
  [RT.release]: [
    'RecordType',
    'BlockId',
    'ReleaseReference',
    'DspReleaseId',
    'ProprietaryReleaseId',
    'CatalogNumber',
    'ICPN',
    'DisplayArtistName',
    'DisplayArtistPartyId',
    'Title',
    'SubTitle',
    'ReleaseType',
    'LabelName',
    'PLine',
    'DataProviderName',
    'ReleaseDate',
  ],
  [RT.resource]: [
    'RecordType',
    'BlockId',
    'ResourceReference',
    'DspResourceId',
    'ISRC',
    'Title',
    'SubTitle',
    'DisplayArtistName',
    'DisplayArtistPartyId',
    'Duration',
    'ResourceType',
    'ISWC',
    'ComposerAuthorName',
    'ComposerAuthorPartyId',
    'ArrangerName',
    'ArrangerPartyId',
    'MusicPublisherName',
    'MusicPublisherPartyId',
    'WorkContributorName',
    'WorkContributorPartyId',
    'ProprietaryWorkId',
    'IsMasterRecording',
    'IsSubjectToOwnershipConflict',
    'LastConflictCheck',
  ],
  /**
   * SU02.02 has no money cell. The line's amount travels in one trailing cell after UseType,
   * `AllocatedRevenue` (a Backbeat extension, by bilateral agreement); readers that stop at
   * the standard cell count ignore it. SY03 carries the same total as NetRevenue.
   */
  [RT.usage]: [
    'RecordType',
    'BlockId',
    'SummaryRecordId',
    'SalesTransactionId',
    'TransactedRelease',
    'TransactedResource',
    'IsRoyaltyBearing',
    'NumberOfStreams',
    'PriceConsumerPaidExcSalesTax',
    'PromotionalActivity',
    'UseType',
    'AllocatedRevenue',
  ],
  [RT.foot]: [
    'RecordType',
    'NumberOfLinesInFile',
    'NumberOfLinesInReport',
    'NumberOfSummaryRecords',
    'NumberOfBlocksInFile',
    'NumberOfBlocksInReport',
  ],
} as const satisfies Record<string, readonly string[]>;

export type RecordTypeCode = keyof typeof COLUMNS;
export type ColumnOf<T extends RecordTypeCode> = (typeof COLUMNS)[T][number];

export const CELL_SEPARATOR = '\t';
export const VALUE_SEPARATOR = '|';
export const ESCAPER = '\\';
export const COMMENT_SIGN = '#';
export const LINE_END = '\n';

/**
 * How a value is made safe for a cell: a tab, CR or LF inside a value becomes one space (the
 * flat file has no way to carry them; a title with a stray tab must not sink a statement), and
 * `\` and `|` are escaped with a backslash so they round-trip. Written down on every statement.
 */
export const DSR_VALUE_RULE =
  'DSR cells: TAB, CR and LF inside a value are replaced by a space; "\\" and "|" inside a value are escaped as "\\\\" and "\\|"; "|" separates multiple values.';

const CONTROL = /[\t\r\n]/g;

/** One value, escaped for a cell. */
export function escapeValue(value: string): string {
  return value.replace(CONTROL, ' ').replace(/[\\|]/g, (c) => ESCAPER + c);
}

/** Several values in one cell, `|`-separated. */
export function joinValues(values: readonly string[]): string {
  return values.map(escapeValue).join(VALUE_SEPARATOR);
}

/** A cell back into its values: splits on unescaped `|`, then drops the escapes. */
export function splitValues(cell: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i]!;
    if (c === ESCAPER && i + 1 < cell.length) cur += cell[++i];
    else if (c === VALUE_SEPARATOR) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Integer minor units as an exact decimal string: (12345n, 2) → "123.45", (-5n, 2) → "-0.05". */
export function formatMinor(minor: bigint, minorUnit: number): string {
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString();
  if (minorUnit === 0) return (neg ? '-' : '') + digits;
  const padded = digits.padStart(minorUnit + 1, '0');
  const cut = padded.length - minorUnit;
  return `${neg ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/** A decimal string back into minor units; null when it is not an exact decimal of that scale. */
export function parseMinor(text: string, minorUnit: number): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > minorUnit) return null;
  const v = BigInt(m[2]! + frac.padEnd(minorUnit, '0'));
  return m[1] ? -v : v;
}
