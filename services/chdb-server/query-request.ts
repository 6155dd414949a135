/**
 * One HTTP request as the engine's QueryRequest, read as ClickHouse's HTTP interface reads it:
 * the statement is the `query` parameter (or multipart part) and the body; `param_*` are query
 * parameters; `database`, `default_format`, `session_*` and `readonly` act as in ClickHouse;
 * every other parameter is a setting of this query only. GET (and `readonly=1`) runs read-only.
 */
import type { ChdbUser } from './chdb-auth.js';
import type { Access, QueryRequest } from './chdb-query.types.js';
import {
  ClickHouseServerError,
  ErrorCode,
  NON_SETTING_PARAMS,
  isHttpOnlySetting,
} from './clickhouse-protocol.js';
import { parseMultipart } from './http-body.js';

export interface HttpQuery {
  method: string;
  params: URLSearchParams;
  header: (name: string) => string | undefined;
  /** The authenticated user. */
  user: ChdbUser;
  /** The request body as read (empty for GET and HEAD). */
  body: Buffer;
  /** Aborted when the client went away. */
  signal?: AbortSignal;
}

export function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

export function buildQueryRequest(http: HttpQuery): QueryRequest {
  const { params, user } = http;
  const isGet = isReadMethod(http.method);
  const parts = parseMultipart(http.header('content-type'), http.body);
  const body = parts ? Buffer.alloc(0) : http.body;
  const queryParam = parts?.get('query') ?? params.get('query') ?? undefined;
  for (const p of ['compress', 'decompress'])
    if (params.get(p) === '1')
      throw new ClickHouseServerError(
        ErrorCode.NOT_IMPLEMENTED,
        `${p}=1 (ClickHouse's native block compression) is not supported by the chDB server; use HTTP compression`,
      );
  const role = params.get('role');
  if (role !== null)
    throw new ClickHouseServerError(
      ErrorCode.UNKNOWN_ROLE,
      `There is no role \`${role}\` in user directories`,
    );

  const settings: [string, string][] = [];
  const queryParams: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith('param_')) queryParams[k.slice(6)] = v;
    else if (NON_SETTING_PARAMS.has(k) || isHttpOnlySetting(k) || k === 'readonly') continue;
    else if (k === 'dialect' && v === 'clickhouse') continue;
    else if (k === 'dialect')
      throw new ClickHouseServerError(
        ErrorCode.BAD_ARGUMENTS,
        "The chDB server runs ClickHouse SQL only: 'dialect' cannot be changed",
      );
    else settings.push([k, v]);
  }
  for (const [k, v] of parts ?? []) if (k.startsWith('param_')) queryParams[k.slice(6)] = v;

  const sessionId = params.get('session_id') ?? undefined;
  const readonlyParam = params.get('readonly');
  const wantsReadOnly = isGet || (readonlyParam !== null && readonlyParam !== '0');
  let access: Access = user.access;
  if (access === 'read' && readonlyParam === '0')
    throw new ClickHouseServerError(
      ErrorCode.READONLY,
      "Cannot modify 'readonly' setting in readonly mode",
    );
  // Without a session, a read-only request runs on a read-only session; in a writable HTTP
  // session it may only run statements that read.
  if (wantsReadOnly && sessionId === undefined) access = 'read';
  const timeout = params.get('session_timeout');
  const request: QueryRequest = {
    user: user.name,
    access,
    restricted: user.access === 'read',
    readOnlyStatement: wantsReadOnly,
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(timeout !== null ? { sessionTimeoutS: Number(timeout) } : {}),
    sessionCheck: params.get('session_check') === '1',
    ...(queryParam !== undefined ? { queryParam } : {}),
    body,
    settings,
    params: queryParams,
    ...(http.signal ? { signal: http.signal } : {}),
  };
  const database = params.get('database') ?? http.header('x-clickhouse-database');
  if (database) request.database = database;
  const defaultFormat = params.get('default_format') ?? http.header('x-clickhouse-format');
  if (defaultFormat) request.defaultFormat = defaultFormat;
  return request;
}
