import { ConfigError } from '../../common/errors/backbeat.error.js';
import { MARKET, PERIOD } from '../../schemas/catalogue/event-validation.js';

export const USAGE = `usage: npm run royalties -- close --period YYYY-MM [--market XX] [--by <name>]
       npm run royalties -- list [--period YYYY-MM]`;

export interface RoyaltiesArgs {
  command: 'close' | 'list';
  period?: string;
  market?: string;
  by?: string;
}

/** Parses the command line; a ConfigError names what is wrong. */
export function parseRoyaltiesArgs(argv: readonly string[]): RoyaltiesArgs {
  const [command, ...rest] = argv;
  if (command !== 'close' && command !== 'list')
    throw new ConfigError([`name a command: close or list\n${USAGE}`]);
  const out: RoyaltiesArgs = { command };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    const need = () => {
      if (value === undefined || value.startsWith('--'))
        throw new ConfigError([`${flag} needs a value\n${USAGE}`]);
      i++;
      return value;
    };
    if (flag === '--period') out.period = need();
    else if (flag === '--market' && command === 'close') out.market = need();
    else if (flag === '--by' && command === 'close') out.by = need();
    else throw new ConfigError([`unknown flag ${flag}\n${USAGE}`]);
  }
  if (out.period !== undefined && !PERIOD.test(out.period))
    throw new ConfigError([`--period must be YYYY-MM (got ${out.period})`]);
  if (out.market !== undefined && !MARKET.test(out.market))
    throw new ConfigError([
      `--market must be an ISO 3166-1 alpha-2 code such as SE (got ${out.market})`,
    ]);
  if (command === 'close' && !out.period) throw new ConfigError([`close needs --period\n${USAGE}`]);
  return out;
}
