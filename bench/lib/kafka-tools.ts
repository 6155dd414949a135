/**
 * Kafka's own perf tools (ProducerPerformance, ConsumerPerformance) from the Maven-resolved jars
 * through infra/kafka/kafka-class.sh, and the Kafka Streams peer built by Maven from
 * bench/peers/ into .cache/bench-peers.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, runToEnd, spawnProc, type Proc } from './procs.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

const kafkaClass = path.join(root, 'infra/kafka/kafka-class.sh');

export interface ProducerPerfResult {
  records: number;
  records_per_s: number;
  mb_per_s: number;
  avg_latency_ms: number;
  max_latency_ms: number;
  p99_ms: number;
}

/** ProducerPerformance's summary line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, ... 99th ...". */
export function parseProducerPerf(out: string): ProducerPerfResult {
  const lines = out
    .trim()
    .split('\n')
    .filter((l) => / records sent, /.test(l));
  const last = lines[lines.length - 1];
  const m = last
    ? /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, \d+ ms 50th, \d+ ms 95th, (\d+) ms 99th)?/.exec(
        last,
      )
    : null;
  if (!m)
    throw new BackbeatError(
      'BENCH_UNREADABLE_OUTPUT',
      `ProducerPerformance printed no summary:\n${out.slice(-1500)}`,
    );
  return {
    records: Number(m[1]),
    records_per_s: Number(m[2]),
    mb_per_s: Number(m[3]),
    avg_latency_ms: Number(m[4]),
    max_latency_ms: Number(m[5]),
    p99_ms: m[6] === undefined ? NaN : Number(m[6]),
  };
}

export async function producerPerformance(opts: {
  bootstrap: string;
  topic: string;
  records: number;
  recordSize: number;
  props: Record<string, string | number>;
  timeoutMs?: number;
}): Promise<ProducerPerfResult & { command: string }> {
  const args = [
    'org.apache.kafka.tools.ProducerPerformance',
    '--bootstrap-server',
    opts.bootstrap,
    '--topic',
    opts.topic,
    '--num-records',
    String(opts.records),
    '--record-size',
    String(opts.recordSize),
    '--throughput',
    '-1',
    '--command-property',
    ...Object.entries(opts.props).map(([k, v]) => `${k}=${v}`),
  ];
  const p = spawnProc('ProducerPerformance', 'bash', [kafkaClass, ...args], {
    ...process.env,
    KAFKA_TOOL_OPTS: '-Xmx1g',
  });
  const out = await runToEnd(p, opts.timeoutMs ?? 600_000);
  return { ...parseProducerPerf(out), command: `infra/kafka/kafka-class.sh ${args.join(' ')}` };
}

export interface ConsumerPerfResult {
  records: number;
  records_per_s: number;
  mb_per_s: number;
  fetch_records_per_s: number;
  rebalance_ms: number;
  fetch_ms: number;
}

/** ConsumerPerformance's CSV: a header line and a value line, matched by column name. */
export function parseConsumerPerf(out: string): ConsumerPerfResult {
  const lines = out.trim().split('\n');
  const h = lines.findIndex((l) => l.includes('nMsg.sec'));
  const header = h >= 0 ? lines[h] : undefined;
  const values = h >= 0 ? lines[h + 1] : undefined;
  if (!header || !values)
    throw new BackbeatError(
      'BENCH_UNREADABLE_OUTPUT',
      `ConsumerPerformance printed no result:\n${out.slice(-1500)}`,
    );
  const cols = header.split(',').map((c) => c.trim());
  const vals = values.split(',').map((v) => v.trim());
  const get = (name: string) => {
    const i = cols.indexOf(name);
    return i >= 0 ? Number(vals[i]) : NaN;
  };
  return {
    records: get('data.consumed.in.nMsg'),
    records_per_s: get('nMsg.sec'),
    mb_per_s: get('MB.sec'),
    fetch_records_per_s: get('fetch.nMsg.sec'),
    rebalance_ms: get('rebalance.time.ms'),
    fetch_ms: get('fetch.time.ms'),
  };
}

export async function consumerPerformance(opts: {
  bootstrap: string;
  include: string;
  records: number;
  group: string;
  timeoutMs?: number;
}): Promise<ConsumerPerfResult & { command: string }> {
  const args = [
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    opts.bootstrap,
    '--include',
    opts.include,
    '--num-records',
    String(opts.records),
    '--group',
    opts.group,
    '--timeout',
    '30000',
  ];
  const p = spawnProc('ConsumerPerformance', 'bash', [kafkaClass, ...args], {
    ...process.env,
    KAFKA_TOOL_OPTS: '-Xmx1g',
  });
  const out = await runToEnd(p, opts.timeoutMs ?? 900_000);
  return { ...parseConsumerPerf(out), command: `infra/kafka/kafka-class.sh ${args.join(' ')}` };
}

/** Builds the Kafka Streams peer with Maven (skipped when the sources have not changed). */
export function buildPeers(cacheDir: string, log: (s: string) => void): { classpath: string } {
  const out = path.join(cacheDir, 'bench-peers');
  const peers = path.join(root, 'bench/peers');
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = path.join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else hash.update(p).update(readFileSync(p));
    }
  };
  walk(peers);
  const want = hash.digest('hex');
  const stampFile = path.join(out, '.complete');
  const jar = path.join(out, 'target', 'backbeat-bench-peers-1.0.0.jar');
  if (!(existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want && existsSync(jar))) {
    log('building the Kafka Streams peer with Maven (bench/peers -> .cache/bench-peers)');
    const r = spawnSync(
      'mvn',
      [
        '-B',
        '-q',
        '-Dstyle.color=never',
        '-f',
        path.join(peers, 'pom.xml'),
        `-Dmaven.repo.local=${path.join(cacheDir, 'm2')}`,
        `-Dpeers.out=${out}`,
        'package',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0)
      throw new BackbeatError(
        'BENCH_BUILD_FAILED',
        `Maven could not build bench/peers (exit ${r.status}):\n${`${r.stdout}${r.stderr}`.slice(-3000)}`,
      );
    writeFileSync(stampFile, want);
  }
  return { classpath: `${jar}:${path.join(out, 'libs')}/*` };
}

/** Starts the Kafka Streams per-track qualified-stream count on the playback topic. */
export function startStreamsPeer(opts: {
  classpath: string;
  bootstrap: string;
  topic: string;
  schemaFile: string;
  applicationId: string;
  stateDir: string;
  expected: number;
}): Proc {
  return spawnProc(
    'kafka-streams-peer',
    'java',
    [
      '-Xmx1g',
      '-cp',
      opts.classpath,
      'dev.backbeat.bench.QualifiedStreamCount',
      opts.bootstrap,
      opts.topic,
      opts.schemaFile,
      opts.applicationId,
      opts.stateDir,
      String(opts.expected),
    ],
    process.env,
  );
}
