/**
 * The one error base for Backbeat's packages. Every error carries a stable `code` (machine
 * readable, documented) and whether retrying the same operation may succeed.
 */
export class BackbeatError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = opts.retriable ?? false;
  }
}

/** A setting (environment variable or CLI flag) is missing or invalid; start-up stops. */
export class ConfigError extends BackbeatError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}
