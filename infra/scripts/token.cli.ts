/**
 * Mints an API token signed with API_TOKEN_SECRET and prints it.
 *   npm run token -- --user user-1 [--ttl 3600]
 *   npm run token -- --analyst alice
 *   npm run token -- --label label-1
 *   npm run token -- --operator ops-1
 * Exit 2 on a bad flag or setting, naming it.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { isValidSubject, mintToken, type TokenRole } from '../../api/app/auth/api-token.js';

const USAGE = `usage: npm run token -- (--user <id> | --analyst <name> | --label <label id> | --operator <name>) [--ttl <seconds>]
  --user     a listener's token, for /v1/me/...
  --analyst  an analyst's token, for POST /v1/sql
  --label    a record label's token, for its royalty reports (the label comes from the token)
  --operator an operator's token, for /v1/operator/... (closing royalty statements)
  --ttl      lifetime in seconds (default 3600, at most 31536000)`;

const ROLE_FLAGS: Record<string, TokenRole> = {
  '--user': 'user',
  '--analyst': 'analyst',
  '--label': 'label',
  '--operator': 'operator',
};

function parseTokenFlags(argv: string[]): { role: TokenRole; sub: string; ttl: number } {
  let role: TokenRole | undefined;
  let sub: string | undefined;
  let ttl = 3600;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s) : [flag, undefined];
    if (name !== '--ttl' && !(name! in ROLE_FLAGS)) throw new ConfigError([`unknown flag ${flag}`]);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
      throw new ConfigError([`${name} needs a value`]);
    if (name === '--ttl') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 31_536_000)
        throw new ConfigError([
          `--ttl must be a number of seconds from 1 to 31536000 (got ${value})`,
        ]);
      ttl = Number(value);
      continue;
    }
    if (role)
      throw new ConfigError([
        `${name}: give exactly one of --user, --analyst, --label, --operator`,
      ]);
    if (!isValidSubject(value))
      throw new ConfigError([
        `${name} must be 1-128 characters of letters, digits and _.:@- (got ${JSON.stringify(value)})`,
      ]);
    role = ROLE_FLAGS[name!];
    sub = value;
  }
  if (!role || !sub) throw new ConfigError(['give one of --user, --analyst, --label, --operator']);
  return { role, sub, ttl };
}

function main(): void {
  try {
    const flags = parseTokenFlags(process.argv.slice(2));
    const config = loadConfig();
    console.log(
      mintToken(
        { role: flags.role, sub: flags.sub, ttlSeconds: flags.ttl },
        config.api.tokenSecret,
      ),
    );
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`token: ${err.problems.join('; ')}\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
}

main();
