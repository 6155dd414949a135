import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BENCHMARK_NAMES, UsageError, parseBenchArgs } from './args.js';
import { percentile, ratios, spread } from './stats.js';

describe('bench flags', () => {
  it('defaults to every benchmark, 3 runs, full size', () => {
    const a = parseBenchArgs([]);
    assert.deepEqual(a.names, [...BENCHMARK_NAMES]);
    assert.equal(a.runs, 3);
    assert.equal(a.size, 'full');
  });
  it('takes names, --runs, --size, --quick', () => {
    assert.deepEqual(parseBenchArgs(['gateway', '--runs=5', '--size', 'small']).names, ['gateway']);
    assert.equal(parseBenchArgs(['--runs', '5']).runs, 5);
    assert.equal(parseBenchArgs(['--quick']).size, 'quick');
  });
  it('names every bad flag', () => {
    const bad = (argv: string[], re: RegExp) => {
      try {
        parseBenchArgs(argv);
        assert.fail(`accepted ${argv.join(' ')}`);
      } catch (err) {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, re);
      }
    };
    bad(['--runs', '0'], /--runs/);
    bad(['--runs'], /--runs needs a value/);
    bad(['--size', 'huge'], /--size/);
    bad(['--quick', '--size', 'small'], /exclude/);
    bad(['--fast'], /unknown flag --fast/);
    bad(['nope'], /unknown benchmark "nope"/);
    bad(['--base-port', '80'], /--base-port/);
  });
});

describe('bench statistics', () => {
  it('min, median and max', () => {
    assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3, n: 3 });
    assert.equal(spread([1, 2, 3, 4])?.median, 2.5);
    assert.equal(spread([]), undefined);
  });
  it('pairs ratios by run', () => {
    assert.deepEqual(ratios([10, 20], [5, 40]), [2, 0.5]);
  });
  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
  });
});
