/**
 * The parts of ClickHouse's HTTP protocol that are plain data: error codes and their names,
 * the HTTP status ClickHouse answers for each (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp),
 * result content types, and the URL parameters that are not settings.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/** ClickHouse error codes the chDB server raises itself (the engine's own carry their codes). */
export const ErrorCode = {
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_TYPE_OF_QUERY: 78,
  UNKNOWN_COMPRESSION_METHOD: 89,
  NO_DATA_TO_INSERT: 108,
  UNKNOWN_SETTING: 115,
  READONLY: 164,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  SESSION_NOT_FOUND: 372,
  INVALID_SESSION_TIMEOUT: 374,
  QUERY_WAS_CANCELLED: 394,
  SETTING_CONSTRAINT_VIOLATION: 452,
  ACCESS_DENIED: 497,
  UNKNOWN_ROLE: 511,
  AUTHENTICATION_FAILED: 516,
  UNKNOWN_EXCEPTION: 1002,
} as const;

const NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/**
 * ClickHouse codes for a busy or briefly unavailable server, where the same request may succeed
 * later: TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT, CANNOT_SCHEDULE_TASK.
 */
const RETRIABLE_CODES = new Set<number>([ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES, 209, 439]);

/**
 * An error answered the way ClickHouse answers it: `Code: N. DB::Exception: ... (NAME)`.
 * `errorCode` is ClickHouse's numeric exception code (it picks the HTTP status and the
 * `X-ClickHouse-Exception-Code` header); `code` is Backbeat's, `CLICKHOUSE_<NAME>`.
 */
export class ClickHouseServerError extends BackbeatError {
  /** ClickHouse's numeric exception code (`Code: N.`). */
  readonly errorCode: number;
  /** ClickHouse's exception name (`UNKNOWN_TABLE`, ...). */
  readonly type: string;
  /** The engine's own exception text, when the error came from the engine. */
  private readonly engineText: string | undefined;

  constructor(
    errorCode: number,
    message: string,
    opts: { type?: string; text?: string; retriable?: boolean; cause?: unknown } = {},
  ) {
    const type = opts.type ?? NAMES.get(errorCode) ?? 'UNKNOWN_EXCEPTION';
    super(`CLICKHOUSE_${type}`, message, {
      retriable: opts.retriable ?? RETRIABLE_CODES.has(errorCode),
      cause: opts.cause,
    });
    this.errorCode = errorCode;
    this.type = type;
    this.engineText = opts.text;
  }

  /** The exception text without the version suffix. */
  get text(): string {
    return (
      this.engineText ?? `Code: ${this.errorCode}. DB::Exception: ${this.message}. (${this.type})`
    );
  }

  /** The HTTP status ClickHouse answers this error with. */
  get httpStatus(): number {
    return httpStatusFor(this.errorCode);
  }

  /** An engine error message (`Code: 60. DB::Exception: ... (UNKNOWN_TABLE)`) as an error. */
  static fromEngine(message: string): ClickHouseServerError {
    const m = /^Code: (\d+)\./.exec(message);
    if (!m) return new ClickHouseServerError(ErrorCode.UNKNOWN_EXCEPTION, message.trim());
    const text = message.trim();
    const type = /\((?<type>[A-Z0-9_]{3,})\)[\s.]*(\(version [^)]*\)[\s.]*)?$/.exec(text)?.groups
      ?.type;
    return new ClickHouseServerError(Number(m[1]), text, { text, ...(type ? { type } : {}) });
  }
}

/** Any error the engine threw, as a ClickHouse error (its own code and text when it has them). */
export function engineError(err: unknown): ClickHouseServerError {
  if (err instanceof ClickHouseServerError) return err;
  return ClickHouseServerError.fromEngine(err instanceof Error ? err.message : String(err));
}

// Codes per status, as in ClickHouse's exceptionCodeToHTTPStatus (numbers from errorCodeToName).
const STATUS: [number, number[]][] = [
  [401, [194]], // REQUIRED_PASSWORD
  [403, [192, 193, 516, 512, 497]], // UNKNOWN_USER .. AUTHENTICATION_FAILED, ACCESS_DENIED
  // BAD_ARGUMENTS, CANNOT_PARSE_*, ILLEGAL_COLUMN, AST limits, SYNTAX_ERROR, INCORRECT_DATA, ...
  [
    400,
    [
      36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62,
      117, 53, 321, 452,
    ],
  ],
  // UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _DATABASE, _SETTING, ..., _ROLE
  [404, [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511]],
  [413, [229]], // QUERY_IS_TOO_LARGE
  [501, [48]], // NOT_IMPLEMENTED
  [503, [209, 76, 439]], // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
  [411, [381]], // HTTP_LENGTH_REQUIRED
  [408, [159]], // TIMEOUT_EXCEEDED
  [415, [779]], // UNSUPPORTED_MEDIA_TYPE
];
const STATUS_BY_CODE = new Map<number, number>(
  STATUS.flatMap(([status, codes]) => codes.map((c) => [c, status] as [number, number])),
);

/** The HTTP status ClickHouse's HTTP handler answers for an exception code. */
export function httpStatusFor(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}

const BINARY_FORMATS = new Set(
  [
    'Native',
    'RowBinary',
    'RowBinaryWithNames',
    'RowBinaryWithNamesAndTypes',
    'RowBinaryWithDefaults',
    'Parquet',
    'Arrow',
    'ArrowStream',
    'ORC',
    'Avro',
    'AvroConfluent',
    'Protobuf',
    'ProtobufSingle',
    'ProtobufList',
    'CapnProto',
    'MsgPack',
    'BSONEachRow',
    'RawBLOB',
    'Npy',
  ].map((f) => f.toLowerCase()),
);

/** The Content-Type ClickHouse sends for a result in `format`. */
export function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json') || f === 'ndjson' || f === 'jsonl')
    return 'application/json; charset=UTF-8';
  if (f === 'csv' || f === 'csvwithnamesandtypes') return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=present';
  if (f === 'tabseparated' || f === 'tsv' || f === 'tabseparatedraw' || f === 'tsvraw')
    return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (BINARY_FORMATS.has(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/**
 * URL parameters of the HTTP interface that are not settings of the query. Of these, the
 * server acts on query, database, default_format, query_id, session_*, user, password,
 * compress, decompress, role, param_*; the rest only matter to a network server and are
 * accepted and ignored.
 */
export const NON_SETTING_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'stacktrace',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'role',
  'client_protocol_version',
  'close_session',
]);

/**
 * Settings that belong to the HTTP layer, not to the engine: the server either acts on them
 * itself (compression) or has nothing to do (progress headers, response buffering).
 * `chdb/connection` drops the same ones; `http_*` covers the rest of the family.
 */
export function isHttpOnlySetting(name: string): boolean {
  return (
    name.startsWith('http_') ||
    name === 'enable_http_compression' ||
    name === 'send_progress_in_http_headers' ||
    name === 'cancel_http_readonly_queries_on_client_close' ||
    name === 'add_http_cors_header' ||
    name === 'wait_end_of_query'
  );
}
