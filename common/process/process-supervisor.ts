import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackbeatError } from '../errors/backbeat.error.js';

/**
 * Secrets no service inherits from the supervisor's own environment: a service that needs one
 * names it in its spec (the chDB server takes its passwords from a file instead).
 */
export const SECRET_ENV = [
  'API_TOKEN_SECRET',
  'CLICKHOUSE_PASSWORD',
  'CLICKHOUSE_ANALYST_PASSWORD',
];

/** The supervisor's environment without SECRET_ENV (nor a CLICKHOUSE_URL holding a password), plus the spec's. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SECRET_ENV) delete out[k];
  if (out.CLICKHOUSE_URL && /\/\/[^/@]*:[^/@]*@/.test(out.CLICKHOUSE_URL))
    delete out.CLICKHOUSE_URL;
  return { ...out, ...env };
}

/** A long-running local service that the stack starts, watches and stops. */
export interface ServiceSpec {
  name: string;
  host: string;
  ports: number[];
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Runs before the first start (and before every start; it must be idempotent). */
  prepare?: () => Promise<void>;
  /** Resolves when the service answers requests. Polled until `readyTimeoutMs`. */
  ready: () => Promise<void>;
  readyTimeoutMs: number;
  /** A string that must appear in the process's command line: guards against pid reuse. */
  marker: string;
}

export interface ServiceStatus {
  name: string;
  running: boolean;
  pid?: number;
  ports: number[];
  log: string;
}

export class StackError extends BackbeatError {
  constructor(message: string, cause?: unknown) {
    super('STACK_ERROR', message, { cause });
  }
}

/** Starts services as detached process groups with pid files and log files under `dataDir`. */
export function createSupervisor(config: { dataDir: string }) {
  const runDir = path.join(config.dataDir, 'run');
  const logDir = path.join(config.dataDir, 'logs');
  const pidFile = (name: string) => path.join(runDir, `${name}.pid`);
  const logFile = (name: string) => path.join(logDir, `${name}.log`);

  function livePid(spec: Pick<ServiceSpec, 'name' | 'marker'>): number | undefined {
    const file = pidFile(spec.name);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isOurs(pid, spec.marker)) return pid;
    rmSync(file, { force: true });
    return undefined;
  }

  async function start(spec: ServiceSpec): Promise<{ pid: number; started: boolean }> {
    const existing = livePid(spec);
    if (existing) return { pid: existing, started: false };
    for (const p of spec.ports) {
      if (await portOpen(spec.host, p)) {
        throw new StackError(
          `${spec.name}: port ${spec.host}:${p} is already in use by another process; free it or choose another port (see README configuration)`,
        );
      }
    }
    mkdirSync(runDir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    await spec.prepare?.();
    const out = openSync(logFile(spec.name), 'a');
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: childEnv(spec.env),
    });
    closeSync(out);
    const pid = child.pid;
    if (!pid) throw new StackError(`${spec.name}: could not spawn ${spec.command}`);
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    child.unref();
    writeFileSync(pidFile(spec.name), `${pid}\n`);

    const deadline = Date.now() + spec.readyTimeoutMs;
    for (;;) {
      if (exited !== undefined) {
        rmSync(pidFile(spec.name), { force: true });
        throw new StackError(
          `${spec.name} exited with code ${exited} during start-up; last log lines:\n${tail(logFile(spec.name), 20)}`,
        );
      }
      try {
        await spec.ready();
        return { pid, started: true };
      } catch (err) {
        if (Date.now() > deadline) {
          await stop(spec);
          throw new StackError(
            `${spec.name} not ready after ${spec.readyTimeoutMs} ms (${(err as Error).message}); last log lines:\n${tail(logFile(spec.name), 20)}`,
          );
        }
      }
      await sleep(250);
    }
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`, then waits for the ports to close. */
  async function stop(
    spec: Pick<ServiceSpec, 'name' | 'marker' | 'host' | 'ports'>,
    graceMs = 20_000,
  ): Promise<boolean> {
    const pid = livePid(spec);
    if (!pid) return false;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      signalGroup(pid, 'SIGKILL');
      while (alive(pid)) await sleep(50);
    }
    for (const p of spec.ports) {
      const until = Date.now() + 10_000;
      while ((await portOpen(spec.host, p)) && Date.now() < until) await sleep(100);
    }
    rmSync(pidFile(spec.name), { force: true });
    return true;
  }

  function status(spec: Pick<ServiceSpec, 'name' | 'marker' | 'ports'>): ServiceStatus {
    const pid = livePid(spec);
    return {
      name: spec.name,
      running: !!pid,
      ports: spec.ports,
      log: logFile(spec.name),
      ...(pid ? { pid } : {}),
    };
  }

  return { start, stop, status, logFile };
}

export type Supervisor = ReturnType<typeof createSupervisor>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function isOurs(pid: number, marker: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker);
  } catch {
    return false;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}

/**
 * The command of a TypeScript entry point as one Node process (`node --import <tsx> <file>`),
 * with an absolute loader URL, since the supervisor may run from any working directory.
 */
export function tsEntryCommand(
  root: string,
  file: string,
  args: readonly string[] = [],
): { command: string; args: string[] } {
  const tsx = pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href;
  return { command: process.execPath, args: ['--import', tsx, path.join(root, file), ...args] };
}
