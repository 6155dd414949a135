/**
 * One chDB session on the shared data folder, with a queue: queries on it run one at a time.
 * Sessions are opened prepared (`openChdbSession`): 64-bit integers quoted in JSON as a
 * ClickHouse server does, room for the statement check, `readonly = 2` on read-only ones, and
 * the settings this preparation changed kept as the session's baseline.
 */
import { Session } from 'chdb';
import { nativeInsert, nativeQuery, type NativeInsertResult } from './chdb-binding.js';
import { engineError } from './clickhouse-protocol.js';

/**
 * Appended to the server's own queries on a session, so that limits and output settings a
 * client applied to it (`limit`, `max_result_rows`, JSON array output, ...) cannot truncate or
 * reshape what the server reads back.
 */
const INTERNAL =
  " SETTINGS limit = 0, offset = 0, max_result_rows = 0, max_result_bytes = 0, max_rows_to_read = 0, max_bytes_to_read = 0, max_execution_time = 0, result_overflow_mode = 'throw', output_format_json_array_of_rows = 0";

export class ChdbSession {
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

  close(): void {
    this.session.close();
  }

  async query(sql: string, format = 'TabSeparated', params?: Record<string, string>) {
    try {
      return await nativeQuery(this.session.connection, sql, format, params);
    } catch (err) {
      throw engineError(err);
    }
  }

  async insert(prefix: string, data: Buffer): Promise<NativeInsertResult> {
    try {
      return await nativeInsert(this.session.connection, prefix, data);
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

/**
 * Opens a session on the data folder at `path` and queues its preparation first in its queue,
 * so the session can take queries at once: they run after it is prepared, or fail with the
 * reason it could not be.
 */
export function openChdbSession(path: string, readonly: boolean, persistent = false): ChdbSession {
  const s = new ChdbSession(new Session(path), readonly, persistent);
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
