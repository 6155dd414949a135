/**
 * Finds test files by tier suffix (.unit.test.ts, .int.test.ts, .fuzz.test.ts, .e2e.test.ts) and runs them
 * with Node's own test runner in one invocation, tiers in that order, so one summary closes
 * the run. Usage: tsx infra/scripts/run-tests.ts [unit] [int] [fuzz] [e2e] [--filter substring]
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../common/config/app.config.js';
import { parseTestArgs } from './test-args.js';

const SKIP = new Set(['node_modules', 'dist', '.cache', '.data', '.git']);

function find(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const parsed = parseTestArgs(process.argv.slice(2));
if (!parsed.ok) {
  console.error(`run-tests: ${parsed.error}`);
  process.exit(2);
}
const { tiers, filter } = parsed;
const root = repoRoot();
const all = find(root).sort();
const files = tiers.flatMap((t) =>
  all.filter((f) => f.endsWith(`.${t}.test.ts`) && (!filter || f.includes(filter))),
);
if (!files.length) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// A test that leaves a handle open (a socket, a child's pipe) would keep its file's process
// alive after its last test: --test-force-exit ends each file once its tests and hooks are done,
// --test-timeout bounds any test that sets no timeout of its own, and the watchdog below bounds
// the whole run, so CI gets an answer instead of an over-time kill.
const RUN_LIMIT_MS = Number(process.env.BACKBEAT_TEST_RUN_LIMIT_MS ?? 60 * 60_000);
if (!Number.isInteger(RUN_LIMIT_MS) || RUN_LIMIT_MS <= 0) {
  console.error('run-tests: BACKBEAT_TEST_RUN_LIMIT_MS must be a positive integer (milliseconds)');
  process.exit(2);
}
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=1',
    '--test-force-exit',
    '--test-timeout=900000',
    ...files.map((f) => path.relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', detached: true },
);
const killRun = (sig: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    /* already gone */
  }
};
const watchdog = setTimeout(() => {
  console.error(
    `run-tests: the run exceeded ${RUN_LIMIT_MS} ms (BACKBEAT_TEST_RUN_LIMIT_MS); stopping it as failed`,
  );
  killRun('SIGTERM');
  setTimeout(() => killRun('SIGKILL'), 10_000).unref();
}, RUN_LIMIT_MS);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => killRun(sig));
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(code ?? (signal ? 1 : 0));
});
