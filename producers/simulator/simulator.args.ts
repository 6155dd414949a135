/**
 * The simulator's command-line flags: parsing and validation. Every problem names its flag; the
 * CLI prints them and exits 2 (a usage error), never with a stack trace.
 */
import { UsageError } from '../../common/errors/usage.error.js';
import { DAY_MS, DEFAULT_PARAMS, HOUR_MS, type SimulationParams } from './simulator.types.js';

export { UsageError };

type Kind = 'int' | 'number' | 'string' | 'url' | 'date' | 'bool' | 'enum';
interface FlagSpec {
  kind: Kind;
  help: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  default?: string;
}

export const FLAGS = {
  seed: {
    kind: 'int',
    min: 0,
    max: 4_294_967_295,
    default: '42',
    help: 'PRNG seed: same seed and flags, same events',
  },
  users: {
    kind: 'int',
    min: 1,
    max: 1_000_000,
    default: String(DEFAULT_PARAMS.users),
    help: 'listeners',
  },
  tracks: {
    kind: 'int',
    min: 1,
    max: 1_000_000,
    default: String(DEFAULT_PARAMS.tracks),
    help: 'tracks in the catalogue',
  },
  artists: {
    kind: 'int',
    min: 1,
    max: 100_000,
    default: String(DEFAULT_PARAMS.artists),
    help: 'artists (each signed to a label)',
  },
  labels: {
    kind: 'int',
    min: 1,
    max: 10_000,
    default: String(DEFAULT_PARAMS.labels),
    help: 'record labels',
  },
  clusters: {
    kind: 'int',
    min: 1,
    max: 1_000,
    default: String(DEFAULT_PARAMS.clusters),
    help: 'planted taste clusters',
  },
  affinity: {
    kind: 'number',
    min: 0,
    max: 1,
    default: String(DEFAULT_PARAMS.affinity),
    help: "share of a user's plays from their own cluster",
  },
  days: {
    kind: 'int',
    min: 1,
    max: 366,
    default: String(DEFAULT_PARAMS.days),
    help: 'length of the simulated period',
  },
  sessions: {
    kind: 'int',
    min: 1,
    max: 10_000_000,
    help: 'listening sessions (default: users x days / 2)',
  },
  events: {
    kind: 'int',
    min: 1,
    max: 100_000_000,
    help: 'generate sessions until at least this many events (instead of --sessions)',
  },
  start: {
    kind: 'date',
    default: '2026-11-01',
    help: 'start of the period (UTC), YYYY-MM-DD or an ISO timestamp',
  },
  transport: {
    kind: 'enum',
    values: ['kafka', 'http'],
    default: 'kafka',
    help: 'send straight to Kafka, or through the ingest gateway',
  },
  'gateway-url': { kind: 'url', help: 'ingest gateway base URL (with --transport http)' },
  'api-key': { kind: 'string', help: 'gateway API key (with --transport http)' },
  rate: {
    kind: 'number',
    min: 0,
    max: 10_000_000,
    default: '0',
    help: 'events per second, fixed; 0 = as fast as possible',
  },
  manifest: { kind: 'string', help: 'write the ground-truth manifest (JSON) to this path' },
  'dry-run': { kind: 'bool', help: 'generate and write the manifest, send nothing' },
  help: { kind: 'bool', help: 'print this help' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export interface SimulatorOptions {
  params: SimulationParams;
  transport: 'kafka' | 'http';
  gatewayUrl?: string;
  apiKey?: string;
  rate: number;
  manifest?: string;
  dryRun: boolean;
  help: boolean;
}

export function usage(): string {
  const lines = ['usage: tsx producers/simulator/simulator.cli.ts [flags]', ''];
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const arg =
      spec.kind === 'bool'
        ? ''
        : spec.kind === 'enum'
          ? ` <${spec.values?.join('|')}>`
          : ' <value>';
    const def = spec.default === undefined ? '' : ` (default ${spec.default})`;
    lines.push(`  --${name}${arg}`.padEnd(34) + `${spec.help}${def}`);
  }
  return lines.join('\n');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseValue(
  name: FlagName,
  spec: FlagSpec,
  raw: string,
): { value?: unknown; problem?: string } {
  const got = `(got ${JSON.stringify(raw)})`;
  const range = () => `between ${spec.min} and ${spec.max}`;
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const n = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return { problem: `--${name} must be a number ${got}` };
      if (spec.kind === 'int' && !Number.isInteger(n))
        return { problem: `--${name} must be an integer ${got}` };
      if (n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity))
        return { problem: `--${name} must be ${range()} ${got}` };
      return { value: n };
    }
    case 'date': {
      const ms = DATE.test(raw)
        ? Date.parse(`${raw}T00:00:00Z`)
        : TIMESTAMP.test(raw)
          ? Date.parse(raw)
          : NaN;
      if (
        !Number.isFinite(ms) ||
        (DATE.test(raw) && new Date(ms).toISOString().slice(0, 10) !== raw)
      )
        return {
          problem: `--${name} must be a date, YYYY-MM-DD or an ISO timestamp with a zone ${got}`,
        };
      if (ms < Date.UTC(2001, 0, 2))
        return {
          problem: `--${name} must be 2001-01-02 or later (uploads go back a year; events before 2000 are refused) ${got}`,
        };
      return { value: ms };
    }
    case 'url': {
      const scheme = URL.canParse(raw) ? new URL(raw).protocol : undefined;
      return scheme === 'http:' || scheme === 'https:'
        ? { value: raw }
        : { problem: `--${name} must be an http(s) URL ${got}` };
    }
    case 'enum':
      return spec.values?.includes(raw)
        ? { value: raw }
        : { problem: `--${name} must be one of ${spec.values?.join(', ')} ${got}` };
    case 'string':
      return raw.trim() ? { value: raw } : { problem: `--${name} must not be empty` };
    case 'bool':
      return { value: true };
  }
}

/** Parses argv (without node and the script). Throws UsageError listing every problem. */
export function parseArgs(argv: readonly string[]): SimulatorOptions {
  const problems: string[] = [];
  const values = new Map<FlagName, unknown>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)) as FlagName;
    const spec = (FLAGS as Record<string, FlagSpec>)[name];
    if (!spec) {
      problems.push(`unknown flag --${name} (see --help)`);
      continue;
    }
    if (values.has(name)) problems.push(`--${name} is given twice`);
    let raw: string | undefined;
    if (spec.kind === 'bool') {
      if (eq >= 0) problems.push(`--${name} takes no value`);
    } else if (eq >= 0) raw = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) raw = argv[++i];
    else {
      problems.push(`--${name} needs a value`);
      continue;
    }
    const res = parseValue(name, spec, raw ?? '');
    if (res.problem) problems.push(res.problem);
    else values.set(name, res.value);
  }
  const get = <T>(name: FlagName): T => {
    if (values.has(name)) return values.get(name) as T;
    const spec = FLAGS[name] as FlagSpec;
    return (
      spec.default === undefined ? undefined : parseValue(name, spec, spec.default).value
    ) as T;
  };
  const transport = get<'kafka' | 'http'>('transport');
  if (values.has('sessions') && values.has('events'))
    problems.push('--sessions and --events exclude each other: give one');
  if (get<number>('clusters') > get<number>('tracks'))
    problems.push('--clusters must not exceed --tracks (each cluster needs a track)');
  if (transport === 'http') {
    if (!values.has('gateway-url'))
      problems.push('--gateway-url is required with --transport http');
    if (!values.has('api-key')) problems.push('--api-key is required with --transport http');
  } else {
    for (const f of ['gateway-url', 'api-key'] as const)
      if (values.has(f)) problems.push(`--${f} is only used with --transport http`);
  }
  if (problems.length) throw new UsageError(problems);

  const users = get<number>('users');
  const days = get<number>('days');
  const targetEvents = get<number | undefined>('events');
  const params: SimulationParams = {
    ...DEFAULT_PARAMS,
    seed: get<number>('seed'),
    users,
    tracks: get<number>('tracks'),
    artists: get<number>('artists'),
    labels: get<number>('labels'),
    clusters: get<number>('clusters'),
    affinity: get<number>('affinity'),
    days,
    startMs: get<number>('start'),
    sessions: get<number | undefined>('sessions') ?? Math.max(1, Math.round((users * days) / 2)),
    ...(targetEvents === undefined ? {} : { targetEvents }),
  };
  return {
    params,
    transport,
    gatewayUrl: get<string | undefined>('gateway-url'),
    apiKey: get<string | undefined>('api-key'),
    rate: get<number>('rate'),
    manifest: get<string | undefined>('manifest'),
    dryRun: values.has('dry-run'),
    help: values.has('help'),
  };
}

/** Events whose time is more than 24 h ahead of the receiver's clock are refused. */
export function checkNotInFuture(params: SimulationParams, nowMs: number): void {
  const end = params.startMs + params.days * DAY_MS;
  if (end + HOUR_MS > nowMs + DAY_MS) {
    // (the revenue reports are stamped an hour after the period ends)
    throw new UsageError([
      `--start ${new Date(params.startMs).toISOString().slice(0, 10)} with --days ${params.days} ends ` +
        `${new Date(end).toISOString()}, more than 24 h from now: Backbeat refuses events from the future ` +
        '(use an earlier --start, or --dry-run)',
    ]);
  }
}
