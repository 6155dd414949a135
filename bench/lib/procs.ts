/**
 * Child processes of a benchmark: Backbeat's own services (gateway, processors, API) started
 * from their real entry points with the private stack's environment, the JVM tools, and a
 * registry that stops every one of them on exit, Ctrl-C or failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const root = repoRoot();
const tsxLoader = pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href;

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Its Prometheus endpoint, when it is a Backbeat service. */
  metricsUrl?: string;
}

const live = new Set<Proc>();

/** Stops every child still running (the CLI calls it on exit paths). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(5000)));
}

/** Kills every child at once, synchronously (for process 'exit'). */
export function killAllNow(): void {
  for (const p of live) if (!p.exited()) p.child.kill('SIGKILL');
}

export function spawnProc(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Proc {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let gone = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      live.delete(proc);
      resolve();
    }),
  );
  child.once('error', (err) => {
    keep(Buffer.from(`spawn error: ${err.message}\n`));
  });
  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => out,
    exited: () => gone,
    async stop(graceMs = 20_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedP;
      clearTimeout(t);
    },
  };
  live.add(proc);
  return proc;
}

/**
 * A TypeScript entry point run with node + tsx's loader (not the tsx CLI, which would put a
 * wrapper process between us and the service: its pid is what VmHWM is read from).
 */
export function spawnNode(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { profileDir?: string } = {},
): Proc {
  const prof: string[] = [];
  if (opts.profileDir) {
    // One folder per service: V8 writes one profile per thread (the main thread's is the
    // largest; tsx's loader worker writes a small one beside it).
    const dir = path.join(opts.profileDir, name);
    mkdirSync(dir, { recursive: true });
    prof.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  return spawnProc(
    name,
    process.execPath,
    [...prof, '--import', tsxLoader, path.join(root, script), ...args],
    env,
  );
}

/** Peak resident set size (VmHWM) of a live process, in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new BackbeatError('BENCH_UNREADABLE_OUTPUT', `no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Current resident set size (VmRSS) of a live process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new BackbeatError('BENCH_UNREADABLE_OUTPUT', `no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Resolves when GET url answers 200; fails with the process's output if it exits first. */
export async function waitHttpOk(url: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited())
      throw new BackbeatError(
        'BENCH_PROCESS_EXITED',
        `${proc.name} exited during start-up (code ${proc.child.exitCode}, signal ${proc.child.signalCode}):\n${proc.output().slice(-3000)}`,
      );
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline)
      throw new BackbeatError(
        'BENCH_NOT_READY',
        `${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${proc.output().slice(-3000)}`,
      );
    await sleep(200);
  }
}

/** Runs a process to completion; resolves with its output, rejects on a non-zero exit. */
export async function runToEnd(proc: Proc, timeoutMs: number): Promise<string> {
  const done = new Promise<number | null>((resolve) => {
    if (proc.exited()) resolve(proc.child.exitCode);
    else proc.child.once('exit', (code) => resolve(code));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const r = await Promise.race([done, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    await proc.stop(2000);
    throw new BackbeatError(
      'BENCH_TIMEOUT',
      `${proc.name} did not finish within ${timeoutMs} ms:\n${proc.output().slice(-3000)}`,
    );
  }
  if (r !== 0)
    throw new BackbeatError(
      'BENCH_PROCESS_EXITED',
      `${proc.name} exited ${r}:\n${proc.output().slice(-3000)}`,
    );
  return proc.output();
}
