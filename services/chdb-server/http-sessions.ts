/**
 * ClickHouse's HTTP sessions (`session_id`): one session per user and id, on which SET and USE
 * persist. A session lives until it has been idle for its `session_timeout` (default 60 s, at
 * most 3600 s), and is dropped at once when its state broke. At most `maxSessions` are open.
 */
import type { Logger } from '../../common/logging/logger.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

export const DEFAULT_SESSION_TIMEOUT_S = 60;
export const MAX_SESSION_TIMEOUT_S = 3600;

/** What an HTTP session needs of the session it holds. */
export interface ExpiringSession {
  readonly pending: number;
  readonly broken: boolean;
  /** Resolves when the session's queue is empty. */
  idle(): Promise<unknown>;
  close(): void;
}

export interface HttpSessionsConfig {
  /** Most concurrent HTTP sessions. */
  maxSessions: number;
}

export interface HttpSessionsDeps<S> {
  /** Opens the session a new HTTP session holds. */
  open: (readonly: boolean) => S;
  log: Logger;
}

export interface HttpSessionRequest {
  user: string;
  sessionId: string;
  /** `session_timeout`, in seconds, when given. */
  timeoutS?: number;
  /** `session_check=1`: the session must exist already. */
  check?: boolean;
  /** A new session is opened read-only. */
  readonly: boolean;
}

/** One HTTP session in use: run on `session`, then `release()` to start its idle timer. */
export interface HttpSessionLease<S> {
  session: S;
  release(): void;
}

export class HttpSessions<S extends ExpiringSession> {
  private readonly entries = new Map<string, { s: S; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly config: HttpSessionsConfig,
    private readonly deps: HttpSessionsDeps<S>,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The HTTP session `req` names, opened if new (unless `check`); its idle timer stops until
   * the lease is released.
   */
  acquire(req: HttpSessionRequest): HttpSessionLease<S> {
    const timeoutS = req.timeoutS ?? DEFAULT_SESSION_TIMEOUT_S;
    if (!Number.isFinite(timeoutS) || timeoutS < 0 || timeoutS > MAX_SESSION_TIMEOUT_S) {
      throw new ClickHouseServerError(
        ErrorCode.INVALID_SESSION_TIMEOUT,
        `Session timeout ${req.timeoutS} is invalid: it must be between 0 and ${MAX_SESSION_TIMEOUT_S} seconds`,
      );
    }
    const key = `${req.user}\u0000${req.sessionId}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (req.check) {
        throw new ClickHouseServerError(
          ErrorCode.SESSION_NOT_FOUND,
          `Session ${req.sessionId} not found`,
        );
      }
      if (this.entries.size >= this.config.maxSessions) {
        throw new ClickHouseServerError(
          ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
          `Too many HTTP sessions: ${this.entries.size}; close some or wait for them to expire`,
        );
      }
      entry = { s: this.deps.open(req.readonly) };
      this.entries.set(key, entry);
      this.deps.log.debug({ user: req.user, sessionId: req.sessionId }, 'http session opened');
    }
    const { s } = entry;
    if (entry.timer) clearTimeout(entry.timer);
    return { session: s, release: () => this.release(key, s, timeoutS) };
  }

  /** Every open session, removed from the map with its timer stopped, for the caller to close. */
  drain(): S[] {
    const all = [...this.entries.values()].map((e) => e.s);
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    this.entries.clear();
    return all;
  }

  private release(key: string, s: S, timeoutS: number): void {
    const current = this.entries.get(key);
    if (current?.s !== s) return;
    if (s.broken) {
      this.entries.delete(key);
      void s.idle().then(() => s.close());
    } else {
      current.timer = setTimeout(() => void this.expire(key, s), timeoutS * 1000);
      current.timer.unref();
    }
  }

  private async expire(key: string, s: S): Promise<void> {
    const entry = this.entries.get(key);
    if (entry?.s !== s || s.pending > 0) return;
    this.entries.delete(key);
    await s.idle();
    s.close();
  }
}
