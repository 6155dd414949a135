import { tokens, type Token } from '../../../common/clickhouse/clickhouse-sql.js';
import { EXTERNAL_FUNCTIONS } from '../../../common/clickhouse/external-functions.js';

/**
 * The first of the analyst SQL safety layers, applied before anything is sent to ClickHouse:
 * one statement, of a reading kind, that neither overrides the limits the API sets nor reaches
 * outside the database (files, URLs, other servers). It fails closed: text it cannot read to
 * the end is refused. ClickHouse then enforces `readonly = 2` (and, on a server, the analyst
 * user's grants and setting constraints) on its own, whatever this check lets through.
 */
export const READ_KINDS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN'] as const;

/** Settings that hold the API's limits: an analyst query may not assign them. */
export const PROTECTED_SETTINGS = new Set([
  'max_result_rows',
  'max_result_bytes',
  'result_overflow_mode',
  'max_execution_time',
  'max_execution_time_leaf',
  'timeout_overflow_mode',
  'timeout_overflow_mode_leaf',
  'max_estimated_execution_time',
]);

export type GuardResult =
  | { ok: true; query: string; kind: string }
  | { ok: false; code: string; title: string; detail: string };

const refuse = (code: string, title: string, detail: string): GuardResult => ({
  ok: false,
  code,
  title,
  detail,
});

const isWord = (t: Token | undefined, w: string) =>
  t?.type === 'word' && t.value.toUpperCase() === w;

export function checkAnalystSql(sql: string): GuardResult {
  const toks = [...tokens(sql)];
  // The lexer stops quietly at an unterminated string, identifier or block comment: what it
  // left unread must be nothing but whitespace and complete comments.
  const rest = sql.slice(toks.length ? toks[toks.length - 1]!.end : 0);
  if (!onlyComments(rest))
    return refuse(
      'sql-unreadable',
      'The statement has an unterminated string, identifier or comment',
      `cannot read past: ${rest.slice(0, 40)}`,
    );
  while (toks.length && toks[toks.length - 1]!.text === ';') toks.pop();
  if (!toks.length) return refuse('sql-empty', 'The query is empty', 'send one read statement');
  if (toks.some((t) => t.type === 'op' && t.text === ';'))
    return refuse(
      'sql-multiple-statements',
      'Send one statement per request',
      'the query holds more than one statement (a ";" before its end)',
    );
  const first = toks[0]!;
  const kind = first.type === 'word' ? first.value.toUpperCase() : first.text;
  if (!(READ_KINDS as readonly string[]).includes(kind))
    return refuse(
      'sql-not-read-only',
      'Only read statements are allowed',
      `${kind} is not one of ${READ_KINDS.join(', ')}`,
    );
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const next = toks[k + 1];
    if (t.type === 'op') {
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth--;
      continue;
    }
    const name = t.value.toLowerCase();
    if (
      next?.text === '(' &&
      (t.type === 'word' || t.type === 'quoted') &&
      EXTERNAL_FUNCTIONS.has(name)
    )
      return refuse(
        'sql-external-access',
        'The query reaches outside the database',
        `${t.value}(...) reads or writes files, URLs or other servers`,
      );
    if (next?.text === '=' && toks[k + 2]?.text !== '=' && PROTECTED_SETTINGS.has(name))
      return refuse(
        'sql-protected-setting',
        'The query may not change the API limits',
        `${t.value} is set by the API (SQL_MAX_ROWS, SQL_MAX_SECONDS)`,
      );
    if (isWord(t, 'INTO') && isWord(next, 'OUTFILE'))
      return refuse(
        'sql-into-outfile',
        'INTO OUTFILE is not allowed',
        'results come back in the response',
      );
    if (
      depth === 0 &&
      isWord(t, 'FORMAT') &&
      (next?.type === 'word' || next?.type === 'quoted') &&
      (k + 2 === toks.length || isWord(toks[k + 2], 'SETTINGS'))
    )
      return refuse(
        'sql-format-clause',
        'Choose the format with the "format" field, not a FORMAT clause',
        `FORMAT ${next.value}: use {"format": "JSON" | "JSONEachRow" | "CSV" | "TSV"} or ?format=`,
      );
  }
  const end = toks[toks.length - 1]!.end;
  return { ok: true, query: sql.slice(first.start, end), kind };
}

/** Whether `s` holds only whitespace and complete comments (`--`, `#`, nested block comments). */
function onlyComments(s: string): boolean {
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) i++;
    else if (s.startsWith('--', i) || s[i] === '#') {
      const nl = s.indexOf('\n', i);
      if (nl < 0) return true;
      i = nl + 1;
    } else if (s.startsWith('/*', i)) {
      let depth = 1;
      i += 2;
      while (i < s.length && depth > 0) {
        if (s.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (s.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return false;
    } else return false;
  }
  return true;
}
