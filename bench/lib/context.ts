import type { BenchmarkName, Size } from './args.js';
import type { Progress } from './progress.js';
import type { Row } from './report.js';

export interface BenchContext {
  size: Size;
  runs: number;
  basePort: number;
  /** .cache (Maven repo, Kafka jars, the Streams peer, cached workloads). */
  cacheDir: string;
  /** Set with --profile: where services write their .cpuprofile. */
  profileDir?: string;
  progress: Progress;
  /** Every benchmark this invocation runs (processors and rebuild share a stack when both do). */
  selected: ReadonlySet<BenchmarkName>;
}

export interface BenchOutput {
  rows: Row[];
  parameters: Record<string, unknown>;
  notes: string[];
  details: unknown[];
}

export interface Benchmark {
  name: BenchmarkName;
  title: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}

/** Picks the value for the run's size. */
export function bySize<T>(size: Size, v: { quick: T; small: T; full: T }): T {
  return v[size];
}
