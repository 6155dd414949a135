/**
 * What a result was measured on: the machine (CPU model, cores, memory, load), and the versions
 * of Kafka, Java, Node, librdkafka, Redis, ClickHouse (chDB) and the key libraries.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../common/config/app.config.js';

const root = repoRoot();
const require = createRequire(path.join(root, 'package.json'));

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  os: string;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  loadavg_start: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let cpu = cpus[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1]) osName = m[1];
  } catch {
    // keep the kernel's name
  }
  return {
    cpu,
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName,
    kernel: os.release(),
    loadavg_start: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function pkgVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    try {
      const p = path.join(root, 'node_modules', name, 'package.json');
      return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  }
}

/** The first line a command prints (stdout, else stderr: `java -version` writes there). */
function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}`.trim() || `${r.stderr ?? ''}`.trim();
  return text.split('\n')[0] || 'unknown';
}

export function versions(): Record<string, string> {
  const pom = readFileSync(path.join(root, 'infra/kafka/pom.xml'), 'utf8');
  const kafka = /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
  let librdkafka = 'unknown';
  try {
    librdkafka = (require('node-rdkafka') as { librdkafkaVersion: string }).librdkafkaVersion;
  } catch {
    // node-rdkafka not built
  }
  return {
    kafka,
    java: firstLine('java', ['-version'])
      .replace(/^openjdk version /, '')
      .replace(/"/g, ''),
    node: process.version,
    librdkafka,
    redis: firstLine('redis-server', ['--version']).replace(/^Redis server v=(\S+).*/, '$1'),
    'node-rdkafka': pkgVersion('node-rdkafka'),
    kafkajs: pkgVersion('kafkajs'),
    ioredis: pkgVersion('ioredis'),
    '@clickhouse/client': pkgVersion('@clickhouse/client'),
    chdb: pkgVersion('chdb'),
    express: pkgVersion('express'),
    avsc: pkgVersion('avsc'),
    autocannon: pkgVersion('autocannon'),
    fastify: pkgVersion('fastify'),
  };
}

/** Samples the 1-minute load average every `everyMs` until stopped. */
export function sampleLoad(everyMs = 5000) {
  const samples: number[] = [os.loadavg()[0] as number];
  const timer = setInterval(() => samples.push(os.loadavg()[0] as number), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(os.loadavg()[0] as number);
      const r = (x: number) => Math.round(x * 100) / 100;
      return {
        min: r(Math.min(...samples)),
        mean: r(samples.reduce((a, b) => a + b, 0) / samples.length),
        max: r(Math.max(...samples)),
      };
    },
  };
}
