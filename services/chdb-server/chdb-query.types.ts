/** What the HTTP layer asks of the chDB engine, and what it answers. */

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

/**
 * Limits of the restricted (analyst) user, applied by the server after the query's own
 * settings: a request may lower them, never lift them (SQL_MAX_ROWS, SQL_MAX_SECONDS,
 * SQL_MAX_MEMORY_BYTES, SQL_MAX_RESULT_BYTES).
 */
export interface AnalystLimits {
  maxRows: number;
  maxSeconds: number;
  maxMemoryBytes: number;
  maxResultBytes: number;
}
