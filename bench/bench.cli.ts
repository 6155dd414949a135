/**
 * npm run bench -- [name...] [--runs N] [--size small|full] [--quick] [--profile]
 *
 * Runs Backbeat's benchmarks, each on its own private stack, each figure as min/median/max over
 * the runs and as a ratio against an anchor measured beside it in the same run (see
 * bench/README.md). Writes bench/results/<date>-<name>.json and .md and prints the table.
 * Exit codes: 0 every benchmark ran (targets may be missed: the table says so), 1 a benchmark
 * could not run (the table says why), 2 a usage error.
 */
import path from 'node:path';
import {
  BENCHMARK_NAMES,
  UsageError,
  parseBenchArgs,
  usage,
  type BenchmarkName,
} from './lib/args.js';
import type { Benchmark, BenchContext } from './lib/context.js';
import { machineInfo, sampleLoad, versions } from './lib/machine.js';
import { killAllNow, root, stopAll } from './lib/procs.js';
import { createProgress } from './lib/progress.js';
import { writeResults, type BenchResult } from './lib/report.js';
import { stopAllStacks } from './lib/stack.js';
import { loadConfig } from '../common/config/app.config.js';
import { sdkProduce } from './benchmarks/sdk-produce.js';
import { gatewayIntake } from './benchmarks/gateway.js';
import { processorsBench, rebuildBench } from './benchmarks/processors.js';
import { e2eLatency } from './benchmarks/e2e-latency.js';
import { apiReads } from './benchmarks/api-reads.js';
import { analystQuery } from './benchmarks/analyst-query.js';
import { memoryBench } from './benchmarks/memory.js';
import { royaltyClose } from './benchmarks/royalty-close.js';
import { labelReads } from './benchmarks/label-reads.js';
import { recsBench } from './benchmarks/recs.js';

const BENCHMARKS: Record<BenchmarkName, Benchmark> = {
  'sdk-produce': sdkProduce,
  gateway: gatewayIntake,
  processors: processorsBench,
  'e2e-latency': e2eLatency,
  'api-reads': apiReads,
  rebuild: rebuildBench,
  'analyst-query': analystQuery,
  memory: memoryBench,
  'royalty-close': royaltyClose,
  'label-reads': labelReads,
  recs: recsBench,
};

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    for (const p of err.problems) console.error(`bench: ${p}`);
    console.error('bench: run with --help for the flags');
    return 2;
  }
  if (args.help) {
    console.log(usage());
    return 0;
  }
  const config = loadConfig();
  const cacheDir = config.stack.cacheDir;
  const when = new Date();
  const machine = machineInfo();
  const vers = versions();
  const outDir = args.out ? path.resolve(args.out) : path.join(root, 'bench/results');
  const results: BenchResult[] = [];
  const selected = new Set(args.names);
  let failed = 0;
  const t0 = performance.now();
  for (const [i, name] of args.names.entries()) {
    const bench = BENCHMARKS[name];
    const progress = createProgress(name);
    const ctx: BenchContext = {
      size: args.size,
      runs: args.runs,
      basePort: args.basePort + 100 * BENCHMARK_NAMES.indexOf(name),
      cacheDir,
      ...(args.profile ? { profileDir: path.join(cacheDir, 'bench-profiles', name) } : {}),
      progress,
      selected,
    };
    progress.log(
      `${i + 1}/${args.names.length}: ${bench.title} (size ${args.size}, ${args.runs} runs)`,
    );
    const load = sampleLoad();
    const started = new Date();
    const b0 = performance.now();
    let result: BenchResult;
    const base = {
      name,
      title: bench.title,
      started: started.toISOString(),
      runs: args.runs,
      size: args.size,
      machine: { ...machine, loadavg_start: machineInfo().loadavg_start },
      versions: vers,
    };
    try {
      const out = await bench.run(ctx);
      result = { ...base, duration_s: (performance.now() - b0) / 1000, load: load.stop(), ...out };
    } catch (err) {
      failed++;
      const why = (err as Error).stack ?? String(err);
      progress.log(`failed: ${why.split('\n').slice(0, 8).join('\n')}`);
      result = {
        ...base,
        duration_s: (performance.now() - b0) / 1000,
        load: load.stop(),
        parameters: {},
        rows: [],
        notes: [],
        details: [],
        failed: (err as Error).message.split('\n').slice(0, 6).join(' / '),
      };
      await stopAll();
      await stopAllStacks();
    } finally {
      progress.stop();
    }
    results.push(result);
    const files = writeResults(
      outDir,
      name,
      when,
      [result],
      `Backbeat benchmark ${name}, ${when.toISOString().slice(0, 16)}Z`,
    );
    process.stderr.write(
      `[bench ${name}] wrote ${path.relative(root, files.json)} and ${path.relative(root, files.md)}\n`,
    );
    if (args.names.length === 1) console.log(files.markdown);
  }
  if (args.names.length > 1) {
    const files = writeResults(
      outDir,
      'all',
      when,
      results,
      `Backbeat benchmarks, ${when.toISOString().slice(0, 16)}Z (${Math.round((performance.now() - t0) / 60_000)} min)`,
    );
    process.stderr.write(
      `[bench] wrote ${path.relative(root, files.json)} and ${path.relative(root, files.md)}\n`,
    );
    console.log(files.markdown);
  }
  return failed ? 1 : 0;
}

let stopping = false;
const interrupt = (sig: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\n[bench] ${sig}: stopping every process and stack this run started\n`);
  void Promise.all([stopAll(), stopAllStacks()]).finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);
process.once('exit', killAllNow);

main(process.argv.slice(2)).then(
  async (code) => {
    await stopAll();
    await stopAllStacks();
    process.exit(code);
  },
  async (err: unknown) => {
    console.error(`bench: ${(err as Error)?.stack ?? String(err)}`);
    await stopAll();
    await stopAllStacks();
    process.exit(1);
  },
);
