/**
 * The bench CLI's flags: parsing and validation (pure). Every problem names its flag; the CLI
 * prints them and exits 2.
 */
import { UsageError } from '../../common/errors/usage.error.js';

export const BENCHMARK_NAMES = [
  'sdk-produce',
  'gateway',
  'processors',
  'e2e-latency',
  'api-reads',
  'rebuild',
  'analyst-query',
  'memory',
  'royalty-close',
  'label-reads',
  'recs',
] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export type Size = 'quick' | 'small' | 'full';

export interface BenchArgs {
  names: BenchmarkName[];
  runs: number;
  size: Size;
  /** Node services (gateway, processors, API) write a .cpuprofile under .cache/bench-profiles. */
  profile: boolean;
  basePort: number;
  /** Where results go (default bench/results). */
  out?: string;
  help: boolean;
}

export { UsageError };

export const MIN_REPORT_RUNS = 3;

export function usage(): string {
  return [
    'usage: npm run bench -- [name...] [--runs N] [--size small|full] [--quick] [--profile] [--base-port N]',
    '',
    `  name            one or more of: ${BENCHMARK_NAMES.join(', ')} (default: all)`,
    `  --runs N        repetitions of each figure, 1-50 (default 3; fewer than ${MIN_REPORT_RUNS} is marked "not a report")`,
    "  --size S        small (a fraction, minutes) or full (the issue's sizes: 5M-event topic, 10M plays, 1M/10M memory points); default full",
    '  --quick         tiny sizes for the smoke test (implies --size quick)',
    '  --profile       run the gateway, processors and API under node --cpu-prof (profiles in .cache/bench-profiles/)',
    '  --base-port N   first of the private stack ports (default 24000, below the ephemeral ports; benchmark i uses N+100i..N+100i+99)',
    '  --out DIR       write the results there instead of bench/results',
    '  --help          this text',
    '',
    'Results: bench/results/<date>-<name>.json and .md; the markdown is printed too.',
  ].join('\n');
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const problems: string[] = [];
  const names: BenchmarkName[] = [];
  let runs = 3;
  let size: Size | undefined;
  let quick = false;
  let profile = false;
  // Below Linux's ephemeral range (32768-60999): an outgoing socket there can hold a stack's port.
  let basePort = 24_000;
  let help = false;
  let out: string | undefined;
  const seen = new Set<string>();

  const valueOf = (
    i: number,
    flag: string,
    inline: string | undefined,
  ): [string | undefined, number] => {
    if (inline !== undefined) return [inline, i];
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) {
      problems.push(`${flag} needs a value`);
      return [undefined, i];
    }
    return [next, i + 1];
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      if ((BENCHMARK_NAMES as readonly string[]).includes(arg)) {
        if (names.includes(arg as BenchmarkName)) problems.push(`benchmark ${arg} is named twice`);
        else names.push(arg as BenchmarkName);
      } else
        problems.push(
          `unknown benchmark ${JSON.stringify(arg)} (one of ${BENCHMARK_NAMES.join(', ')})`,
        );
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (seen.has(flag)) problems.push(`${flag} is given twice`);
    seen.add(flag);
    switch (flag) {
      case '--runs': {
        let raw: string | undefined;
        [raw, i] = valueOf(i, flag, inline);
        if (raw === undefined) break;
        const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 50)
          problems.push(`--runs must be an integer from 1 to 50 (got ${JSON.stringify(raw)})`);
        else runs = n;
        break;
      }
      case '--size': {
        let raw: string | undefined;
        [raw, i] = valueOf(i, flag, inline);
        if (raw === undefined) break;
        if (raw !== 'small' && raw !== 'full')
          problems.push(`--size must be small or full (got ${JSON.stringify(raw)})`);
        else size = raw;
        break;
      }
      case '--base-port': {
        let raw: string | undefined;
        [raw, i] = valueOf(i, flag, inline);
        if (raw === undefined) break;
        const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!Number.isInteger(n) || n < 1024 || n > 65_000)
          problems.push(
            `--base-port must be an integer from 1024 to 65000 (got ${JSON.stringify(raw)})`,
          );
        else basePort = n;
        break;
      }
      case '--out': {
        let raw: string | undefined;
        [raw, i] = valueOf(i, flag, inline);
        if (raw === undefined) break;
        if (!raw.trim()) problems.push('--out must not be empty');
        else out = raw;
        break;
      }
      case '--quick':
      case '--profile':
      case '--help':
        if (inline !== undefined) problems.push(`${flag} takes no value`);
        if (flag === '--quick') quick = true;
        else if (flag === '--profile') profile = true;
        else help = true;
        break;
      default:
        problems.push(`unknown flag ${flag} (see --help)`);
    }
  }
  if (quick && size !== undefined) problems.push('--quick and --size exclude each other: give one');
  if (problems.length) throw new UsageError(problems);
  return {
    names: names.length ? names : [...BENCHMARK_NAMES],
    runs,
    size: quick ? 'quick' : (size ?? 'full'),
    profile,
    basePort,
    ...(out ? { out } : {}),
    help,
  };
}
