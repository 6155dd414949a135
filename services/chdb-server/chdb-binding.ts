/**
 * chDB's native binding, for the two calls that `Session` does not expose as the HTTP interface
 * needs them: query parameters passed verbatim in ClickHouse's text form (the `param_*` values
 * clients send), and INSERT data handed over as bytes with the engine's count of written rows.
 * The binding is loaded once, when this module is first imported.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
export interface NativeInsertResult {
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
    throw new BackbeatError(
      'CHDB_BINDING_UNSUPPORTED',
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

/** Runs `sql` on a session's connection; with `params`, one parameterized query at a time. */
export function nativeQuery(
  connection: unknown,
  sql: string,
  format: string,
  params?: Record<string, string>,
): Promise<NativeResult> {
  if (params && Object.keys(params).length)
    return exclusiveParams(() => native.QueryAsyncConnection(connection, sql, format, params));
  return native.QueryAsyncConnection(connection, sql, format);
}

/** Runs the INSERT `prefix` with `data` as its input, on a session's connection. */
export function nativeInsert(
  connection: unknown,
  prefix: string,
  data: Buffer,
): Promise<NativeInsertResult> {
  return native.InsertRawAsyncConnection(connection, prefix, data, false);
}
