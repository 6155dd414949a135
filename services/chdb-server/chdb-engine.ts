/**
 * The chDB side of the chDB server: one process owns the data folder and runs every query on
 * chDB sessions opened on it. Queries on one session run one at a time; each query gets its
 * own settings and database and leaves the session as it found it, so nothing a request sets
 * reaches the next one. Read-only sessions carry `readonly = 2`.
 *
 * chDB runs its input as a script of statements, so before anything runs, ClickHouse's own parser
 * (`formatQuerySingleLine`) confirms that the request holds exactly one statement; its re-printed
 * form, free of comments and ambiguity, is what the guards read (read-only sessions may not
 * assign `readonly`, which `readonly = DEFAULT` would lift in chDB; no INTO OUTFILE; ...).
 *
 * It talks to chDB's native binding for the two calls that `Session` does not expose as the
 * HTTP interface needs them: query parameters passed verbatim in ClickHouse's text form (the
 * `param_*` values clients send), and INSERT data handed over as bytes with the engine's count
 * of written rows.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Session } from 'chdb';
import {
  ANALYST_FORMATS,
  ANALYST_QUERY_SETTINGS,
  ANALYST_TABLE_FUNCTIONS,
  ANALYST_STATEMENTS,
  ANALYST_SYSTEM_TABLES,
  EXTERNAL_FUNCTIONS,
} from '../../common/clickhouse/external-functions.js';
import type { Logger } from '../../common/logging/logger.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';
import {
  assigns,
  dataStart,
  describeStatement,
  firstKeyword,
  insertCuts,
  quoteIdentifier,
  quoteString,
  readExplainAst,
  settingsAssignments,
  type StatementInfo,
  valuesDataIsSafe,
} from '../../common/clickhouse/clickhouse-sql.js';

interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
}
interface ChdbNative {
  QueryAsyncConnection(
    connection: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeResult>;
  InsertRawAsyncConnection(
    connection: unknown,
    prefix: string,
    data: Buffer,
    countLines: boolean,
  ): Promise<NativeInsertResult>;
}

function loadNative(): ChdbNative {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('chdb'));
  const loader = require(path.join(root, 'dist', 'loader.js')) as { loadNative: () => unknown };
  const native = loader.loadNative() as Partial<ChdbNative>;
  if (
    typeof native.QueryAsyncConnection !== 'function' ||
    typeof native.InsertRawAsyncConnection !== 'function'
  ) {
    throw new Error(
      'this chdb build lacks QueryAsyncConnection/InsertRawAsyncConnection; the chDB server needs chdb 3.4',
    );
  }
  return native as ChdbNative;
}
const native = loadNative();

/**
 * chDB shares query-parameter state between connections while a parameterized query runs, so
 * those queries must not overlap anywhere in the process (chdb's own queryBindAsync chains
 * them the same way).
 */
let paramChain: Promise<unknown> = Promise.resolve();
function exclusiveParams<T>(fn: () => Promise<T>): Promise<T> {
  const run = paramChain.then(fn, fn);
  paramChain = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

function engineError(err: unknown): ClickHouseServerError {
  if (err instanceof ClickHouseServerError) return err;
  return ClickHouseServerError.fromEngine(err instanceof Error ? err.message : String(err));
}

/** One chDB session on the shared data folder, with a queue: one query at a time. */
class ChdbSession {
  private tail: Promise<unknown> = Promise.resolve();
  pending = 0;
  /** The engine's current database (`USE`), or undefined when unknown. */
  currentDb: string | undefined;
  /** The database a request without `database` runs in: `default`, or what `USE` chose. */
  logicalDb = 'default';
  /** Settings this session changed at open (name -> value): what "unchanged" means here. */
  baseline = new Map<string, string>();
  broken = false;
  /** Set when the session could not be prepared; it then refuses every query. */
  initError: Error | undefined;
  replacing = false;
  lastUsed = Date.now();

  constructor(
    readonly session: Session,
    readonly readonly: boolean,
    /** HTTP session (session_id): SET and USE persist in it, as in ClickHouse. */
    readonly persistent: boolean,
  ) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(fn, fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.pending--;
      this.lastUsed = Date.now();
    });
  }

  idle(): Promise<unknown> {
    return this.tail;
  }

  async query(sql: string, format = 'TabSeparated', params?: Record<string, string>) {
    try {
      if (params && Object.keys(params).length)
        return await exclusiveParams(() =>
          native.QueryAsyncConnection(this.session.connection, sql, format, params),
        );
      return await native.QueryAsyncConnection(this.session.connection, sql, format);
    } catch (err) {
      throw engineError(err);
    }
  }

  async insert(prefix: string, data: Buffer): Promise<NativeInsertResult> {
    try {
      return await native.InsertRawAsyncConnection(this.session.connection, prefix, data, false);
    } catch (err) {
      throw engineError(err);
    }
  }

  /** One of the server's own queries, read back as JSON rows (see INTERNAL). */
  async rows<T>(sql: string): Promise<T[]> {
    const r = await this.query(sql + INTERNAL, 'JSONEachRow');
    return Buffer.from(r.bytes)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  }
}

export type Access = 'write' | 'read';

export interface QueryRequest {
  /** The authenticated user, for error messages and HTTP session keys. */
  user: string;
  /** 'read' runs on a read-only session (`readonly = 2`). */
  access: Access;
  /** The analyst user: no table functions that reach the host or the network. */
  restricted: boolean;
  /** GET on a writable HTTP session: only statements that read are accepted. */
  readOnlyStatement: boolean;
  sessionId?: string;
  sessionTimeoutS?: number;
  sessionCheck?: boolean;
  /** The `query` URL parameter (or multipart part), when given. */
  queryParam?: string;
  /** The request body: the query, or data after the query parameter. */
  body: Buffer;
  database?: string;
  /** Settings for this query only. */
  settings: [string, string][];
  /** `param_*` values in ClickHouse's text form. */
  params: Record<string, string>;
  defaultFormat?: string;
  /**
   * Aborted when the client went away. A query still waiting for its session is then dropped
   * unrun; one already running in chDB cannot be interrupted (chDB 3.x has no per-query cancel
   * through its binding), and ends at its max_execution_time.
   */
  signal?: AbortSignal;
}

export interface QueryResult {
  body: Buffer;
  format: string;
  kind: string;
  summary: Record<string, string>;
}

export interface EngineOptions {
  path: string;
  /** Sessions per pool (read-write, read-only). */
  sessions: number;
  log: Logger;
  /** Most concurrent HTTP sessions (session_id). */
  maxHttpSessions?: number;
  /**
   * Limits of the restricted (analyst) user, applied by the server after the query's own
   * settings: a request may lower them, never lift them (SQL_MAX_ROWS, SQL_MAX_SECONDS,
   * SQL_MAX_MEMORY_BYTES, SQL_MAX_RESULT_BYTES).
   */
  analystLimits?: AnalystLimits;
}

export interface AnalystLimits {
  maxRows: number;
  maxSeconds: number;
  maxMemoryBytes: number;
  maxResultBytes: number;
}

/** The capped settings and the limit each is capped by. */
const ANALYST_CAPS = {
  max_result_rows: 'maxRows',
  max_execution_time: 'maxSeconds',
  max_memory_usage: 'maxMemoryBytes',
  max_result_bytes: 'maxResultBytes',
} as const satisfies Record<string, keyof AnalystLimits>;
/** Request settings an analyst client may send besides the caps (which may only go lower). */
const ANALYST_OVERFLOW_MODES = new Set(['result_overflow_mode', 'timeout_overflow_mode']);

function constraint(message: string): ClickHouseServerError {
  return new ClickHouseServerError(ErrorCode.SETTING_CONSTRAINT_VIOLATION, message);
}

/**
 * ClickHouse's own databases: they describe the server (its queries, settings, logs), not
 * Backbeat's data. The analyst reads only ANALYST_SYSTEM_TABLES of them.
 */
const BUILTIN_DATABASES = new Set(['system', 'information_schema', 'INFORMATION_SCHEMA']);

const READ_KINDS = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXISTS',
  'EXPLAIN',
  'SET',
  'USE',
  'CHECK',
]);
const EMPTY = Buffer.alloc(0);
/**
 * Appended to the server's own queries on a session, so that limits and output settings a
 * client applied to it (`limit`, `max_result_rows`, JSON array output, ...) cannot truncate or
 * reshape what the server reads back.
 */
const INTERNAL =
  " SETTINGS limit = 0, offset = 0, max_result_rows = 0, max_result_bytes = 0, max_rows_to_read = 0, max_bytes_to_read = 0, max_execution_time = 0, result_overflow_mode = 'throw', output_format_json_array_of_rows = 0";
const DEFAULT_SESSION_TIMEOUT_S = 60;
const MAX_SESSION_TIMEOUT_S = 3600;

type Plan =
  | { mode: 'query'; sql: string }
  | {
      mode: 'insert';
      head: string;
      cuts: { prefix: string; format: string; data: () => Buffer }[];
    };

/**
 * Splits a request into statement and data the way ClickHouse does: the statement is the
 * `query` parameter, a line break and the body; an INSERT's data starts after `VALUES` or
 * after its format name. Returns candidates, confirmed later by the engine's own parser.
 */
function plan(queryParam: string | undefined, body: Buffer): Plan {
  if (queryParam !== undefined) {
    const cuts = insertCuts(queryParam);
    if (cuts.length) {
      return {
        mode: 'insert',
        head: queryParam,
        cuts: cuts.map((c) => ({
          prefix: queryParam.slice(0, c.end),
          format: c.format,
          data: () => {
            const rest = `${queryParam.slice(c.end)}\n`;
            const at = dataStart(rest, 0);
            return at >= rest.length ? body : Buffer.concat([Buffer.from(rest.slice(at)), body]);
          },
        })),
      };
    }
    return {
      mode: 'query',
      sql: body.length ? `${queryParam}\n${body.toString('utf8')}` : queryParam,
    };
  }
  // The whole statement is in the body; an INSERT head sits at its start (latin1 keeps byte offsets).
  const headBytes = body.subarray(0, 1 << 20);
  const latin = headBytes.toString('latin1');
  if (firstKeyword(latin.slice(0, 4096)) === 'INSERT') {
    const cuts = insertCuts(latin);
    if (cuts.length) {
      return {
        mode: 'insert',
        head: latin,
        cuts: cuts.map((c) => ({
          prefix: body.subarray(0, c.end).toString('utf8'),
          format: c.format,
          data: () => body.subarray(dataStart(body, c.end)),
        })),
      };
    }
  }
  return { mode: 'query', sql: body.toString('utf8') };
}

export class ChdbEngine {
  private readonly writers: ChdbSession[] = [];
  private readonly readers: ChdbSession[] = [];
  private readonly httpSessions = new Map<string, { s: ChdbSession; timer?: NodeJS.Timeout }>();
  private readonly canonicalCache = new Map<string, string>();
  private closing = false;
  version = '';
  timezone = 'UTC';

  private constructor(private readonly opts: EngineOptions) {}

  /** Opens the data folder (failing if another process holds it) and both session pools. */
  static async open(opts: EngineOptions): Promise<ChdbEngine> {
    const engine = new ChdbEngine(opts);
    for (let i = 0; i < opts.sessions; i++) engine.writers.push(engine.openSession(false));
    for (let i = 0; i < opts.sessions; i++) engine.readers.push(engine.openSession(true));
    const all = [...engine.writers, ...engine.readers];
    await Promise.all(all.map((s) => s.idle()));
    const failed = all.find((s) => s.initError);
    if (failed) throw failed.initError;
    const [info] = await engine.writers[0]!.rows<{ v: string; tz: string }>(
      'SELECT version() AS v, timezone() AS tz',
    );
    engine.version = info?.v ?? '';
    engine.timezone = info?.tz ?? 'UTC';
    return engine;
  }

  /**
   * Opens a session and queues its preparation first in its queue, so the session can take
   * queries at once: they run after it is prepared, or fail with the reason it could not be.
   */
  private openSession(readonly: boolean, persistent = false): ChdbSession {
    const s = new ChdbSession(new Session(this.opts.path), readonly, persistent);
    const ready = s.run(async () => {
      // A ClickHouse server quotes 64-bit integers in JSON by default; chDB does not. The larger
      // max_query_size leaves room for the statement check, which quotes the whole statement.
      await s.query('SET output_format_json_quote_64bit_integers = 1, max_query_size = 16777216');
      if (readonly) await s.query('SET readonly = 2');
      const changed = await s.rows<{ name: string; value: string }>(
        'SELECT name, value FROM system.settings WHERE changed',
      );
      s.baseline = new Map(changed.map((r) => [r.name, r.value]));
    });
    ready.catch((err: Error) => {
      s.initError = err;
      s.broken = true;
    });
    return s;
  }

  stats(): { writeQueue: number; readQueue: number; httpSessions: number } {
    const q = (p: ChdbSession[]) => p.reduce((n, s) => n + s.pending, 0);
    return {
      writeQueue: q(this.writers),
      readQueue: q(this.readers),
      httpSessions: this.httpSessions.size,
    };
  }

  get ready(): boolean {
    return !this.closing && this.writers.length > 0;
  }

  async execute(req: QueryRequest): Promise<QueryResult> {
    if (this.closing)
      throw new ClickHouseServerError(ErrorCode.UNKNOWN_EXCEPTION, 'the server is shutting down');
    if (req.sessionId !== undefined) return this.executeInHttpSession(req);
    const pool = req.access === 'read' ? this.readers : this.writers;
    const healthy = pool.filter((s) => !s.broken);
    const sess = (healthy.length ? healthy : pool).reduce((a, b) =>
      b.pending < a.pending ? b : a,
    );
    try {
      return await sess.run(() => this.executeUnlessGone(sess, req));
    } finally {
      if (sess.broken) void this.replace(pool, sess);
    }
  }

  private async executeInHttpSession(req: QueryRequest): Promise<QueryResult> {
    const timeoutS = req.sessionTimeoutS ?? DEFAULT_SESSION_TIMEOUT_S;
    if (!Number.isFinite(timeoutS) || timeoutS < 0 || timeoutS > MAX_SESSION_TIMEOUT_S) {
      throw new ClickHouseServerError(
        ErrorCode.INVALID_SESSION_TIMEOUT,
        `Session timeout ${req.sessionTimeoutS} is invalid: it must be between 0 and ${MAX_SESSION_TIMEOUT_S} seconds`,
      );
    }
    const key = `${req.user}\u0000${req.sessionId}`;
    let entry = this.httpSessions.get(key);
    if (!entry) {
      if (req.sessionCheck) {
        throw new ClickHouseServerError(
          ErrorCode.SESSION_NOT_FOUND,
          `Session ${req.sessionId} not found`,
        );
      }
      if (this.httpSessions.size >= (this.opts.maxHttpSessions ?? 64)) {
        throw new ClickHouseServerError(
          ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
          `Too many HTTP sessions: ${this.httpSessions.size}; close some or wait for them to expire`,
        );
      }
      entry = { s: this.openSession(req.access === 'read', true) };
      this.httpSessions.set(key, entry);
      this.opts.log.debug({ user: req.user, sessionId: req.sessionId }, 'http session opened');
    }
    const { s } = entry;
    if (entry.timer) clearTimeout(entry.timer);
    try {
      return await s.run(() => this.executeUnlessGone(s, req));
    } finally {
      const current = this.httpSessions.get(key);
      if (current?.s === s) {
        if (s.broken) {
          this.httpSessions.delete(key);
          void s.idle().then(() => s.session.close());
        } else {
          current.timer = setTimeout(() => void this.expire(key, s), timeoutS * 1000);
          current.timer.unref();
        }
      }
    }
  }

  private async expire(key: string, s: ChdbSession): Promise<void> {
    const entry = this.httpSessions.get(key);
    if (entry?.s !== s || s.pending > 0) return;
    this.httpSessions.delete(key);
    await s.idle();
    s.session.close();
  }

  /** Swaps a session whose state could not be restored for a fresh one. */
  private async replace(pool: ChdbSession[], old: ChdbSession): Promise<void> {
    if (old.replacing || this.closing || !pool.includes(old)) return;
    old.replacing = true;
    this.opts.log.warn(
      { readonly: old.readonly },
      'chdb session state could not be restored; replacing it',
    );
    try {
      const fresh = this.openSession(old.readonly);
      await fresh.idle();
      if (fresh.initError) throw fresh.initError;
      pool[pool.indexOf(old)] = fresh;
      await old.idle();
      old.session.close();
    } catch (err) {
      this.opts.log.error({ err }, 'could not open a replacement chdb session');
    }
  }

  /** ClickHouse's own parse of `sql`, re-printed on one line: one statement, or an error. */
  private async canonical(sess: ChdbSession, sql: string): Promise<string> {
    const cached = this.canonicalCache.get(sql);
    if (cached !== undefined) return cached;
    if (!sql.trim()) throw new ClickHouseServerError(ErrorCode.SYNTAX_ERROR, 'Empty query');
    let rows: { q: string }[];
    try {
      rows = await sess.rows<{ q: string }>(
        `SELECT formatQuerySingleLine(${quoteString(sql)}) AS q`,
      );
    } catch (err) {
      const e = engineError(err);
      // Report the parse error of the client's statement, not of the wrapper around it.
      const at = e.text.lastIndexOf(': In scope SELECT formatQuerySingleLine(');
      if (at < 0) throw e;
      const text = e.text.slice(0, at).trimEnd() + e.text.slice(e.text.lastIndexOf(' ('));
      throw new ClickHouseServerError(e.code, text, { type: e.type, text });
    }
    const q = rows[0]?.q ?? '';
    if (sql.length <= 65_536) {
      if (this.canonicalCache.size >= 2000) this.canonicalCache.clear();
      this.canonicalCache.set(sql, q);
    }
    return q;
  }

  private executeUnlessGone(sess: ChdbSession, req: QueryRequest): Promise<QueryResult> {
    if (req.signal?.aborted)
      return Promise.reject(
        new ClickHouseServerError(
          ErrorCode.QUERY_WAS_CANCELLED,
          'Query was cancelled: the client closed the connection before it ran',
        ),
      );
    return this.executeOn(sess, req);
  }

  private async executeOn(sess: ChdbSession, req: QueryRequest): Promise<QueryResult> {
    if (sess.initError) throw engineError(sess.initError);
    const t0 = process.hrtime.bigint();
    const p = plan(req.queryParam, req.body);

    const db = req.database ?? sess.logicalDb;
    if (sess.currentDb !== db) {
      sess.currentDb = undefined;
      await sess.query(`USE ${quoteIdentifier(db)}`);
      sess.currentDb = db;
    }

    const settings = req.restricted ? this.analystRequestSettings(req.settings) : req.settings;
    const names = [...new Set(settings.map(([k]) => k))];
    let restore: Map<string, string | undefined> | undefined;
    if (names.length) {
      for (const n of names)
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
          throw new ClickHouseServerError(ErrorCode.UNKNOWN_SETTING, `Unknown setting '${n}'`);
      const values = await this.restoreValues(sess, names);
      // One SET: it applies all of its settings or, on any error, none.
      await sess.query(`SET ${settings.map(([k, v]) => `${k} = ${quoteString(v)}`).join(', ')}`);
      restore = values;
    }
    let info: StatementInfo | undefined;
    try {
      const resolved = await this.resolve(sess, p);
      info = resolved.info;
      this.guard(sess, req, info);
      if (req.restricted) await this.checkAnalystStatement(sess, req, resolved.canonical, info);
      const format = req.defaultFormat ?? 'TabSeparated';
      let summary: Record<string, string>;
      let body: Buffer = EMPTY;
      if (resolved.insert) {
        const { prefix, data, format: dataFormat } = resolved.insert;
        if (dataFormat.toLowerCase() === 'values' && !valuesDataIsSafe(data.toString('utf8'))) {
          throw new ClickHouseServerError(
            ErrorCode.SYNTAX_ERROR,
            'Syntax error (Multi-statements are not allowed): Values data may hold rows only; the chDB server refuses a ";" followed by more text, comments, heredocs and quoted identifiers in it',
          );
        }
        summary = writeSummary(await this.insertData(sess, prefix, data), t0);
      } else if (info.kind === 'INSERT' && !Object.keys(req.params).length) {
        summary = writeSummary(await sess.insert(resolved.sql, EMPTY), t0);
      } else {
        const r = await sess.query(resolved.sql, format, req.params);
        body = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
        summary = readSummary(r, t0);
      }
      await this.afterStatement(sess, info);
      return {
        body,
        format: resolved.insert ? format : (info.format ?? format),
        kind: info.kind,
        summary,
      };
    } finally {
      // A SET statement first: it may have made the session read-only, which the rest needs undone.
      if (info?.kind === 'SET' && !sess.persistent) await this.restoreBaseline(sess, info.assigned);
      if (restore) await this.restore(sess, restore);
    }
  }

  private async insertData(sess: ChdbSession, prefix: string, data: Buffer) {
    try {
      return await sess.insert(prefix, data);
    } catch (err) {
      // An empty body inserts nothing, as on a ClickHouse server.
      if (
        (err as ClickHouseServerError).code === ErrorCode.NO_DATA_TO_INSERT &&
        !data.toString('latin1').trim()
      )
        return { elapsed: 0, rowsWritten: 0, bytesWritten: 0 };
      throw err;
    }
  }

  /** Confirms the statement with the engine's parser and picks the INSERT data cut. */
  private async resolve(
    sess: ChdbSession,
    p: Plan,
  ): Promise<{
    sql: string;
    canonical: string;
    info: StatementInfo;
    insert?: { prefix: string; data: Buffer; format: string };
  }> {
    if (p.mode === 'insert') {
      let firstError: unknown;
      for (const cut of p.cuts) {
        try {
          const canonical = await this.canonical(sess, cut.prefix);
          const info = describeStatement(canonical);
          if (info.kind === 'INSERT' && info.format?.toLowerCase() === cut.format.toLowerCase()) {
            return {
              sql: cut.prefix,
              canonical,
              info,
              insert: { prefix: cut.prefix, data: cut.data(), format: cut.format },
            };
          }
        } catch (err) {
          firstError ??= err;
        }
      }
      throw (
        firstError ??
        new ClickHouseServerError(
          ErrorCode.SYNTAX_ERROR,
          'Syntax error: cannot find where the data of this INSERT begins',
        )
      );
    }
    const canonical = await this.canonical(sess, p.sql);
    const info = describeStatement(canonical);
    if (info.kind === 'INSERT' && info.format) {
      // Inline data that the cut search did not find: refuse rather than run it as a script.
      throw new ClickHouseServerError(
        ErrorCode.NOT_IMPLEMENTED,
        'cannot find where the data of this INSERT begins; send the data in the request body after the INSERT ... FORMAT statement',
      );
    }
    return { sql: p.sql, canonical, info };
  }

  /**
   * The restricted user's request settings: the caps may only be lowered (a value above the
   * cap, or 0 meaning "no limit", is refused), overflow modes stay `throw`, other settings must
   * be on the analyst allow list; then every cap not given is added, so each analyst query
   * runs with every limit whatever the client sent.
   */
  private analystRequestSettings(given: [string, string][]): [string, string][] {
    const limits = this.opts.analystLimits;
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
  private async checkAnalystStatement(
    sess: ChdbSession,
    req: QueryRequest,
    canonical: string,
    info: StatementInfo,
  ): Promise<void> {
    const denied = (what: string) =>
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
        e.code,
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
    this.checkAnalystTables(sess, req, facts, denied);
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
   * system allow list (ANALYST_SYSTEM_TABLES). Unqualified names resolve in the request's
   * database; a dotted identifier whose first part is a built-in database
   * (`x IN system.processes`) names a table too.
   */
  private checkAnalystTables(
    sess: ChdbSession,
    req: QueryRequest,
    facts: ReturnType<typeof readExplainAst>,
    denied: (what: string) => ClickHouseServerError,
  ): void {
    const check = (db: string, table: string) => {
      if (!BUILTIN_DATABASES.has(db)) return;
      if (db === 'system' && table !== '' && ANALYST_SYSTEM_TABLES.has(table.toLowerCase())) return;
      throw denied(table ? `the table ${db}.${table}` : `the database ${db}`);
    };
    const current = req.database ?? sess.logicalDb;
    for (const t of facts.tables) {
      const dot = t.indexOf('.');
      if (dot < 0) check(current, t);
      else check(t.slice(0, dot), t.slice(dot + 1));
    }
    for (const d of facts.dotted) {
      const [db = '', table = ''] = d.split('.');
      if (BUILTIN_DATABASES.has(db)) check(db, table);
    }
  }

  private guard(sess: ChdbSession, req: QueryRequest, info: StatementInfo): void {
    if (info.intoOutfile)
      throw new ClickHouseServerError(
        ErrorCode.INTO_OUTFILE_NOT_ALLOWED,
        'INTO OUTFILE is not allowed',
      );
    if (info.fromInfile)
      throw new ClickHouseServerError(
        ErrorCode.UNKNOWN_TYPE_OF_QUERY,
        'Query has infile and was send directly to server',
      );
    if (assigns(info, 'dialect'))
      throw new ClickHouseServerError(
        ErrorCode.BAD_ARGUMENTS,
        "The chDB server runs ClickHouse SQL only: 'dialect' cannot be changed",
      );
    // `readonly = DEFAULT` lifts read-only mode in chDB; a read-only session never lets it through.
    if (sess.readonly && assigns(info, 'readonly'))
      throw new ClickHouseServerError(
        ErrorCode.READONLY,
        "Cannot modify 'readonly' setting in readonly mode",
      );
    if (req.readOnlyStatement && !READ_KINDS.has(info.kind))
      throw new ClickHouseServerError(
        ErrorCode.READONLY,
        `${req.user}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries`,
      );
    if (req.restricted) {
      // A first cheap look at the re-printed text; checkAnalystStatement reads the engine's tree.
      const fn = [...info.calls].find((c) => EXTERNAL_FUNCTIONS.has(c));
      if (fn)
        throw new ClickHouseServerError(
          ErrorCode.ACCESS_DENIED,
          `${req.user}: Not enough privileges. The read-only user may not use ${fn}(), which reads the server's files or the network`,
        );
    }
  }

  /** What to put back after the query: the session's current values of `names`. */
  private async restoreValues(
    sess: ChdbSession,
    names: string[],
  ): Promise<Map<string, string | undefined>> {
    if (!sess.persistent) return new Map(names.map((n) => [n, sess.baseline.get(n)]));
    const rows = await sess.rows<{ name: string; value: string; changed: number }>(
      `SELECT name, value, changed FROM system.settings WHERE name IN (${names.map(quoteString).join(', ')})`,
    );
    const current = new Map(rows.map((r) => [r.name, r.changed ? r.value : undefined]));
    return new Map(names.map((n) => [n, current.get(n)]));
  }

  private async restore(sess: ChdbSession, values: Map<string, string | undefined>): Promise<void> {
    if (!values.size) return;
    const sets = [...values].map(
      ([k, v]) => `${k} = ${v === undefined ? 'DEFAULT' : quoteString(v)}`,
    );
    try {
      await sess.query(`SET ${sets.join(', ')}`);
    } catch (err) {
      sess.broken = true;
      this.opts.log.error({ err, settings: [...values.keys()] }, 'could not reset settings');
    }
  }

  /** After a SET outside an HTTP session: every setting back to the session's baseline. */
  private async restoreBaseline(sess: ChdbSession, assigned: Set<string>): Promise<void> {
    // First the settings the statement names, without reading anything back ...
    const named = [...assigned].filter((n) => /^[a-z_][a-z0-9_]*$/i.test(n) && n !== 'profile');
    if (named.length)
      await this.restore(sess, new Map(named.map((n) => [n, sess.baseline.get(n)])));
    // ... then whatever else changed (a settings profile changes many at once).
    try {
      const changed = await sess.rows<{ name: string; value: string }>(
        'SELECT name, value FROM system.settings WHERE changed',
      );
      const now = new Map(changed.map((r) => [r.name, r.value]));
      const values = new Map<string, string | undefined>();
      for (const [k, v] of now) if (sess.baseline.get(k) !== v) values.set(k, sess.baseline.get(k));
      for (const [k, v] of sess.baseline) if (!now.has(k)) values.set(k, v);
      await this.restore(sess, values);
      if (sess.readonly) {
        const [ro] = await sess.rows<{ r: string }>("SELECT getSetting('readonly') AS r");
        if (String(ro?.r) !== '2') sess.broken = true;
      }
    } catch (err) {
      sess.broken = true;
      this.opts.log.error({ err }, 'could not restore session settings');
    }
  }

  private async afterStatement(sess: ChdbSession, info: StatementInfo): Promise<void> {
    if (info.kind === 'USE') {
      if (sess.persistent) {
        const [row] = await sess.rows<{ db: string }>('SELECT currentDatabase() AS db');
        sess.logicalDb = row?.db ?? 'default';
        sess.currentDb = sess.logicalDb;
      } else {
        sess.currentDb = undefined;
      }
    }
    if (info.temporary && !sess.persistent) {
      // Temporary tables live as long as the HTTP session; without one, as long as the query.
      const temps = await sess.rows<{ name: string }>(
        'SELECT name FROM system.tables WHERE is_temporary',
      );
      for (const t of temps)
        await sess.query(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdentifier(t.name)}`);
    }
  }

  /** Stops taking queries, waits up to `graceMs` for running ones, then closes every session. */
  async close(graceMs = 15_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const all = [
      ...this.writers,
      ...this.readers,
      ...[...this.httpSessions.values()].map((e) => e.s),
    ];
    for (const e of this.httpSessions.values()) if (e.timer) clearTimeout(e.timer);
    this.httpSessions.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(all.map((s) => s.idle())),
      new Promise((r) => (timer = setTimeout(r, graceMs))),
    ]);
    clearTimeout(timer);
    for (const s of all) s.session.close();
  }
}

function ns(t0: bigint): string {
  return String(process.hrtime.bigint() - t0);
}

function readSummary(r: NativeResult, t0: bigint): Record<string, string> {
  return {
    read_rows: String(r.rowsRead ?? 0),
    read_bytes: String(r.bytesRead ?? 0),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: '0',
    result_rows: String(r.rowsRead ?? 0),
    result_bytes: String(r.bytesRead ?? 0),
    elapsed_ns: ns(t0),
  };
}

function writeSummary(r: NativeInsertResult, t0: bigint): Record<string, string> {
  return {
    read_rows: String(r.rowsWritten ?? 0),
    read_bytes: String(r.bytesWritten ?? 0),
    written_rows: String(r.rowsWritten ?? 0),
    written_bytes: String(r.bytesWritten ?? 0),
    total_rows_to_read: '0',
    result_rows: '0',
    result_bytes: '0',
    elapsed_ns: ns(t0),
  };
}
