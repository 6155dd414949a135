import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, repoRoot, type AppConfig } from '../../common/config/app.config.js';
import { privateStackEnv } from '../../infra/stack/private-stack-env.js';
import { createStack } from '../../infra/stack/stack.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import type { ProjectionName } from '../../processors/host/projection-registry.js';
import { projectionProgress as progressOf } from '../../processors/host/projection-progress.js';

const root = repoRoot();

/**
 * Runs a TypeScript entry point in one Node process (`node --import tsx`). Not through
 * `node_modules/.bin/tsx`: that wrapper runs the script in a second process and cannot pass on a
 * SIGKILL, so killing it would leave the real process running (and holding the test's pipes).
 */
export function spawnTs(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): ChildProcess & {
  stdout: NonNullable<ChildProcess['stdout']>;
  stderr: NonNullable<ChildProcess['stderr']>;
} {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, file), ...args], {
    cwd: root,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ReturnType<typeof spawnTs>;
}

/**
 * Runs a TypeScript command-line entry point to its end (spawnTs) and collects its output; after
 * `timeoutMs` it is sent `killSignal` (and reported with whatever code that gives).
 */
export function runTs(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; killSignal?: NodeJS.Signals } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(file, args, options.env ? { env: options.env } : {});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(
      () => child.kill(options.killSignal ?? 'SIGKILL'),
      options.timeoutMs ?? 120_000,
    );
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A whole private stack (Kafka, Redis, chDB server, registry) on ports base+N and a temp data
 * folder, for tests that kill, pause or flood things without touching the suite's stack.
 */
export async function startPrivateStack(base: number, extra: Record<string, string> = {}) {
  // One folder per base port: a run that died before stopping its stack is cleaned up by the next.
  const dataDir = path.join(root, '.data', `private-${base}`);
  const env = privateStackEnv(base, dataDir, extra);
  const config = loadConfig(env);
  const stack = createStack(config);
  await stack.down();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  try {
    await stack.up();
  } catch (err) {
    await stack.down(); // leave nothing half-started behind
    throw err;
  }
  const clickhouse = await openClickHouse(config.clickhouse);
  await migrate(clickhouse.client);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return {
    env,
    config,
    stack,
    clickhouse,
    redis,
    dataDir,
    async down() {
      redis.disconnect();
      await clickhouse.close();
      await stack.down();
    },
  };
}

export type PrivateStack = Awaited<ReturnType<typeof startPrivateStack>>;

/** A processors process (all projections unless PROCESSORS says otherwise). */
export function spawnProcessors(
  env: NodeJS.ProcessEnv,
  instance: string,
  metricsPort: number,
): ChildProcess & { output: () => string } {
  const child = spawnTs('processors/host/processors.main.ts', ['--instance', instance], {
    env: { ...env, METRICS_PORT: String(metricsPort) },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

/** Runs the simulator CLI to completion; resolves with its JSON summary. */
export function runSimulator(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawnTs('producers/simulator/simulator.cli.ts', args, { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      // The summary is the last top-level JSON object on stdout (pretty-printed).
      const at = out.lastIndexOf('\n{');
      const last = at >= 0 ? out.slice(at + 1) : out.trim();
      if (code !== 0)
        return reject(
          new Error(`simulator exited ${code}: ${err.slice(-2000)} ${out.slice(-2000)}`),
        );
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`simulator printed no JSON summary: ${out.slice(-500)}`));
      }
    });
  });
}

/** Per projection: messages its sink has applied and messages in its topics. */
export function projectionProgress(
  config: AppConfig,
  deps: { redis: Redis; clickhouse: ClickHouseHandle },
  names: readonly ProjectionName[],
) {
  return progressOf(config.kafka, { redis: deps.redis, clickhouse: deps.clickhouse.client }, names);
}

/** Every data key of a Redis projection generation, with its value, keyed without the prefix. */
export async function dumpRedisNamespace(
  redis: Redis,
  prefix: string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    for (const key of keys) {
      const type = await redis.type(key);
      const rel = key.slice(prefix.length);
      if (type === 'hash')
        out[rel] = Object.fromEntries(Object.entries(await redis.hgetall(key)).sort());
      else if (type === 'zset') out[rel] = await redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'set') out[rel] = (await redis.smembers(key)).sort();
      else if (type === 'string') out[rel] = await redis.get(key);
      else if (type === 'list') out[rel] = await redis.lrange(key, 0, -1);
    }
    cursor = next;
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
