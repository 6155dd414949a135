import type { Logger } from '../common/logging/logger.js';

/**
 * Bounded shutdown on SIGINT/SIGTERM: the first signal runs `stop` and exits with its code;
 * whatever `stop` waits for (a store that never answers), the process exits `deadlineMs` after
 * that signal (an unref'd timer, exit code 1); a second signal exits at once (code 130).
 * Returns `shutdown(code)` for the process's own ends (e.g. `--once`).
 */
export function installShutdown(opts: {
  logger: Logger;
  deadlineMs: number;
  stop: () => Promise<void>;
  exit?: (code: number) => void;
}): (code: number, reason?: string) => Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const shutdown = async (code: number, reason = 'requested') => {
    if (stopping) return;
    stopping = true;
    opts.logger.warn({ reason, deadline_ms: opts.deadlineMs }, 'shutting down');
    setTimeout(() => {
      opts.logger.error(
        { deadline_ms: opts.deadlineMs },
        'shutdown did not finish within its deadline; exiting now',
      );
      exit(1);
    }, opts.deadlineMs).unref();
    try {
      await opts.stop();
    } catch (err) {
      opts.logger.warn({ err }, 'shutdown step failed');
    }
    exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      opts.logger.warn({ signal }, 'second signal: exiting now');
      exit(130);
      return;
    }
    void shutdown(0, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return shutdown;
}
