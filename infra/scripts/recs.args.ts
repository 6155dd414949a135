import { ConfigError } from '../../common/errors/backbeat.error.js';

export const USAGE = 'usage: npm run recs -- refresh [--full]';

export interface RecsArgs {
  command: 'refresh';
  full: boolean;
}

/** Parses the command line; a ConfigError names what is wrong. */
export function parseRecsArgs(argv: readonly string[]): RecsArgs {
  const [command, ...rest] = argv;
  if (command !== 'refresh') {
    throw new ConfigError([
      `${command === undefined ? 'name a command' : `unknown command ${command}`}: refresh\n${USAGE}`,
    ]);
  }
  const out: RecsArgs = { command, full: false };
  for (const flag of rest) {
    if (flag === '--full' && !out.full) out.full = true;
    else if (flag === '--full') throw new ConfigError([`--full given twice\n${USAGE}`]);
    else throw new ConfigError([`unknown flag ${flag}\n${USAGE}`]);
  }
  return out;
}
