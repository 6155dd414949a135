/**
 * The traffic simulator: generates a deterministic stream of Backbeat events for a seed and
 * sends it through the client SDK (Kafka or HTTP transport), writing the ground truth that
 * projections are scored against. Run: tsx producers/simulator/simulator.cli.ts --help
 *
 * Exit codes: 0 every event accepted; 1 some events refused or dropped, or a runtime failure;
 * 2 a usage error (the message names the flag).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createManifestBuilder, writeManifest } from './ground-truth.manifest.js';
import {
  type SimulatorOptions,
  UsageError,
  checkNotInFuture,
  parseArgs,
  usage,
} from './simulator.args.js';
import { openTransport } from './simulator.transports.js';
import { createTrafficGenerator } from './traffic.generator.js';
import { type SendStats, createTrafficSender } from './traffic.sender.js';

const round = (n: number) => Math.round(n);

async function run(opts: SimulatorOptions): Promise<number> {
  const { params } = opts;
  if (!opts.dryRun) checkNotInFuture(params, Date.now());

  // Pass 1: the ground truth, written before anything is sent.
  const g0 = performance.now();
  let generator: ReturnType<typeof createTrafficGenerator>;
  try {
    generator = createTrafficGenerator(params);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError([`--sessions/--events: ${err.message}`]);
    throw err;
  }
  const builder = createManifestBuilder(generator.world);
  for (const e of generator.events()) builder.add(e);
  const manifest = builder.build();
  const generateMs = performance.now() - g0;
  if (opts.manifest) {
    mkdirSync(path.dirname(path.resolve(opts.manifest)), { recursive: true });
    writeManifest(opts.manifest, manifest);
  }
  const summary: Record<string, unknown> = {
    seed: params.seed,
    transport: opts.dryRun ? null : opts.transport,
    dry_run: opts.dryRun,
    events: manifest.counts.total,
    by_type: manifest.counts.by_type,
    qualified_streams: manifest.qualified_streams.total,
    generate_ms: round(generateMs),
    generated_per_s: round(manifest.counts.total / (generateMs / 1000)),
    manifest: opts.manifest ? path.resolve(opts.manifest) : null,
  };
  if (opts.dryRun) {
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  }

  // Pass 2: the same stream again (same seed, same ids), through the SDK.
  const config = loadConfig();
  const transport = await openTransport(opts, config);
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'sending |{bar}| {percentage}% {value}/{total} events | {eps} ev/s | rejected {rejected}',
    hideCursor: true,
    etaBuffer: 50,
  });
  const s0 = performance.now();
  bar.start(manifest.counts.total, 0, { eps: 0, rejected: 0 });
  const answered = (s: SendStats) => s.accepted + s.duplicates + s.rejected + s.dropped;
  const sender = createTrafficSender(
    // The gateway takes at most 500 events per request (GATEWAY_MAX_EVENTS): keep HTTP sends within it.
    {
      seed: params.seed,
      rate: opts.rate,
      ...(opts.transport === 'http' ? { maxCombined: 500 } : {}),
    },
    {
      transport,
      onProgress: (s) =>
        bar.update(answered(s), {
          eps: round(answered(s) / ((performance.now() - s0) / 1000)),
          rejected: s.rejected + s.dropped,
        }),
    },
  );
  let stats: SendStats;
  try {
    stats = await sender.send(generator.events());
  } finally {
    bar.stop();
    await transport.close();
  }
  const sendMs = performance.now() - s0;
  Object.assign(summary, {
    sent: answered(stats),
    accepted: stats.accepted,
    duplicates: stats.duplicates,
    rejected: stats.rejected,
    dropped: stats.dropped,
    retries: stats.retries,
    unpinned: stats.unpinned,
    duration_ms: round(sendMs),
    events_per_s: round(answered(stats) / (sendMs / 1000)),
    ...(stats.problems.length ? { problems: stats.problems } : {}),
  });
  console.log(JSON.stringify(summary, null, 2));
  return stats.rejected + stats.dropped + stats.unpinned === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  let opts: SimulatorOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    for (const p of err.problems) console.error(`simulator: ${p}`);
    console.error('simulator: run with --help for the flags');
    return 2;
  }
  if (opts.help) {
    console.log(usage());
    return 0;
  }
  try {
    return await run(opts);
  } catch (err) {
    if (err instanceof UsageError) {
      for (const p of err.problems) console.error(`simulator: ${p}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`simulator: ${err.message}`);
      return 2;
    }
    console.error(`simulator: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`simulator: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  },
);
