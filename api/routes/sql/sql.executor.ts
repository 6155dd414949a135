import type { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { BackbeatError } from '../../../common/errors/backbeat.error.js';

/** Result formats an analyst may ask for, and the content type each is answered with. */
export const SQL_FORMATS = {
  JSON: 'application/json; charset=utf-8',
  JSONEachRow: 'application/x-ndjson; charset=utf-8',
  CSV: 'text/csv; charset=utf-8',
  TSV: 'text/tab-separated-values; charset=utf-8',
} as const;
export type SqlFormat = keyof typeof SQL_FORMATS;
export const isSqlFormat = (f: unknown): f is SqlFormat =>
  typeof f === 'string' && Object.hasOwn(SQL_FORMATS, f);

export interface SqlLimits {
  maxRows: number;
  maxSeconds: number;
  /** max_memory_usage (SQL_MAX_MEMORY_BYTES). */
  maxMemoryBytes?: number;
  /** max_result_bytes (SQL_MAX_RESULT_BYTES). */
  maxResultBytes?: number;
}

/**
 * A refused or failed analyst query, mapped to an HTTP answer. `code` is the problem code the
 * API answers with (`sql-timeout`, `clickhouse-busy`, ...); a 503 (ClickHouse unreachable or
 * busy) is retriable, a 400 (the query itself is refused) is not.
 */
export class AnalystSqlError extends BackbeatError {
  constructor(
    readonly status: 400 | 503,
    code: string,
    readonly title: string,
    message: string,
    readonly clickhouse?: { code: number; type: string },
  ) {
    super(code, message, { retriable: status === 503 });
  }
}

/**
 * The settings every analyst query runs with. `readonly = 2`: reads and setting changes only,
 * and `readonly` itself cannot be lowered. The limits throw (never truncate silently).
 * `wait_end_of_query` makes a ClickHouse server finish the query before it answers, so a
 * limit hit is an error status, not a half-sent body.
 */
export function analystSettings(limits: SqlLimits, format: SqlFormat) {
  return {
    readonly: '2',
    max_execution_time: limits.maxSeconds,
    max_result_rows: String(limits.maxRows),
    ...(limits.maxMemoryBytes ? { max_memory_usage: String(limits.maxMemoryBytes) } : {}),
    ...(limits.maxResultBytes ? { max_result_bytes: String(limits.maxResultBytes) } : {}),
    result_overflow_mode: 'throw',
    timeout_overflow_mode: 'throw',
    default_format:
      format === 'TSV' ? 'TabSeparatedWithNames' : format === 'CSV' ? 'CSVWithNames' : format,
    wait_end_of_query: 1,
  } as const;
}

/**
 * Runs one (already checked) analyst statement as the analyst user and returns the raw result
 * body as a stream, in the requested format. ClickHouse errors become AnalystSqlError with
 * ClickHouse's code and message; an unreachable ClickHouse is a 503.
 */
export async function runAnalystQuery(
  client: ClickHouseClient,
  req: {
    query: string;
    format: SqlFormat;
    limits: SqlLimits;
    signal?: AbortSignal;
    queryId?: string;
  },
): Promise<{ stream: Readable; queryId: string; summary: { rows?: number; readRows?: number } }> {
  try {
    const res = await client.exec({
      query: req.query,
      clickhouse_settings: analystSettings(req.limits, req.format),
      ...(req.signal ? { abort_signal: req.signal } : {}),
      ...(req.queryId ? { query_id: req.queryId } : {}),
    });
    const header = res.response_headers['x-clickhouse-summary'];
    let summary: { rows?: number; readRows?: number } = {};
    try {
      const s = JSON.parse(String(header ?? '{}')) as Record<string, string>;
      summary = { rows: Number(s.result_rows ?? 0), readRows: Number(s.read_rows ?? 0) };
    } catch {
      summary = {};
    }
    return { stream: res.stream, queryId: res.query_id, summary };
  } catch (err) {
    throw toAnalystError(err, req.limits);
  }
}

export function toAnalystError(err: unknown, limits: SqlLimits): AnalystSqlError {
  const e = err as Error & { code?: string; type?: string };
  const chCode = Number(e.code);
  if (!Number.isInteger(chCode) || !e.type) {
    return new AnalystSqlError(
      503,
      'clickhouse-unavailable',
      'ClickHouse is unavailable',
      `ClickHouse did not answer: ${e.message}`,
    );
  }
  const ch = { code: chCode, type: e.type };
  const message = e.message.trim();
  switch (e.type) {
    case 'TIMEOUT_EXCEEDED':
      return new AnalystSqlError(
        400,
        'sql-timeout',
        `The query ran longer than the limit of ${limits.maxSeconds} s (SQL_MAX_SECONDS)`,
        message,
        ch,
      );
    case 'TOO_MANY_ROWS_OR_BYTES':
    case 'TOO_MANY_ROWS':
      return new AnalystSqlError(
        400,
        'sql-too-many-rows',
        `The result has more than ${limits.maxRows} rows (SQL_MAX_ROWS): aggregate or add a LIMIT`,
        message,
        ch,
      );
    case 'MEMORY_LIMIT_EXCEEDED':
      return new AnalystSqlError(
        400,
        'sql-too-much-memory',
        `The query needs more memory than the limit of ${limits.maxMemoryBytes ?? '?'} bytes (SQL_MAX_MEMORY_BYTES)`,
        message,
        ch,
      );
    case 'SETTING_CONSTRAINT_VIOLATION':
      return new AnalystSqlError(
        400,
        'sql-setting-refused',
        'The query may not change that setting: the limits are set by the server',
        message,
        ch,
      );
    case 'ACCESS_DENIED':
      return new AnalystSqlError(
        400,
        'sql-not-allowed',
        'ClickHouse refused the query: it uses a function, format or clause analysts may not use',
        message,
        ch,
      );
    case 'READONLY':
    case 'NOT_ENOUGH_PRIVILEGES':
      return new AnalystSqlError(
        400,
        'sql-read-only',
        'ClickHouse refused the query: the analyst user only reads',
        message,
        ch,
      );
    case 'TOO_MANY_SIMULTANEOUS_QUERIES':
      return new AnalystSqlError(503, 'clickhouse-busy', 'ClickHouse is busy; retry', message, ch);
    default:
      return new AnalystSqlError(
        400,
        'sql-error',
        `ClickHouse refused the query (${e.type})`,
        message,
        ch,
      );
  }
}
