import type {
  StatementHeader,
  StoredLine,
} from '../../../read-models/royalties/royalty-statements.reader.js';
import { formatMinor } from '../../../processors/royalty-statements/dsr.records.js';

/**
 * A statement's lines as CSV (RFC 4180: CRLF line ends, a header row, fields with a comma,
 * quote, CR or LF quoted and their quotes doubled). Amounts are integer minor units, and again
 * as decimal amounts in the statement's currency (`minor_unit` decimals).
 */
export const STATEMENT_CSV_COLUMNS = [
  'statement_id',
  'period',
  'market',
  'version',
  'currency',
  'minor_unit',
  'label_id',
  'rights_holder_id',
  'rights_holder_name',
  'track_id',
  'isrc',
  'streams',
  'streamshare_minor',
  'user_centric_minor',
  'delta_streamshare_minor',
  'delta_user_centric_minor',
  'streamshare_amount',
  'user_centric_amount',
] as const;

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const csvRow = (cells: readonly string[]) => cells.map(csvField).join(',') + '\r\n';

export function statementCsv(h: StatementHeader, lines: readonly StoredLine[]): string {
  const money = (minor: string) => formatMinor(BigInt(minor), h.minor_unit);
  let out = csvRow(STATEMENT_CSV_COLUMNS);
  for (const l of lines)
    out += csvRow([
      h.statement_id,
      h.period,
      h.market,
      String(h.version),
      h.currency,
      String(h.minor_unit),
      l.label_id,
      l.rights_holder_id,
      l.rights_holder_name,
      l.track_id,
      l.isrc,
      String(l.streams),
      l.streamshare_minor,
      l.user_centric_minor,
      l.delta_streamshare_minor,
      l.delta_user_centric_minor,
      money(l.streamshare_minor),
      money(l.user_centric_minor),
    ]);
  return out;
}

/** `statement_<id>_<label>.csv`, with only A-Z, a-z, 0-9 and "-" in its parts. */
export const statementCsvFileName = (statementId: string, labelId: string) =>
  `statement_${statementId.replace(/[^A-Za-z0-9-]/g, '')}_${labelId.replace(/[^A-Za-z0-9-]/g, '')}.csv`;
