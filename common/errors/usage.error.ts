import { ConfigError } from './backbeat.error.js';

/**
 * A command line's flags are invalid (code CONFIG_INVALID, never retriable). Each problem names
 * its flag; the message is the problems, one a line, which a CLI prints before it exits 2.
 */
export class UsageError extends ConfigError {
  constructor(problems: readonly string[]) {
    super(problems);
    this.message = problems.join('\n');
  }
}
