/**
 * Runs one read-only SQL statement through the API's POST /v1/sql and prints the result.
 *   npm run sql -- "SELECT count() FROM plays" [--format JSON|JSONEachRow|CSV|TSV] [--url <api>] [--token <t>]
 *   echo "SELECT 1" | npm run sql -- -
 * Defaults: the local API (http://BACKBEAT_HOST:API_PORT) and a five-minute analyst token minted
 * from API_TOKEN_SECRET. Exit 2 on a bad flag, 1 when the API refuses the query.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { mintToken } from '../../api/app/auth/api-token.js';
import { isSqlFormat, SQL_FORMATS, type SqlFormat } from '../../api/routes/sql/sql.executor.js';

const USAGE = `usage: npm run sql -- "<statement>" [--format ${Object.keys(SQL_FORMATS).join('|')}] [--url <api url>] [--token <analyst token>]
  "<statement>"  one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement ("-" reads it from stdin)
  --format       result format (default TSV: a header row, then tab-separated rows)
  --url          the API (default http://BACKBEAT_HOST:API_PORT)
  --token        an analyst token (default: one minted from API_TOKEN_SECRET for 5 minutes)`;

interface Flags {
  query: string;
  format: SqlFormat;
  url?: string;
  token?: string;
}

function parseFlags(argv: string[]): Flags {
  const out: Partial<Flags> = { format: 'TSV' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.includes('=')
      ? (a.split(/=(.*)/s) as [string, string])
      : [a, undefined];
    if (!['--format', '--url', '--token'].includes(name))
      throw new ConfigError([`unknown flag ${a}`]);
    const value = inline ?? argv[++i];
    if (!value) throw new ConfigError([`${name} needs a value`]);
    if (name === '--format') {
      if (!isSqlFormat(value))
        throw new ConfigError([
          `--format must be one of ${Object.keys(SQL_FORMATS).join(', ')} (got ${value})`,
        ]);
      out.format = value;
    } else if (name === '--url') {
      if (!/^https?:\/\/[^\s]+$/.test(value))
        throw new ConfigError([`--url must be an http(s) URL (got ${value})`]);
      out.url = value.replace(/\/+$/, '');
    } else out.token = value;
  }
  if (positional.length !== 1)
    throw new ConfigError([
      positional.length
        ? `give one statement (got ${positional.length} arguments; quote it)`
        : 'give a statement',
    ]);
  out.query = positional[0];
  return out as Flags;
}

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += chunk;
  return s;
}

async function main(): Promise<number> {
  let flags: Flags;
  let config: ReturnType<typeof loadConfig>;
  try {
    flags = parseFlags(process.argv.slice(2));
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`sql: ${err.problems.join('; ')}\n${USAGE}`);
    return 2;
  }
  const query = flags.query === '-' ? await readStdin() : flags.query;
  const url = flags.url ?? `http://${config.stack.host}:${config.api.port}`;
  const token =
    flags.token ??
    mintToken({ role: 'analyst', sub: 'sql-cli', ttlSeconds: 300 }, config.api.tokenSecret);
  let res: Response;
  try {
    res = await fetch(`${url}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, format: flags.format }),
    });
  } catch (err) {
    console.error(
      `sql: cannot reach the API at ${url} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}); start it with: npx tsx api/app/api.main.ts`,
    );
    return 1;
  }
  if (!res.ok) {
    const text = await res.text();
    let p: { title?: string; detail?: string; code?: string } = {};
    try {
      p = JSON.parse(text);
    } catch {
      /* not a problem document */
    }
    console.error(
      `sql: ${res.status} ${p.code ?? ''} ${p.title ?? text}${p.detail ? `\n${p.detail}` : ''}`.replace(
        / +/g,
        ' ',
      ),
    );
    return 1;
  }
  if (res.body)
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), process.stdout, {
      end: false,
    });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`sql: ${(err as Error).message}`);
    process.exit(1);
  },
);
