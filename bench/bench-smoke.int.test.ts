/**
 * Smoke test of the benchmark harness: runs every benchmark once at tiny sizes (`--quick
 * --runs 1`), each on its own private stack, so that none of them rots. It checks that every
 * benchmark ran and wrote its table, not the numbers (this machine is shared and noisy; the
 * numbers are what `npm run bench` is for).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BENCHMARK_NAMES } from './lib/args.js';
import type { BenchResult } from './lib/report.js';
import { runTs } from '../test/helpers/platform.helper.js';
import { tempDir } from '../test/helpers/temp-dir.helper.js';

const out = tempDir('bb-bench-smoke-');

function runBench(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // SIGTERM, not SIGKILL: the CLI then stops the private stacks it started.
  return runTs('bench/bench.cli.ts', args, {
    env: { ...process.env, FORCE_COLOR: '0' },
    timeoutMs,
    killSignal: 'SIGTERM',
  });
}

describe('npm run bench', { timeout: 480_000 }, () => {
  it('refuses a bad flag with exit 2, naming it', async () => {
    const r = await runBench(['--runs', 'many'], 30_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--runs must be an integer/);
  });

  it('runs every benchmark at tiny sizes and writes the table', async () => {
    const r = await runBench(
      ['--quick', '--runs', '1', '--base-port', '23000', '--out', out],
      450_000,
    );
    assert.equal(r.code, 0, `bench exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    const files = readdirSync(out);
    const all = files.find((f) => f.endsWith('-all.json'));
    assert.ok(all, `no combined result in ${files.join(', ')}`);
    const results = JSON.parse(readFileSync(path.join(out, all), 'utf8')) as BenchResult[];
    assert.deepEqual(
      results.map((x) => x.name),
      [...BENCHMARK_NAMES],
    );
    for (const x of results) assert.equal(x.failed, undefined, `${x.name}: ${x.failed}`);
    const figures = new Set(results.flatMap((x) => x.rows.map((row) => row.figure)));
    for (const f of [
      '1',
      '2',
      '2b',
      '2c',
      '2d',
      '3',
      '3b',
      '4',
      '4b',
      '4c',
      '5',
      '5c',
      '5g',
      '6',
      '7',
      'M',
      'Mh',
      'R',
      'L',
      'Lb',
      'E1',
      'E3',
      'E5',
      'E7',
    ])
      assert.ok(figures.has(f), `figure ${f} missing from ${[...figures].join(', ')}`);
    for (const x of results)
      for (const row of x.rows) {
        assert.ok(
          row.values.length >= 1 && row.values.every((v) => Number.isFinite(v) && v > 0),
          `${row.figure} ${row.what}: ${row.values}`,
        );
        if (row.anchor)
          assert.ok(
            row.anchor.values.every((v) => Number.isFinite(v) && v > 0),
            `anchor of ${row.figure}`,
          );
      }
    assert.match(r.stdout, /\| 1 \| SDK Kafka transport/);
    assert.ok(files.some((f) => f.endsWith('-sdk-produce.md')));
  });
});
