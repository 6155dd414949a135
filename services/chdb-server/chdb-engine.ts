/**
 * The chDB side of the chDB server: one process owns the data folder and runs every query on
 * chDB sessions opened on it. Queries on one session run one at a time; each query gets its
 * own settings and database and leaves the session as it found it, so nothing a request sets
 * reaches the next one. Read-only sessions carry `readonly = 2`.
 *
 * This module composes the jobs, one file each:
 * - `chdb-binding.ts`: chDB's native binding (verbatim query parameters, INSERT data as bytes);
 * - `chdb-session.ts`, `session-pool.ts`: prepared sessions with a queue, in two pools;
 * - `http-sessions.ts`: `session_id` sessions and their idle expiry;
 * - `statement-plan.ts`, `sql-cache.ts`: one statement confirmed by ClickHouse's own parser
 *   (`formatQuerySingleLine`), its re-printed form cached;
 * - `statement-guard.ts`, `analyst-guard.ts`: the checks on that re-printed form, and the
 *   analyst's limits, allow lists and `EXPLAIN AST` check;
 * - `settings-snapshot.ts`: request settings applied, and the session's settings put back.
 */
import { quoteIdentifier, valuesDataIsSafe } from '../../common/clickhouse/clickhouse-sql.js';
import type { StatementInfo } from '../../common/clickhouse/clickhouse-sql.js';
import type { Logger } from '../../common/logging/logger.js';
import { analystRequestSettings, checkAnalystStatement } from './analyst-guard.js';
import type { NativeInsertResult, NativeResult } from './chdb-binding.js';
import type { AnalystLimits, QueryRequest, QueryResult } from './chdb-query.types.js';
import { openChdbSession, type ChdbSession } from './chdb-session.js';
import { ClickHouseServerError, ErrorCode, engineError } from './clickhouse-protocol.js';
import { HttpSessions } from './http-sessions.js';
import { SessionPool } from './session-pool.js';
import { applyRequestSettings, restoreBaseline, restoreSettings } from './settings-snapshot.js';
import { SqlCache } from './sql-cache.js';
import { guardStatement } from './statement-guard.js';
import { planStatement, resolveStatement } from './statement-plan.js';

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

const EMPTY = Buffer.alloc(0);

export class ChdbEngine {
  private readonly writers: SessionPool;
  private readonly readers: SessionPool;
  private readonly httpSessions: HttpSessions<ChdbSession>;
  private readonly sqlCache = new SqlCache();
  private closing = false;
  version = '';
  timezone = 'UTC';

  private constructor(private readonly opts: EngineOptions) {
    const { path, sessions: size, log } = opts;
    this.writers = new SessionPool({ path, size, readonly: false }, { log });
    this.readers = new SessionPool({ path, size, readonly: true }, { log });
    this.httpSessions = new HttpSessions(
      { maxSessions: opts.maxHttpSessions ?? 64 },
      { open: (readonly) => openChdbSession(path, readonly, true), log },
    );
  }

  /** Opens the data folder (failing if another process holds it) and both session pools. */
  static async open(opts: EngineOptions): Promise<ChdbEngine> {
    const engine = new ChdbEngine(opts);
    const prepared = await Promise.allSettled([engine.writers.ready(), engine.readers.ready()]);
    for (const p of prepared) if (p.status === 'rejected') throw p.reason;
    const [info] = await engine.writers.all[0]!.rows<{ v: string; tz: string }>(
      'SELECT version() AS v, timezone() AS tz',
    );
    engine.version = info?.v ?? '';
    engine.timezone = info?.tz ?? 'UTC';
    return engine;
  }

  stats(): { writeQueue: number; readQueue: number; httpSessions: number } {
    return {
      writeQueue: this.writers.pending(),
      readQueue: this.readers.pending(),
      httpSessions: this.httpSessions.size,
    };
  }

  get ready(): boolean {
    return !this.closing && this.writers.all.length > 0;
  }

  async execute(req: QueryRequest): Promise<QueryResult> {
    if (this.closing)
      throw new ClickHouseServerError(ErrorCode.UNKNOWN_EXCEPTION, 'the server is shutting down', {
        retriable: true,
      });
    if (req.sessionId !== undefined) return this.executeInHttpSession(req, req.sessionId);
    const pool = req.access === 'read' ? this.readers : this.writers;
    return pool.run((sess) => this.executeUnlessGone(sess, req));
  }

  private async executeInHttpSession(req: QueryRequest, sessionId: string): Promise<QueryResult> {
    const lease = this.httpSessions.acquire({
      user: req.user,
      sessionId,
      readonly: req.access === 'read',
      ...(req.sessionTimeoutS !== undefined ? { timeoutS: req.sessionTimeoutS } : {}),
      ...(req.sessionCheck !== undefined ? { check: req.sessionCheck } : {}),
    });
    const s = lease.session;
    try {
      return await s.run(() => this.executeUnlessGone(s, req));
    } finally {
      lease.release();
    }
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
    const p = planStatement(req.queryParam, req.body);

    const db = req.database ?? sess.logicalDb;
    if (sess.currentDb !== db) {
      sess.currentDb = undefined;
      await sess.query(`USE ${quoteIdentifier(db)}`);
      sess.currentDb = db;
    }

    const settings = req.restricted
      ? analystRequestSettings(req.settings, this.opts.analystLimits)
      : req.settings;
    const restore = await applyRequestSettings(sess, settings);
    let info: StatementInfo | undefined;
    try {
      const resolved = await resolveStatement(sess, p, this.sqlCache);
      info = resolved.info;
      guardStatement(sess, req, info);
      if (req.restricted) await checkAnalystStatement(sess, req, resolved.canonical, info);
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
      if (info?.kind === 'SET' && !sess.persistent)
        await restoreBaseline(sess, info.assigned, this.opts.log);
      if (restore) await restoreSettings(sess, restore, this.opts.log);
    }
  }

  private async insertData(sess: ChdbSession, prefix: string, data: Buffer) {
    try {
      return await sess.insert(prefix, data);
    } catch (err) {
      // An empty body inserts nothing, as on a ClickHouse server.
      if (
        (err as ClickHouseServerError).errorCode === ErrorCode.NO_DATA_TO_INSERT &&
        !data.toString('latin1').trim()
      )
        return { elapsed: 0, rowsWritten: 0, bytesWritten: 0 };
      throw err;
    }
  }

  /** What a statement leaves behind: the current database after USE, temporary tables. */
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
    const all = [...this.writers.stop(), ...this.readers.stop(), ...this.httpSessions.drain()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(all.map((s) => s.idle())),
      new Promise((r) => (timer = setTimeout(r, graceMs))),
    ]);
    clearTimeout(timer);
    for (const s of all) s.close();
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
