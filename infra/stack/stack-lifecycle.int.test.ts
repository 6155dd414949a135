import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, repoRoot } from '../../common/config/app.config.js';
import { createStack } from './stack.js';
import { portOpen } from '../../common/process/process-supervisor.js';

// A second, private stack: its own data folder and ports, beside the test run's stack.
const dataDir = mkdtempSync(path.join(tmpdir(), 'bb-stack-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  BACKBEAT_DATA_DIR: dataDir,
  KAFKA_PORT: '31092',
  KAFKA_CONTROLLER_PORT: '31093',
  REDIS_PORT: '31379',
  SCHEMA_REGISTRY_PORT: '31081',
  CHDB_SERVER_PORT: '31123',
};
delete env.KAFKA_BROKERS;
delete env.REDIS_URL;
delete env.SCHEMA_REGISTRY_URL;
delete env.CLICKHOUSE_URL;
const config = loadConfig(env);
const stack = createStack(config);
const ports = [31092, 31093, 31379, 31081, 31123];

/** Processes whose command line mentions this stack's data folder (Kafka, registry) or Redis address. */
function processesOfStack(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').match(/^\d+ \(.*\) Z/)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(dataDir) || cmd.includes('127.0.0.1:31379'))
        found.push(`${pid}: ${cmd.slice(0, 120)}`);
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

after(async () => {
  await stack.down();
  for (const dir of [dataDir, `${dataDir}-other`]) rmSync(dir, { recursive: true, force: true });
});

describe('stack up / status / down', () => {
  it('up starts Kafka and Redis, then the registry; a second up starts no duplicate', async () => {
    const first = await stack.up();
    const pids = first.services.map((s) => s.pid);
    assert.ok(
      first.services.every((s) => s.running && s.pid),
      JSON.stringify(first.services),
    );
    for (const p of ports) assert.ok(await portOpen('127.0.0.1', p), `port ${p} listens`);

    const second = await stack.up();
    assert.deepEqual(
      second.services.map((s) => s.pid),
      pids,
    );
    // One process per managed service (Kafka, Redis, the registry, ...), none twice.
    assert.ok(first.services.some((s) => s.name === 'registry' && s.running));
    assert.ok(first.services.some((s) => s.name === 'clickhouse' && s.running));
    assert.equal(
      processesOfStack().length,
      first.services.filter((s) => s.managed).length,
      processesOfStack().join('\n'),
    );
  });

  it('status says what runs where', () => {
    const s = stack.status();
    const byName = Object.fromEntries(s.services.map((x) => [x.name, x]));
    assert.equal(byName.kafka?.address, '127.0.0.1:31092');
    assert.equal(byName.redis?.address, '127.0.0.1:31379');
    assert.equal(byName.registry?.address, '127.0.0.1:31081');
    // The registry comes after Kafka: started once Kafka is ready, stopped before it.
    const names = s.services.map((x) => x.name);
    assert.ok(names.indexOf('registry') > names.indexOf('kafka'), names.join(', '));
    assert.deepEqual(s.clickhouse, { mode: 'chdb', location: path.join(dataDir, 'chdb') });
    // The chDB server owns the chDB folder; it is listed first, so `down` stops it last.
    assert.equal(byName.clickhouse?.address, '127.0.0.1:31123');
    assert.equal(byName.clickhouse?.detail, `(chDB: ${path.join(dataDir, 'chdb')})`);
    assert.equal(names[0], 'clickhouse');
  });

  it("Kafka's own CLI classes run from the same jar cache", () => {
    const root = repoRoot();
    execFileSync(
      'bash',
      [
        path.join(root, 'infra/kafka/kafka-class.sh'),
        'org.apache.kafka.tools.TopicCommand',
        '--bootstrap-server',
        '127.0.0.1:31092',
        '--create',
        '--topic',
        'cli-check',
        '--partitions',
        '2',
      ],
      { stdio: 'pipe' },
    );
    const list = execFileSync(
      'bash',
      [
        path.join(root, 'infra/kafka/kafka-class.sh'),
        'org.apache.kafka.tools.TopicCommand',
        '--bootstrap-server',
        '127.0.0.1:31092',
        '--list',
      ],
      { encoding: 'utf8' },
    );
    assert.match(list, /^cli-check$/m);
    const perf = execFileSync(
      'bash',
      [
        path.join(root, 'infra/kafka/kafka-class.sh'),
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        'cli-check',
        '--num-records',
        '1000',
        '--record-size',
        '100',
        '--throughput',
        '-1',
        '--producer-props',
        'bootstrap.servers=127.0.0.1:31092',
        'acks=all',
      ],
      { encoding: 'utf8' },
    );
    assert.match(perf, /1000 records sent/);
  });

  it('down leaves no process and no listening port behind; a second down is a no-op', async () => {
    await stack.down();
    assert.deepEqual(processesOfStack(), []);
    for (const p of ports) assert.equal(await portOpen('127.0.0.1', p), false, `port ${p} closed`);
    assert.ok(stack.status().services.every((s) => !s.running));
    await stack.down();
  });

  it('up refuses a port that another process holds, naming it', async () => {
    const other = createStack(loadConfig({ ...env, BACKBEAT_DATA_DIR: `${dataDir}-other` }));
    await other.up();
    try {
      await assert.rejects(
        () => stack.up(),
        /port 127\.0\.0\.1:\d+ is already in use by another process/,
      );
    } finally {
      await other.down();
    }
    assert.deepEqual(processesOfStack(), []);
  });
});
