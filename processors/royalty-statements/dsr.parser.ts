import { BackbeatError } from '../../common/errors/backbeat.error.js';
import {
  CELL_SEPARATOR,
  COLUMNS,
  COMMENT_SIGN,
  RT,
  parseMinor,
  splitValues,
  type ColumnOf,
  type RecordTypeCode,
} from './dsr.records.js';

/**
 * A reader for DSR flat files (BasicAudioProfile, multi-record-block variant): splits a file
 * into HEAD, summaries, blocks and FOOT, gives named access to the cells of the record types in
 * dsr.records.ts, and checks a file's own consistency (checkDsr). Comment rows (`#`) are
 * skipped but counted as lines; CRLF and LF are both accepted.
 */
export class DsrParseError extends BackbeatError {
  constructor(lineNo: number, message: string) {
    super('DSR_INVALID', `DSR line ${lineNo}: ${message}`);
  }
}

export interface DsrRecord {
  type: string;
  /** 1-based physical line number. */
  lineNo: number;
  /** The raw (still escaped) cells, RecordType first. */
  raw: readonly string[];
}

export interface DsrBlock {
  blockId: string;
  records: DsrRecord[];
}

export interface ParsedDsr {
  /** Physical lines, comment rows included. */
  lineCount: number;
  /** Records (non-comment lines), HEAD and FOOT included. */
  recordCount: number;
  head: DsrRecord;
  summaries: DsrRecord[];
  blocks: DsrBlock[];
  foot: DsrRecord;
}

const isKnown = (type: string): type is RecordTypeCode => Object.hasOwn(COLUMNS, type);

function index(rec: DsrRecord, col: string): number {
  if (!isKnown(rec.type)) throw new DsrParseError(rec.lineNo, `unknown record type ${rec.type}`);
  const i = (COLUMNS[rec.type] as readonly string[]).indexOf(col);
  if (i < 0) throw new DsrParseError(rec.lineNo, `${rec.type} has no cell ${col}`);
  return i;
}

/** All values of a named cell, unescaped; an empty cell gives []. */
export function cellValues<T extends RecordTypeCode>(
  rec: DsrRecord & { type: T },
  col: ColumnOf<T>,
): string[] {
  const raw = rec.raw[index(rec, col)] ?? '';
  return raw === '' ? [] : splitValues(raw);
}

/** A single-valued named cell, unescaped ('' when empty). */
export function cell<T extends RecordTypeCode>(
  rec: DsrRecord & { type: T },
  col: ColumnOf<T>,
): string {
  const values = cellValues(rec, col);
  if (values.length > 1)
    throw new DsrParseError(rec.lineNo, `${col} holds ${values.length} values`);
  return values[0] ?? '';
}

export function isType<T extends RecordTypeCode>(
  rec: DsrRecord,
  type: T,
): rec is DsrRecord & { type: T } {
  return rec.type === type;
}

const isSummary = (type: string) => /^SY\d{2}(\.\d{2})?$/.test(type);

export function parseDsr(content: string): ParsedDsr {
  const lines = content.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const records: DsrRecord[] = [];
  lines.forEach((text, i) => {
    if (text.startsWith(COMMENT_SIGN)) return;
    if (text === '') throw new DsrParseError(i + 1, 'empty record');
    const raw = text.split(CELL_SEPARATOR);
    records.push({ type: raw[0]!, lineNo: i + 1, raw });
  });
  const head = records[0];
  const foot = records.at(-1);
  if (!head || head.type !== RT.head)
    throw new DsrParseError(head?.lineNo ?? 1, 'first record is not HEAD');
  if (!foot || foot.type !== RT.foot || records.length < 2)
    throw new DsrParseError(foot?.lineNo ?? lines.length, 'last record is not FOOT');
  const summaries: DsrRecord[] = [];
  const blocks: DsrBlock[] = [];
  for (const rec of records.slice(1, -1)) {
    if (rec.type === RT.head || rec.type === RT.foot)
      throw new DsrParseError(rec.lineNo, `${rec.type} inside the file`);
    if (isSummary(rec.type)) {
      if (blocks.length) throw new DsrParseError(rec.lineNo, 'summary record after a block');
      summaries.push(rec);
      continue;
    }
    const blockId = rec.raw[1] ?? '';
    if (blockId === '') throw new DsrParseError(rec.lineNo, 'body record without BlockId');
    const last = blocks.at(-1);
    if (last?.blockId === blockId) last.records.push(rec);
    else {
      if (blocks.some((b) => b.blockId === blockId))
        throw new DsrParseError(rec.lineNo, `block ${blockId} is not contiguous`);
      blocks.push({ blockId, records: [rec] });
    }
  }
  return { lineCount: lines.length, recordCount: records.length, head, summaries, blocks, foot };
}

/** Every SU02 record of the file, in order. */
export function usageRecords(dsr: ParsedDsr): (DsrRecord & { type: typeof RT.usage })[] {
  return dsr.blocks.flatMap((b) => b.records.filter((r) => isType(r, RT.usage)));
}

/**
 * The file's own consistency, as a list of problems (empty = consistent): FOOT counts against
 * the actual lines, summaries and blocks; unique SalesTransactionIds; SU02 rows pointing at a
 * summary, a release and a resource of their block; per summary, streams and SU02 amounts
 * adding up to TotalUsages and NetRevenue (amounts read at `minorUnit` decimals).
 */
export function checkDsr(dsr: ParsedDsr, minorUnit: number): string[] {
  const problems: string[] = [];
  const foot = dsr.foot as DsrRecord & { type: typeof RT.foot };
  const expect = (col: ColumnOf<typeof RT.foot>, actual: number) => {
    if (cell(foot, col) !== String(actual))
      problems.push(`FOOT ${col} ${cell(foot, col)} != ${actual}`);
  };
  expect('NumberOfLinesInFile', dsr.lineCount);
  expect('NumberOfLinesInReport', dsr.lineCount);
  expect('NumberOfSummaryRecords', dsr.summaries.length);
  expect('NumberOfBlocksInFile', dsr.blocks.length);
  expect('NumberOfBlocksInReport', dsr.blocks.length);

  const totals = new Map<string, { streams: bigint; amount: bigint }>();
  for (const s of dsr.summaries)
    if (isType(s, RT.summary)) totals.set(cell(s, 'SummaryRecordId'), { streams: 0n, amount: 0n });
  const seen = new Set<string>();
  for (const b of dsr.blocks) {
    const refs = new Set<string>();
    for (const r of b.records) {
      if (isType(r, RT.release)) refs.add(cell(r, 'ReleaseReference'));
      if (isType(r, RT.resource)) refs.add(cell(r, 'ResourceReference'));
    }
    for (const r of b.records) {
      if (!isType(r, RT.usage)) continue;
      const id = cell(r, 'SalesTransactionId');
      if (seen.has(id)) problems.push(`line ${r.lineNo}: SalesTransactionId ${id} repeated`);
      seen.add(id);
      for (const col of ['TransactedRelease', 'TransactedResource'] as const) {
        const ref = cell(r, col);
        if (ref && !refs.has(ref)) problems.push(`line ${r.lineNo}: ${col} ${ref} not in block`);
      }
      const t = totals.get(cell(r, 'SummaryRecordId'));
      const amount = parseMinor(cell(r, 'AllocatedRevenue'), minorUnit);
      if (!t) problems.push(`line ${r.lineNo}: unknown SummaryRecordId`);
      else if (amount === null) problems.push(`line ${r.lineNo}: AllocatedRevenue not a decimal`);
      else if (!/^\d+$/.test(cell(r, 'NumberOfStreams')))
        problems.push(`line ${r.lineNo}: NumberOfStreams not an integer`);
      else {
        t.streams += BigInt(cell(r, 'NumberOfStreams'));
        t.amount += amount;
      }
    }
  }
  for (const s of dsr.summaries) {
    if (!isType(s, RT.summary)) continue;
    const t = totals.get(cell(s, 'SummaryRecordId'))!;
    if (cell(s, 'TotalUsages') !== String(t.streams))
      problems.push(`summary TotalUsages ${cell(s, 'TotalUsages')} != ${t.streams}`);
    if (parseMinor(cell(s, 'NetRevenue'), minorUnit) !== t.amount)
      problems.push(`summary NetRevenue ${cell(s, 'NetRevenue')} != sum of SU02 amounts`);
  }
  return problems;
}
