/**
 * A pool of prepared chDB sessions of one kind (read-write, or read-only with `readonly = 2`).
 * Each query runs on the least busy healthy session; a session whose state could not be
 * restored after a query is swapped for a fresh one.
 */
import type { Logger } from '../../common/logging/logger.js';
import { openChdbSession, type ChdbSession } from './chdb-session.js';

export interface SessionPoolConfig {
  /** The chDB data folder. */
  path: string;
  /** Sessions in the pool. */
  size: number;
  readonly: boolean;
}

/** The session with the fewest queries running or queued, among the healthy ones if any. */
export function leastBusy<S extends { pending: number; broken: boolean }>(
  sessions: readonly S[],
): S {
  const healthy = sessions.filter((s) => !s.broken);
  return (healthy.length ? healthy : sessions).reduce((a, b) => (b.pending < a.pending ? b : a));
}

export class SessionPool {
  private readonly sessions: ChdbSession[] = [];
  private stopped = false;

  /** Opens the pool's sessions; each prepares itself first in its queue (see `ready`). */
  constructor(
    private readonly config: SessionPoolConfig,
    private readonly deps: { log: Logger },
  ) {
    for (let i = 0; i < config.size; i++)
      this.sessions.push(openChdbSession(config.path, config.readonly));
  }

  /** The pool's sessions as they are now. */
  get all(): readonly ChdbSession[] {
    return this.sessions;
  }

  /** Resolves when every session is prepared; rejects with the first one's reason if not. */
  async ready(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.idle()));
    const failed = this.sessions.find((s) => s.initError);
    if (failed) throw failed.initError;
  }

  /** Queries running or waiting on the pool's sessions. */
  pending(): number {
    return this.sessions.reduce((n, s) => n + s.pending, 0);
  }

  /** Runs `fn` in the queue of the least busy session; replaces the session if it broke. */
  async run<T>(fn: (sess: ChdbSession) => Promise<T>): Promise<T> {
    const sess = leastBusy(this.sessions);
    try {
      return await sess.run(() => fn(sess));
    } finally {
      if (sess.broken) void this.replace(sess);
    }
  }

  /** Stops replacing sessions; returns the sessions, for the caller to drain and close. */
  stop(): readonly ChdbSession[] {
    this.stopped = true;
    return this.sessions;
  }

  /** Swaps a session whose state could not be restored for a fresh one. */
  private async replace(old: ChdbSession): Promise<void> {
    const pool = this.sessions;
    if (old.replacing || this.stopped || !pool.includes(old)) return;
    old.replacing = true;
    this.deps.log.warn(
      { readonly: old.readonly },
      'chdb session state could not be restored; replacing it',
    );
    try {
      const fresh = openChdbSession(this.config.path, old.readonly);
      await fresh.idle();
      if (fresh.initError) throw fresh.initError;
      pool[pool.indexOf(old)] = fresh;
      await old.idle();
      old.close();
    } catch (err) {
      this.deps.log.error({ err }, 'could not open a replacement chdb session');
    }
  }
}
