/**
 * The processors process's life cycle against the real stack: start-up with dependencies that
 * are not there yet (Kafka refusing connections, Redis accepting them and never answering, as
 * when SIGSTOPped), two named instances side by side in one group, and a bounded stop through
 * `npm run processors` while Redis does not answer. Outages are played by loopback TCP proxies
 * in front of the real stores, so the shared stack is never stopped.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot, type AppConfig } from '../../common/config/app.config.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { openClickHouse } from '../../sinks/clickhouse/clickhouse.client.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { runSimulator, spawnTs } from '../../test/helpers/platform.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { takenOverAt } from '../../test/helpers/processor-log.helper.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.helper.js';

let config: AppConfig;
const children: ChildProcess[] = [];
const spawned: Spawned[] = [];
const trees: number[][] = [];
const closers: (() => Promise<void>)[] = [];

before(async () => {
  config = await useStack();
  const ch = await openClickHouse(config.clickhouse);
  await migrate(ch.client); // processors wait for the schema version they need
  await ch.close();
});
after(async () => {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null)
      await new Promise((done) => c.once('exit', done).kill('SIGKILL'));
  for (const pid of trees.flat()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const close of closers) await close();
});

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    PROCESSORS: 'play-counts',
    PROCESSOR_RETRY_MAX_MS: '1000',
    ...extra,
  };
  delete env.METRICS_PORT; // a named instance then takes an ephemeral port and logs it
  return env;
}

interface Spawned {
  child: ChildProcess;
  output: () => string;
  /** The base URL of its /metrics, /healthz and /readyz, from its start-up log line. */
  opsUrl: () => Promise<string>;
}

function watch(child: ChildProcess): Spawned {
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const s: Spawned = {
    child,
    output: () => out,
    opsUrl: async () => {
      let url = '';
      await eventually(
        async () => {
          const m = /"metrics_url":"(http:\/\/[^"]+)\/metrics"/.exec(out);
          url = m?.[1] ?? '';
          return url !== '' || child.exitCode !== null;
        },
        60_000,
        'the ops server URL in the log',
      );
      assert.ok(url, `no ops server URL logged:\n${out.slice(-3000)}`);
      return url;
    },
  };
  spawned.push(s);
  return s;
}

/** On a failure, the log of every process the test started. */
function showLogsOnFailure(t: { after: (fn: () => void) => void }, passed: () => boolean) {
  const from = spawned.length;
  t.after(() => {
    if (!passed())
      for (const s of spawned.slice(from))
        console.error(`--- pid ${s.child.pid}:\n${s.output().slice(-6000)}`);
  });
}

async function readyz(base: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

async function eventsApplied(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('backbeat_processor_events_total{'))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Every pid in the process tree under (and including) `pid`. */
function processTree(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const kids = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    kids.set(pp, [...(kids.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const simulate = (events: number, seed: number) =>
  runSimulator({ ...process.env, LOG_LEVEL: 'warn' }, [
    '--seed',
    String(seed),
    '--events',
    String(events),
    '--users',
    '50',
    '--tracks',
    '50',
    '--days',
    '2',
  ]);

describe('processors life cycle', { timeout: 300_000 }, () => {
  it('waits for Redis (stopped) and Kafka (not up) at start-up, says so, then applies events', async (t) => {
    let passed = false;
    showLogsOnFailure(t, () => passed);
    const redisUrl = new URL(config.redis.url);
    const redis = await startTcpProxy(
      { host: redisUrl.hostname, port: Number(redisUrl.port) },
      'stalled',
    );
    const [kHost, kPort] = config.kafka.brokers[0]!.split(':') as [string, string];
    const kafka = await startTcpProxy({ host: kHost, port: Number(kPort) }, 'closed');
    closers.push(redis.close, kafka.close);
    const p = watch(
      spawnTs('processors/host/processors.main.ts', ['--instance', 'deps'], {
        env: baseEnv({
          REDIS_URL: `redis://${redis.url}/0`,
          KAFKA_BROKERS: kafka.url,
        }),
      }),
    );
    const ops = await p.opsUrl();

    // Redis accepts and never answers: not ready, naming Redis; alive and healthy.
    await eventually(
      async () => /waiting for redis/.test((await readyz(ops)).body),
      30_000,
      'readyz names redis',
    );
    let r = await readyz(ops);
    assert.equal(r.status, 503, r.body);
    assert.equal((await fetch(`${ops}/healthz`)).status, 200);
    await sleep(3000);
    assert.equal(p.child.exitCode, null, `exited while Redis was down:\n${p.output()}`);
    assert.match(p.output(), /"dependency":"redis".*next retry in \d+ ms/);

    // Redis back, Kafka still refusing: not ready, naming Kafka.
    await redis.set('open');
    await eventually(
      async () => /waiting for kafka/.test((await readyz(ops)).body),
      60_000,
      'readyz names kafka',
    );
    r = await readyz(ops);
    assert.equal(r.status, 503, r.body);
    assert.equal((await fetch(`${ops}/healthz`)).status, 200);
    await sleep(3000);
    assert.equal(p.child.exitCode, null, `exited while Kafka was down:\n${p.output()}`);
    assert.match(p.output(), /"dependency":"kafka"/);

    // Kafka up: ready, and events are applied.
    await kafka.set('open');
    await eventually(async () => (await readyz(ops)).status === 200, 90_000, 'ready');
    const before = await eventsApplied(ops);
    await simulate(200, 9101);
    await eventually(
      async () => (await eventsApplied(ops)) > before,
      90_000,
      'events applied after the dependencies came',
    );
    passed = true;
    p.child.kill('SIGTERM');
  });

  it('two named instances in one group both start, expose /metrics and share the partitions; the partitions of a SIGKILLed one move within 10 s', async (t) => {
    let passed = false;
    showLogsOnFailure(t, () => passed);
    const a = watch(
      spawnTs('processors/host/processors.main.ts', ['--instance', 'pair-a'], { env: baseEnv({}) }),
    );
    const b = watch(
      spawnTs('processors/host/processors.main.ts', ['--instance', 'pair-b'], { env: baseEnv({}) }),
    );
    const [ua, ub] = await Promise.all([a.opsUrl(), b.opsUrl()]);
    assert.notEqual(ua, ub);
    for (const u of [ua, ub]) {
      await eventually(async () => (await readyz(u)).status === 200, 90_000, `${u} ready`);
      const m = await fetch(`${u}/metrics`);
      assert.equal(m.status, 200);
      assert.match(await m.text(), /backbeat_/);
    }
    // The last assignment each logged: disjoint, both non-empty (eager rebalancing).
    const lastAssigned = (out: string): string[] => {
      const lines = out.split('\n').filter((l) => l.includes('"partitions assigned"'));
      const m = /"assigned":\[([^\]]*)\]/.exec(lines.at(-1) ?? '');
      return m?.[1] ? m[1].split(',').map((s) => s.replace(/"/g, '')) : [];
    };
    await eventually(
      async () => {
        const pa = lastAssigned(a.output());
        const pb = lastAssigned(b.output());
        return pa.length > 0 && pb.length > 0 && pa.every((x) => !pb.includes(x));
      },
      60_000,
      'both instances own partitions of the group',
    );
    assert.equal(a.child.exitCode, null, a.output().slice(-2000));
    assert.equal(b.child.exitCode, null, b.output().slice(-2000));

    // kill -9 of one: the other owns its partitions within 10 s (PROCESSOR_SESSION_TIMEOUT_MS).
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    let failoverMs = NaN;
    await eventually(
      () => {
        const at = takenOverAt(b.output(), a.output(), killedAt);
        if (at !== undefined) failoverMs = at - killedAt;
        return at !== undefined;
      },
      60_000,
      'instance a owning the partitions of the SIGKILLed instance b',
    );
    console.log(`failover: a owned every partition of SIGKILLed b ${failoverMs} ms after the kill`);
    assert.ok(failoverMs < 10_000, `failover took ${failoverMs} ms (want < 10 s)`);
    passed = true;
    a.child.kill('SIGTERM');
  });

  it('SIGTERM to `npm run processors` ends every process of its tree within the grace, with Redis not answering', async (t) => {
    let passed = false;
    showLogsOnFailure(t, () => passed);
    const redisUrl = new URL(config.redis.url);
    const redis = await startTcpProxy(
      { host: redisUrl.hostname, port: Number(redisUrl.port) },
      'open',
    );
    closers.push(redis.close);
    const graceMs = 3000;
    const npm = spawn('npm', ['run', '-s', 'processors', '--', '--instance', 'stop'], {
      cwd: repoRoot(),
      env: baseEnv({
        REDIS_URL: `redis://${redis.url}/0`,
        PROCESSOR_STOP_GRACE_MS: String(graceMs),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = watch(npm);
    const ops = await p.opsUrl();
    await eventually(async () => (await readyz(ops)).status === 200, 90_000, 'ready');
    await redis.set('stalled'); // as SIGSTOPped: connections held, nothing answered
    await sleep(3000); // its generation watch and lag queries now hang on Redis
    const tree = processTree(npm.pid!);
    trees.push(tree);
    assert.ok(tree.length >= 2, `npm and node: ${tree.join(',')}`);
    const sent = Date.now();
    npm.kill('SIGTERM');
    await eventually(
      async () => tree.every((pid) => !alive(pid)),
      graceMs + 5000,
      `every process of ${tree.join(',')} exited`,
    );
    passed = true;
    console.log(`stop: all ${tree.length} processes gone ${Date.now() - sent} ms after SIGTERM`);
  });
});
