import type { AppConfig } from '../../common/config/app.config.js';
import { chdbServerService } from '../../services/chdb-server/chdb-server.service.js';
import { kafkaService } from '../kafka/kafka.service.js';
import { redisService } from '../redis/redis.service.js';
import { registryService } from '../../services/schema-registry/registry.service.js';
import {
  createSupervisor,
  type ServiceSpec,
  type ServiceStatus,
} from '../../common/process/process-supervisor.js';

export interface StackReport {
  services: (ServiceStatus & { address: string; managed: boolean; detail?: string })[];
  clickhouse: { mode: 'chdb' | 'server'; location: string };
  dataDir: string;
}

/**
 * The local stack: the services Backbeat needs that run as their own processes (Kafka, Redis,
 * then the schema registry, which needs Kafka).
 * ClickHouse is the chDB server (the one process that opens the chDB data folder; every other
 * process reaches it over HTTP) unless CLICKHOUSE_URL is set. It starts beside Kafka and Redis
 * and stops last.
 * Services given by URL (KAFKA_BROKERS, REDIS_URL, SCHEMA_REGISTRY_URL) are external and never
 * started here.
 */
export function createStack(
  config: Pick<
    AppConfig,
    'stack' | 'kafka' | 'redis' | 'clickhouse' | 'chdbServer' | 'registry' | 'log'
  >,
) {
  const supervisor = createSupervisor({ dataDir: config.stack.dataDir });
  // Started in waves: every service of a wave in parallel, a wave once the previous is ready.
  const waves: ServiceSpec[][] = [[], []];
  // First in the list, so `down` (which goes in reverse) stops it last.
  if (config.clickhouse.local) waves[0]!.push(chdbServerService(config));
  if (config.kafka.local) waves[0]!.push(kafkaService(config));
  if (config.redis.local) waves[0]!.push(redisService(config));
  if (config.registry.local) waves[1]!.push(registryService(config));
  const specs = waves.flat();

  const address = (s: ServiceSpec) => `${s.host}:${s.ports[0]}`;

  async function up(log: (line: string) => void = () => undefined): Promise<StackReport> {
    // Kafka and Redis in parallel (Kafka's JVM start dominates), then the registry.
    for (const wave of waves) {
      await Promise.all(
        wave.map(async (s) => {
          const t0 = Date.now();
          const r = await supervisor.start(s);
          log(
            r.started
              ? `${s.name} started (pid ${r.pid}) on ${address(s)} in ${Date.now() - t0} ms`
              : `${s.name} already running (pid ${r.pid}) on ${address(s)}`,
          );
        }),
      );
    }
    return status();
  }

  async function down(log: (line: string) => void = () => undefined): Promise<void> {
    for (const s of [...specs].reverse()) {
      const stopped = await supervisor.stop(s);
      log(stopped ? `${s.name} stopped` : `${s.name} was not running`);
    }
  }

  function status(): StackReport {
    const services = specs.map((s) => ({
      ...supervisor.status(s),
      address: address(s),
      managed: true,
      ...(s.name === 'clickhouse' ? { detail: `(chDB: ${config.clickhouse.chdbPath})` } : {}),
    }));
    if (!config.kafka.local)
      services.push({
        name: 'kafka',
        running: true,
        ports: [],
        log: '-',
        address: config.kafka.brokers.join(','),
        managed: false,
      });
    if (!config.redis.local)
      services.push({
        name: 'redis',
        running: true,
        ports: [],
        log: '-',
        address: config.redis.url,
        managed: false,
      });
    if (!config.registry.local)
      services.push({
        name: 'registry',
        running: true,
        ports: [],
        log: '-',
        address: config.registry.url,
        managed: false,
      });
    if (!config.clickhouse.local)
      services.push({
        name: 'clickhouse',
        running: true,
        ports: [],
        log: '-',
        address: new URL(config.clickhouse.url).host,
        managed: false,
      });
    return {
      services,
      clickhouse: config.clickhouse.local
        ? { mode: 'chdb', location: config.clickhouse.chdbPath }
        : { mode: 'server', location: new URL(config.clickhouse.url).host },
      dataDir: config.stack.dataDir,
    };
  }

  return { up, down, status, logFile: supervisor.logFile, services: specs };
}

export type Stack = ReturnType<typeof createStack>;

export function formatReport(r: StackReport): string {
  const lines = r.services.map(
    (s) =>
      `  ${s.name.padEnd(11)} ${(s.managed ? (s.running ? `running pid ${s.pid}` : 'stopped') : 'external').padEnd(18)} ${s.address.padEnd(22)} ${s.detail ? `${s.detail}  ` : ''}${s.log}`,
  );
  return [`stack data: ${r.dataDir}`, ...lines].join('\n');
}
