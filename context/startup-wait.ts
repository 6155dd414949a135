import type { Logger } from '../common/logging/logger.js';
import { BackbeatError } from '../common/errors/backbeat.error.js';
import { backoffDelay } from '../common/retry/backoff.js';

/**
 * What a starting process waits for, for its /readyz: the dependency it is waiting for (if any)
 * and the last error that dependency gave.
 */
export interface StartupState {
  started: boolean;
  waitingFor?: string;
  lastError?: string;
  stopping: boolean;
}

export function createStartupState(): StartupState {
  return { started: false, stopping: false };
}

/** A readiness check that fails until start-up is done, naming the dependency waited for. */
export function startupReadiness(state: StartupState) {
  return {
    name: 'startup',
    check: async () => {
      if (state.started) return;
      throw new BackbeatError(
        'STARTING',
        state.waitingFor
          ? `waiting for ${state.waitingFor}: ${state.lastError ?? 'not reachable yet'}`
          : 'starting',
        { retriable: true },
      );
    },
  };
}

/** The process was asked to stop while it waited for a dependency (exit 0, not a failure). */
export class StartupAbortedError extends BackbeatError {
  constructor() {
    super('STARTUP_ABORTED', 'stopped while starting');
  }
}

/**
 * Runs `attempt` until it resolves, retrying every failure with exponential backoff and jitter
 * (at least `initialMs` between tries). Each failure is a warn line naming the dependency, the
 * attempt and the next retry; `state` carries the same for readiness. Ends with
 * {@link StartupAbortedError} once `state.stopping` is set. `attemptTimeoutMs` bounds one
 * attempt (a SIGSTOPped store accepts connections and never answers).
 */
export async function waitForDependency<T>(
  dependency: string,
  attempt: () => Promise<T>,
  deps: {
    logger: Logger;
    state: StartupState;
    retry: { initialMs: number; maxMs: number };
    attemptTimeoutMs?: number;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 0; ; n++) {
    if (deps.state.stopping) throw new StartupAbortedError();
    try {
      const value = await withTimeout(attempt(), deps.attemptTimeoutMs ?? 10_000);
      if (n > 0) deps.logger.warn({ dependency, attempts: n + 1 }, `${dependency} is reachable`);
      if (deps.state.waitingFor === dependency) {
        delete deps.state.waitingFor;
        delete deps.state.lastError;
      }
      return value;
    } catch (err) {
      const message = (err as Error).message;
      const retryInMs = Math.max(deps.retry.initialMs, backoffDelay(n, deps.retry));
      deps.state.waitingFor = dependency;
      deps.state.lastError = message;
      deps.logger.warn(
        { dependency, attempt: n + 1, retry_in_ms: retryInMs, err: message },
        `waiting for ${dependency}: ${message}; next retry in ${retryInMs} ms`,
      );
      await sleep(retryInMs);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () =>
        reject(new BackbeatError('NO_ANSWER', `no answer within ${ms} ms`, { retriable: true })),
      ms,
    );
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
