/**
 * Just enough of ClickHouse's SQL lexer for the chDB server to find where an INSERT's data
 * begins and to read facts off a statement that ClickHouse itself has already parsed and
 * re-printed (`formatQuerySingleLine`). Nothing here decides on its own that a statement is a
 * single statement: the engine does that (see services/chdb-server/statement-plan.ts). Where this
 * lexer and ClickHouse's could disagree (comments, heredocs), the server only ever loses a
 * candidate and fails closed.
 */

export type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'op';

export interface Token {
  type: TokenType;
  /** The source text of the token. */
  text: string;
  /** Identifier or string value with quotes and escapes removed; the text otherwise. */
  value: string;
  start: number;
  end: number;
}

/**
 * Whitespace as ClickHouse's lexer skips it: ASCII, and the Unicode spaces it reads as
 * whitespace (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF,
 * U+0085). A lexer that took them for word characters would read `max_result_rows\u00A0= 0`
 * as no assignment at all.
 */
export const WS: ReadonlySet<string> = new Set([
  ' ',
  '\t',
  '\n',
  '\r',
  '\f',
  '\v',
  '\u0085',
  '\u00a0',
  '\u1680',
  ...Array.from({ length: 11 }, (_, k) => String.fromCharCode(0x2000 + k)),
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
]);
const isWordStart = (c: string) => /[A-Za-z_]/.test(c) || (c.charCodeAt(0) >= 0x80 && !WS.has(c));
const isWordChar = (c: string) =>
  /[A-Za-z0-9_$]/.test(c) || (c.charCodeAt(0) >= 0x80 && !WS.has(c));

/** Reads a quoted run starting at `i` (the opening quote); backslash escapes and doubled quotes. */
function readQuoted(s: string, i: number, q: string): { end: number; value: string } | undefined {
  let value = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '\\') {
      if (j + 1 >= s.length) return undefined;
      const n = s[j + 1]!;
      value += ESCAPES[n] ?? n;
      j += 2;
    } else if (c === q) {
      if (s[j + 1] === q) {
        value += q;
        j += 2;
      } else return { end: j + 1, value };
    } else {
      value += c;
      j++;
    }
  }
  return undefined;
}
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/**
 * Splits SQL into tokens, skipping whitespace and comments (`--`, `#`, nested `/* *\/`).
 * Stops quietly at an unterminated string, identifier, heredoc or comment: whatever follows
 * is then not seen, which can only make a caller find less.
 */
export function* tokens(s: string, from = 0): Generator<Token> {
  let i = from;
  while (i < s.length) {
    const c = s[i]!;
    if (WS.has(c)) {
      i++;
      continue;
    }
    if ((c === '-' && s[i + 1] === '-') || c === '#') {
      const nl = s.indexOf('\n', i);
      if (nl < 0) return;
      i = nl + 1;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < s.length && depth > 0) {
        if (s[j] === '/' && s[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (s[j] === '*' && s[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) return;
      i = j;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const q = readQuoted(s, i, c);
      if (!q) return;
      yield {
        type: c === "'" ? 'string' : 'quoted',
        text: s.slice(i, q.end),
        value: q.value,
        start: i,
        end: q.end,
      };
      i = q.end;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(s.slice(i, i + 256));
      if (m) {
        const close = s.indexOf(m[0], i + m[0].length);
        if (close < 0) return;
        const end = close + m[0].length;
        yield {
          type: 'string',
          text: s.slice(i, end),
          value: s.slice(i + m[0].length, close),
          start: i,
          end,
        };
        i = end;
        continue;
      }
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < s.length && isWordChar(s[j]!)) j++;
      const text = s.slice(i, j);
      yield { type: 'word', text, value: text, start: i, end: j };
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[0-9A-Za-z_.]/.test(s[j]!)) j++;
      const text = s.slice(i, j);
      yield { type: 'number', text, value: text, start: i, end: j };
      i = j;
      continue;
    }
    yield { type: 'op', text: c, value: c, start: i, end: i + 1 };
    i++;
  }
}

/** The first word of a statement, upper-cased (`SELECT`, `INSERT`, ...), or '' when none. */
export function firstKeyword(sql: string): string {
  for (const t of tokens(sql)) return t.type === 'word' ? t.value.toUpperCase() : t.text;
  return '';
}

export interface InsertCut {
  /** End offset of the INSERT head: just after `VALUES` or after the format name. */
  end: number;
  /** The data format that follows the head (`Values` for the VALUES keyword). */
  format: string;
}

/**
 * Where an INSERT's data may begin: after each top-level `VALUES` keyword or `FORMAT <name>`.
 * Candidates only (a table may be called `values`); the engine confirms the right one.
 */
export function insertCuts(sql: string, max = 4): InsertCut[] {
  const out: InsertCut[] = [];
  let depth = 0;
  let prev: Token | undefined;
  let first = true;
  for (const t of tokens(sql)) {
    if (first) {
      if (t.type !== 'word' || t.value.toUpperCase() !== 'INSERT') return out;
      first = false;
    }
    if (t.type === 'op' && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
    else if (t.type === 'op' && (t.text === ')' || t.text === ']' || t.text === '}')) depth--;
    else if (depth === 0 && t.type === 'word' && t.value.toUpperCase() === 'VALUES') {
      out.push({ end: t.end, format: 'Values' });
    } else if (
      depth === 0 &&
      (t.type === 'word' || t.type === 'quoted') &&
      prev?.type === 'word' &&
      prev.value.toUpperCase() === 'FORMAT'
    ) {
      out.push({ end: t.end, format: t.value });
    }
    if (out.length >= max) break;
    prev = t;
  }
  return out;
}

/**
 * Where the data of an INSERT starts after its head, as ClickHouse reads it: after spaces and
 * tabs, then one line break if there is one.
 */
export function dataStart(s: string | Buffer, from: number): number {
  const at = (k: number) => (typeof s === 'string' ? s.charCodeAt(k) : s[k]);
  const len = s.length;
  let i = from;
  while (i < len && (at(i) === 0x20 || at(i) === 0x09 || at(i) === 0x0c)) i++;
  if (i < len && at(i) === 0x0d) i++;
  if (i < len && at(i) === 0x0a) i++;
  return i;
}

/** Facts read off a canonical statement (the output of `formatQuerySingleLine`). */
export interface StatementInfo {
  /** First keyword: SELECT, INSERT, SET, USE, CREATE, ... */
  kind: string;
  /** Output (or, for INSERT, input) format named by a top-level `FORMAT` clause. */
  format?: string;
  intoOutfile: boolean;
  fromInfile: boolean;
  /** Mentions TEMPORARY (CREATE TEMPORARY TABLE and friends). */
  temporary: boolean;
  /** Names assigned anywhere (`SET x = ...`, `SETTINGS x = ...`, and any other `x = `). */
  assigned: Set<string>;
  /** Names of functions and table functions called, lower-cased. */
  calls: Set<string>;
  /** Uses `{name:Type}` query parameters. */
  hasParams: boolean;
}

export function describeStatement(canonical: string): StatementInfo {
  const toks = [...tokens(canonical)];
  const info: StatementInfo = {
    kind: '',
    intoOutfile: false,
    fromInfile: false,
    temporary: false,
    assigned: new Set(),
    calls: new Set(),
    hasParams: false,
  };
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const next = toks[k + 1];
    const word = t.type === 'word' ? t.value.toUpperCase() : undefined;
    if (k === 0) info.kind = word ?? t.text;
    if (t.type === 'op') {
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth--;
      else if (t.text === '{' && next?.type === 'word' && toks[k + 2]?.text === ':')
        info.hasParams = true;
      continue;
    }
    if (word === 'INTO' && next?.type === 'word' && next.value.toUpperCase() === 'OUTFILE')
      info.intoOutfile = true;
    if (word === 'FROM' && next?.type === 'word' && next.value.toUpperCase() === 'INFILE')
      info.fromInfile = true;
    if (word === 'TEMPORARY') info.temporary = true;
    if ((t.type === 'word' || t.type === 'quoted') && next?.type === 'op') {
      if (next.text === '=' && toks[k + 2]?.text !== '=') info.assigned.add(t.value);
      if (next.text === '(') info.calls.add(t.value.toLowerCase());
    }
    if (
      depth === 0 &&
      word === 'FORMAT' &&
      (next?.type === 'word' || next?.type === 'quoted') &&
      toks[k + 2]?.text !== '('
    ) {
      info.format = next.value;
    }
  }
  return info;
}

/**
 * The setting names assigned by `SET a = 1, b = 2` and by every `SETTINGS a = 1, ...` clause
 * of a statement ClickHouse re-printed, with the number of clauses found: compared with the
 * `Set` nodes of the engine's own parse (EXPLAIN AST), so a clause this reader missed fails
 * closed.
 */
export function settingsAssignments(canonical: string): { names: string[]; clauses: number } {
  const toks = [...tokens(canonical)];
  const names: string[] = [];
  let clauses = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const w = t.type === 'word' ? t.value.toUpperCase() : '';
    if (!(w === 'SETTINGS' || (w === 'SET' && k === 0))) continue;
    let j = k + 1;
    let found = 0;
    for (;;) {
      const name = toks[j];
      if (!name || (name.type !== 'word' && name.type !== 'quoted') || toks[j + 1]?.text !== '=')
        break;
      names.push(name.value);
      found++;
      j += 2;
      // The value: one literal (with its sign), or a bracketed list or map.
      if (toks[j]?.text === '-' || toks[j]?.text === '+') j++;
      if (toks[j]?.text === '[' || toks[j]?.text === '(' || toks[j]?.text === '{') {
        let depth = 0;
        do {
          const x = toks[j]?.text;
          if (x === '[' || x === '(' || x === '{') depth++;
          else if (x === ']' || x === ')' || x === '}') depth--;
          j++;
        } while (j < toks.length && depth > 0);
      } else j++;
      if (toks[j]?.text !== ',') break;
      j++;
    }
    if (found) clauses++;
    k = j - 1;
  }
  return { names, clauses };
}

export interface AstFacts {
  /** Every `Function <name>` node, lower-cased, and whether it sits in a FROM (table function). */
  functions: { name: string; table: boolean }[];
  /** `Set` nodes: SETTINGS clauses and SET statements. */
  setNodes: number;
  /** Identifiers right under the root statement: a FORMAT name. */
  topIdentifiers: string[];
  /** Literals right under the root statement: an INTO OUTFILE target. */
  topLiterals: number;
  /** The root node's type: which kind of statement the engine parsed. */
  root: string;
  /**
   * Tables the statement names, as written (`db.table` or `table`): every `TableIdentifier`,
   * and the targets of EXISTS, SHOW CREATE and USE (`db.` for USE).
   */
  tables: string[];
  /** Identifiers with a dot (`a.b`, `a.b.c`): a column of an alias, or of `db.table`. */
  dotted: string[];
}

/** Reads the tree `EXPLAIN AST` prints (one node a line, one space of indent a level). */
export function readExplainAst(ast: string): AstFacts {
  const facts: AstFacts = {
    functions: [],
    setNodes: 0,
    topIdentifiers: [],
    topLiterals: 0,
    root: '',
    tables: [],
    dotted: [],
  };
  const parents: string[] = [];
  for (const line of ast.split('\n')) {
    if (!line.trim()) continue;
    const depth = line.length - line.trimStart().length;
    const [type = '', name = ''] = line.trim().split(/\s+/);
    parents.length = depth;
    const parent = parents[depth - 1];
    if (depth === 0 && !facts.root) {
      facts.root = type;
      // `ExistsTableQuery <db> <table>`, `ShowCreateTableQuery <db> <table>` (db may be empty),
      // `UseQuery <db>`: the header carries the target; the child identifiers repeat it.
      const head = line
        .trim()
        .replace(/\s*\(children \d+\)$/, '')
        .split(' ');
      if ((type === 'ExistsTableQuery' || type === 'ShowCreateTableQuery') && head.length >= 3)
        facts.tables.push(
          head[1] ? `${head[1]}.${head.slice(2).join(' ')}` : head.slice(2).join(' '),
        );
      if (type === 'UseQuery' && head[1]) facts.tables.push(`${head[1]}.`);
    }
    if (type === 'TableIdentifier') facts.tables.push(name);
    if (type === 'Identifier' && name.includes('.')) facts.dotted.push(name);
    if (type === 'Function')
      facts.functions.push({ name: name.toLowerCase(), table: parent === 'TableExpression' });
    if (type === 'Set') facts.setNodes++;
    if (depth === 1 && parents[0] === 'SelectWithUnionQuery') {
      if (type === 'Identifier') facts.topIdentifiers.push(name);
      if (type === 'Literal') facts.topLiterals++;
    }
    parents[depth] = type;
  }
  return facts;
}

/** Whether `info` assigns the setting `name` (compared without case, to be safe). */
export function assigns(info: StatementInfo, name: string): boolean {
  for (const n of info.assigned) if (n.toLowerCase() === name) return true;
  return false;
}

/** A ClickHouse string literal: single quotes, with backslash and quote escaped. */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A ClickHouse identifier in backquotes, with backslash and backquote escaped. */
export function quoteIdentifier(s: string): string {
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/**
 * Whether Values-format data can be handed to the engine without a statement hiding in it.
 * chDB runs its input as a multi-statement script and ends Values data at a top-level `;`,
 * so a `;` followed by more text would run as a second statement. Fails closed: outside
 * single-quoted strings it refuses `;` (unless only whitespace follows), comments, heredocs
 * and quoted identifiers, so nothing can make this scan and the engine's disagree.
 */
export function valuesDataIsSafe(data: string): boolean {
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c === "'") {
      const q = readQuoted(data, i, "'");
      if (!q) return false;
      i = q.end;
      continue;
    }
    if (c === ';') return data.slice(i + 1).trim() === '';
    if (c === '#' || c === '$' || c === '"' || c === '`' || c === '\\') return false;
    if ((c === '-' && data[i + 1] === '-') || (c === '/' && data[i + 1] === '*')) return false;
    i++;
  }
  return true;
}
