import type { AppConfig } from '../../common/config/app.config.js';
import { kafkaService } from '../kafka/kafka.service.js';
import { redisService } from '../redis/redis.service.js';
import { createSupervisor, type ServiceSpec, type ServiceStatus } from './process-supervisor.js';

export interface StackReport {
  services: (ServiceStatus & { address: string; managed: boolean })[];
  clickhouse: { mode: 'chdb' | 'server'; location: string };
  dataDir: string;
}

/**
 * The local stack: the services Backbeat needs that run as their own processes (Kafka, Redis).
 * ClickHouse is embedded (chDB) in the process that opens it unless CLICKHOUSE_URL is set.
 * Services given by URL (KAFKA_BROKERS, REDIS_URL) are external and never started here.
 */
export function createStack(config: Pick<AppConfig, 'stack' | 'kafka' | 'redis' | 'clickhouse'>) {
  const supervisor = createSupervisor({ dataDir: config.stack.dataDir });
  const specs: ServiceSpec[] = [];
  if (config.kafka.local) specs.push(kafkaService(config));
  if (config.redis.local) specs.push(redisService(config));

  const address = (s: ServiceSpec) => `${s.host}:${s.ports[0]}`;

  async function up(log: (line: string) => void = () => undefined): Promise<StackReport> {
    // Start in parallel: Kafka's JVM start dominates, Redis is ready in milliseconds.
    await Promise.all(
      specs.map(async (s) => {
        const t0 = Date.now();
        const r = await supervisor.start(s);
        log(
          r.started
            ? `${s.name} started (pid ${r.pid}) on ${address(s)} in ${Date.now() - t0} ms`
            : `${s.name} already running (pid ${r.pid}) on ${address(s)}`,
        );
      }),
    );
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
    return {
      services,
      clickhouse: config.clickhouse.url
        ? { mode: 'server', location: new URL(config.clickhouse.url).host }
        : { mode: 'chdb', location: config.clickhouse.chdbPath },
      dataDir: config.stack.dataDir,
    };
  }

  return { up, down, status, logFile: supervisor.logFile, services: specs };
}

export type Stack = ReturnType<typeof createStack>;

export function formatReport(r: StackReport): string {
  const lines = r.services.map(
    (s) =>
      `  ${s.name.padEnd(11)} ${(s.managed ? (s.running ? `running pid ${s.pid}` : 'stopped') : 'external').padEnd(18)} ${s.address.padEnd(22)} ${s.log}`,
  );
  lines.push(
    `  ${'clickhouse'.padEnd(11)} ${(r.clickhouse.mode === 'chdb' ? 'embedded (chDB)' : 'server').padEnd(18)} ${r.clickhouse.location}` +
      (r.clickhouse.mode === 'chdb' ? '  (opened by the process that uses it; one at a time)' : ''),
  );
  return [`stack data: ${r.dataDir}`, ...lines].join('\n');
}
