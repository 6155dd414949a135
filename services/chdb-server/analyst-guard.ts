/**
 * The analyst (restricted, read-only) user's guard. Its request settings may lower the server's
 * limits, never lift them; its statement is checked against ClickHouse's own parse of it (the
 * re-printed single statement and its `EXPLAIN AST` tree): only allow-listed statements, table
 * functions, formats and settings, no function that reads the host or the network, and no table
 * of ClickHouse's built-in databases outside the system allow list.
 */
import {
  ANALYST_FORMATS,
  ANALYST_QUERY_SETTINGS,
  ANALYST_STATEMENTS,
  ANALYST_SYSTEM_TABLES,
  ANALYST_TABLE_FUNCTIONS,
  EXTERNAL_FUNCTIONS,
} from '../../common/clickhouse/external-functions.js';
import {
  readExplainAst,
  settingsAssignments,
  type AstFacts,
  type StatementInfo,
} from '../../common/clickhouse/clickhouse-sql.js';
import type { AnalystLimits, QueryRequest } from './chdb-query.types.js';
import { ClickHouseServerError, ErrorCode, engineError } from './clickhouse-protocol.js';
import { READ_KINDS } from './statement-guard.js';

/** The capped settings and the limit each is capped by. */
const ANALYST_CAPS = {
  max_result_rows: 'maxRows',
  max_execution_time: 'maxSeconds',
  max_memory_usage: 'maxMemoryBytes',
  max_result_bytes: 'maxResultBytes',
} as const satisfies Record<string, keyof AnalystLimits>;
/** Request settings an analyst client may send besides the caps (which may only go lower). */
const ANALYST_OVERFLOW_MODES = new Set(['result_overflow_mode', 'timeout_overflow_mode']);

/**
 * ClickHouse's own databases: they describe the server (its queries, settings, logs), not
 * Backbeat's data. The analyst reads only ANALYST_SYSTEM_TABLES of them.
 */
const BUILTIN_DATABASES = new Set(['system', 'information_schema', 'INFORMATION_SCHEMA']);

/** What the statement check needs of the session it runs on. */
export interface ExplainingSession {
  /** The database unqualified names resolve in, when the request names none. */
  readonly logicalDb: string;
  query(sql: string, format: string): Promise<{ bytes: Uint8Array }>;
}

type Denied = (what: string) => ClickHouseServerError;

function constraint(message: string): ClickHouseServerError {
  return new ClickHouseServerError(ErrorCode.SETTING_CONSTRAINT_VIOLATION, message);
}

/**
 * The restricted user's request settings: the caps may only be lowered (a value above the
 * cap, or 0 meaning "no limit", is refused), overflow modes stay `throw`, other settings must
 * be on the analyst allow list; then every cap not given is added, so each analyst query
 * runs with every limit whatever the client sent.
 */
export function analystRequestSettings(
  given: [string, string][],
  limits: AnalystLimits | undefined,
): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v] of given) {
    const name = k.toLowerCase();
    if (Object.hasOwn(ANALYST_CAPS, name)) {
      const cap = limits?.[ANALYST_CAPS[name as keyof typeof ANALYST_CAPS]];
      const n = Number(v);
      if (cap !== undefined && !(Number.isFinite(n) && n > 0 && n <= cap))
        throw constraint(
          `Setting ${k} should be between 1 and ${cap} for the analyst user (got ${JSON.stringify(v)})`,
        );
      out.set(name, v);
    } else if (ANALYST_OVERFLOW_MODES.has(name)) {
      if (v !== 'throw') throw constraint(`Setting ${k} must stay 'throw' for the analyst user`);
      out.set(name, v);
    } else if (ANALYST_QUERY_SETTINGS.has(name)) out.set(name, v);
    else throw constraint(`Setting ${k} is not one the analyst user may change`);
  }
  if (limits) {
    for (const [name, key] of Object.entries(ANALYST_CAPS))
      if (!out.has(name)) out.set(name, String(limits[key]));
    for (const name of ANALYST_OVERFLOW_MODES) if (!out.has(name)) out.set(name, 'throw');
  }
  return [...out];
}

/**
 * The restricted user's statement, checked against ClickHouse's own parse of it: the
 * re-printed single statement (`formatQuerySingleLine`, confirmed before) and its tree
 * (`EXPLAIN AST`). Only allow-listed table functions, no refused scalar functions, only
 * allow-listed settings in SETTINGS/SET, only allow-listed formats, no INTO OUTFILE.
 */
export async function checkAnalystStatement(
  sess: ExplainingSession,
  req: Pick<QueryRequest, 'user' | 'defaultFormat' | 'database'>,
  canonical: string,
  info: StatementInfo,
): Promise<void> {
  const denied: Denied = (what) =>
    new ClickHouseServerError(
      ErrorCode.ACCESS_DENIED,
      `${req.user}: Not enough privileges. The analyst user may not use ${what}`,
    );
  if (info.intoOutfile) throw denied('INTO OUTFILE');
  const format = info.format ?? req.defaultFormat;
  if (format !== undefined && !ANALYST_FORMATS.has(format.toLowerCase()))
    throw denied(`the format ${format}`);
  const { names, clauses } = settingsAssignments(canonical);
  for (const n of names)
    if (!ANALYST_QUERY_SETTINGS.has(n.toLowerCase()))
      throw constraint(`Setting ${n} is not one the analyst user may change`);
  let ast: string;
  try {
    const r = await sess.query(`EXPLAIN AST ${canonical}`, 'TabSeparatedRaw');
    ast = Buffer.from(r.bytes).toString('utf8');
  } catch (err) {
    const e = engineError(err);
    throw new ClickHouseServerError(
      e.errorCode,
      `The chDB server could not check this statement for the analyst user: ${e.message}`,
    );
  }
  const facts = readExplainAst(ast);
  if (!ANALYST_STATEMENTS.has(facts.root)) {
    if (!READ_KINDS.has(info.kind))
      throw new ClickHouseServerError(
        ErrorCode.READONLY,
        `${req.user}: Cannot execute query in readonly mode`,
      );
    throw denied(`a ${facts.root} statement (allowed: ${[...ANALYST_STATEMENTS].join(', ')})`);
  }
  checkAnalystTables(req.database ?? sess.logicalDb, facts, denied);
  if (facts.setNodes > clauses)
    throw constraint('the statement assigns settings the chDB server cannot name; refused');
  if (facts.topLiterals > 0) throw denied('INTO OUTFILE');
  for (const id of facts.topIdentifiers)
    if (!ANALYST_FORMATS.has(id.toLowerCase())) throw denied(`the format ${id}`);
  for (const fn of facts.functions) {
    if (fn.table && !ANALYST_TABLE_FUNCTIONS.has(fn.name))
      throw denied(`the table function ${fn.name}(), which is not on the analyst allow list`);
    // A scalar call named like a refused table function (file(...)) is refused too.
    if (!fn.table && EXTERNAL_FUNCTIONS.has(fn.name))
      throw denied(`${fn.name}(), which reads the server's files, settings or the network`);
  }
}

/**
 * Every table the statement names must be outside ClickHouse's built-in databases, or on the
 * system allow list (ANALYST_SYSTEM_TABLES). Unqualified names resolve in `currentDb` (the
 * request's database); a dotted identifier whose first part is a built-in database
 * (`x IN system.processes`) names a table too.
 */
export function checkAnalystTables(
  currentDb: string,
  facts: Pick<AstFacts, 'tables' | 'dotted'>,
  denied: Denied,
): void {
  const check = (db: string, table: string) => {
    if (!BUILTIN_DATABASES.has(db)) return;
    if (db === 'system' && table !== '' && ANALYST_SYSTEM_TABLES.has(table.toLowerCase())) return;
    throw denied(table ? `the table ${db}.${table}` : `the database ${db}`);
  };
  for (const t of facts.tables) {
    const dot = t.indexOf('.');
    if (dot < 0) check(currentDb, t);
    else check(t.slice(0, dot), t.slice(dot + 1));
  }
  for (const d of facts.dotted) {
    const [db = '', table = ''] = d.split('.');
    if (BUILTIN_DATABASES.has(db)) check(db, table);
  }
}
