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

/**
 * JavaScript's own programming errors: a bug in our code, never a failing dependency. Retrying
 * runs the same code on the same input again, so these are never retried (as kafkajs does).
 */
const PROGRAMMING_ERRORS: readonly (new (...a: never[]) => Error)[] = [
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
];

export function isProgrammingError(err: unknown): boolean {
  return PROGRAMMING_ERRORS.some((E) => err instanceof E);
}

/**
 * Whether retrying the operation that threw `err` may succeed: a BackbeatError says so itself;
 * a programming error never; any other error (a library's connection or I/O error that was not
 * wrapped) is taken as a failing dependency and retried with backoff.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof BackbeatError) return err.retriable;
  return !isProgrammingError(err);
}

/** An invariant of our own code does not hold (a bug); never retried. */
export class InternalError extends BackbeatError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('INTERNAL', message, { retriable: false, ...opts });
  }
}
