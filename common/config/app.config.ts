import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BackbeatError, ConfigError } from '../errors/backbeat.error.js';
import {
  type SectionSpec,
  type SectionValue,
  nonEmpty,
  optionalUrl,
  parseSection,
  port,
  positiveInt,
  setting,
} from './setting.js';

/** The repository root: the nearest folder above this file whose package.json is Backbeat's. */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'backbeat') return dir;
    const up = path.dirname(dir);
    if (up === dir)
      throw new BackbeatError('REPO_ROOT_NOT_FOUND', `no Backbeat package.json above ${from}`);
    dir = up;
  }
}

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  message: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

/** Each module reads one section; a component is handed only its own slice. */
export const sections = {
  stack: {
    dataDir: setting(
      'BACKBEAT_DATA_DIR',
      '.data/default',
      nonEmpty(),
      'Folder for the local stack: Kafka log dirs, Redis data, chDB data, pid files and logs (relative to the repository root unless absolute).',
    ),
    cacheDir: setting(
      'BACKBEAT_CACHE_DIR',
      '.cache',
      nonEmpty(),
      'Folder for downloaded artefacts: Kafka jars resolved by Maven and the Maven repository.',
    ),
    host: setting(
      'BACKBEAT_HOST',
      '127.0.0.1',
      nonEmpty(),
      'Address the local services bind to and advertise.',
    ),
  },
  log: {
    level: setting('LOG_LEVEL', 'info', logLevel, 'Structured JSON log level for every process.'),
  },
  kafka: {
    brokers: setting(
      'KAFKA_BROKERS',
      undefined,
      z
        .string()
        .trim()
        .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port...]')
        .optional(),
      'Bootstrap servers of an external Kafka. When set, `stack up` starts no broker.',
    ),
    port: setting('KAFKA_PORT', '19092', port(), 'Client port of the local Kafka broker.'),
    controllerPort: setting(
      'KAFKA_CONTROLLER_PORT',
      '19093',
      port(),
      'KRaft controller port of the local Kafka node.',
    ),
    heapMb: setting(
      'KAFKA_HEAP_MB',
      '512',
      positiveInt(),
      'JVM heap (MiB) of the local Kafka broker.',
    ),
    defaultPartitions: setting(
      'KAFKA_DEFAULT_PARTITIONS',
      '3',
      positiveInt(),
      "Partitions of the topics Backbeat creates (and the local broker's num.partitions).",
    ),
    replicationFactor: setting(
      'KAFKA_REPLICATION_FACTOR',
      '1',
      positiveInt(),
      'Replication factor of topics created by Backbeat (1 on the single local broker).',
    ),
    compression: setting(
      'KAFKA_COMPRESSION',
      'none',
      z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'], {
        message: 'must be one of none, gzip, snappy, lz4, zstd',
      }),
      'Compression of records Backbeat produces through node-rdkafka. KafkaJS consumers read only none and gzip without codec plugins.',
    ),
    clientId: setting(
      'KAFKA_CLIENT_ID',
      'backbeat',
      nonEmpty(),
      'Client id prefix for Backbeat producers, consumers and admins.',
    ),
    startTimeoutMs: setting(
      'KAFKA_START_TIMEOUT_MS',
      '120000',
      positiveInt(),
      'How long `stack up` waits for the broker to answer metadata requests.',
    ),
  },
  redis: {
    url: setting(
      'REDIS_URL',
      undefined,
      optionalUrl(),
      'URL of an external Redis (redis://host:port/db). When set, `stack up` starts no Redis.',
    ),
    port: setting('REDIS_PORT', '16379', port(), 'Port of the local redis-server.'),
  },
  clickhouse: {
    url: setting(
      'CLICKHOUSE_URL',
      undefined,
      optionalUrl(),
      'URL of a ClickHouse server (http://user:password@host:8123). Unset: the local chDB server (CHDB_SERVER_PORT), which `stack up` starts.',
    ),
    database: setting(
      'CLICKHOUSE_DATABASE',
      'backbeat',
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier'),
      'Database that holds Backbeat tables.',
    ),
    chdbPath: setting(
      'CHDB_PATH',
      undefined,
      z.string().trim().min(1).optional(),
      'chDB data folder, owned by the local chDB server. Default: BACKBEAT_DATA_DIR/chdb. Only one process may open it.',
    ),
  },
  chdbServer: {
    port: setting(
      'CHDB_SERVER_PORT',
      '18123',
      port(),
      "Port of the local chDB server: ClickHouse's HTTP interface over the chDB data folder.",
    ),
    user: setting(
      'CLICKHOUSE_USER',
      'backbeat',
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a plain user name'),
      'Read-write user of the local chDB server (Backbeat processes).',
    ),
    password: setting(
      'CLICKHOUSE_PASSWORD',
      'backbeat',
      nonEmpty(),
      'Password of CLICKHOUSE_USER on the local chDB server.',
    ),
    analystUser: setting(
      'CLICKHOUSE_ANALYST_USER',
      'analyst',
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a plain user name'),
      'Read-only user of the local chDB server (analysts: readonly = 2, may change settings, never writes).',
    ),
    analystPassword: setting(
      'CLICKHOUSE_ANALYST_PASSWORD',
      'analyst',
      nonEmpty(),
      'Password of CLICKHOUSE_ANALYST_USER on the local chDB server.',
    ),
    sessions: setting(
      'CHDB_SERVER_SESSIONS',
      '4',
      positiveInt(),
      'chDB sessions per user kind in the local chDB server; queries on one session run one at a time.',
    ),
  },
  registry: {
    url: setting(
      'SCHEMA_REGISTRY_URL',
      undefined,
      optionalUrl(),
      'URL of an external Confluent-compatible schema registry. When set, `stack up` starts none.',
    ),
    port: setting(
      'SCHEMA_REGISTRY_PORT',
      '18081',
      port(),
      "Port of Backbeat's own schema registry.",
    ),
    topic: setting(
      'SCHEMA_REGISTRY_TOPIC',
      '_schemas',
      nonEmpty(),
      'Compacted Kafka topic where the registry stores schemas and config.',
    ),
    writeCredentials: setting(
      'SCHEMA_REGISTRY_WRITE_CREDENTIALS',
      'backbeat:backbeat-dev-registry-key',
      z
        .string()
        .trim()
        .regex(/^[^:\s]+:\S{8,}$/, 'must be user:password with a password of 8+ characters'),
      "HTTP basic-auth credential (user:password) that the schema registry's writes need (register, config, deletes); reads stay open. Every Backbeat process that registers schemas sends it. The default is a development credential, public in this repository: replace it outside a laptop.",
    ),
  },
  gateway: {
    port: setting(
      'GATEWAY_PORT',
      '8090',
      port(),
      'Port of the HTTP ingest gateway (POST /v1/events).',
    ),
    apiKeys: setting(
      'GATEWAY_API_KEYS',
      'dev:backbeat-dev-key',
      z
        .string()
        .trim()
        .regex(
          /^[A-Za-z0-9_.-]+:[^,\s]{8,}(,[A-Za-z0-9_.-]+:[^,\s]{8,})*$/,
          'must be app:key[,app:key...] with keys of 8+ characters',
        ),
      'Client app API keys as app:key pairs. The default is a development key: replace it outside a laptop.',
    ),
    maxEvents: setting(
      'GATEWAY_MAX_EVENTS',
      '500',
      positiveInt(),
      'Most events in one POST /v1/events batch (413 beyond).',
    ),
    maxBodyBytes: setting(
      'GATEWAY_MAX_BODY_BYTES',
      '1048576',
      positiveInt(),
      'Largest request body in bytes (413 beyond).',
    ),
    maxDepth: setting(
      'GATEWAY_MAX_JSON_DEPTH',
      '16',
      positiveInt(),
      'Deepest JSON nesting accepted (400 beyond).',
    ),
    maxInFlight: setting(
      'GATEWAY_MAX_IN_FLIGHT',
      '50000',
      positiveInt(),
      'Events handed to Kafka without a delivery report yet (those whose batch was already answered included); at it a new request is shed (503 with Retry-After) before its body is read, and a batch that would pass it is shed after parsing.',
    ),
    maxInflightRequests: setting(
      'GATEWAY_MAX_INFLIGHT_REQUESTS',
      '32',
      positiveInt(),
      'POST /v1/events requests admitted at once, from admission to answer; past it a request is shed with 503 and Retry-After before its body is read. With the gateway at its peak on 2 cores this bounds the wait of an admitted batch (Little: limit / peak batches per second).',
    ),
    maxInflightBytes: setting(
      'GATEWAY_MAX_INFLIGHT_BYTES',
      '16777216',
      positiveInt(),
      'Body bytes held at once by admitted requests (the declared Content-Length, or the bytes of a chunked body counted as they arrive); past it a request is shed with 503 and Retry-After. One request alone may always send up to GATEWAY_MAX_BODY_BYTES.',
    ),
    rateLimit: setting(
      'GATEWAY_RATE_LIMIT',
      '0',
      z.coerce
        .number({ message: 'must be a number' })
        .int('must be an integer')
        .min(0, 'must be >= 0'),
      'Events per second per API key (429 with Retry-After beyond); 0 = unlimited.',
    ),
    produceTimeoutMs: setting(
      'GATEWAY_PRODUCE_TIMEOUT_MS',
      '5000',
      positiveInt(),
      "librdkafka's message.timeout.ms for the gateway's producer: how long an event may wait for Kafka's delivery report. A batch whose events time out is answered 504 kafka-unconfirmed (a broker may have taken them without answering: retry with the same event_id); a gateway timer 2 s longer is only a safety net.",
    ),
    corsOrigins: setting(
      'GATEWAY_CORS_ORIGINS',
      '',
      z
        .string()
        .trim()
        .transform((s) => (s ? s.split(',').map((o) => o.trim()) : []))
        .refine(
          (list) =>
            list.every(
              (o) =>
                o === '*' ||
                /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(
                  o,
                ),
            ),
          'must be a comma-separated list of exact origins (scheme://host[:port], no path), or *',
        ),
      'Browser origins allowed to POST /v1/events (CORS), e.g. https://player.example.com,http://127.0.0.1:5173; empty = none; * = any (never with credentials).',
    ),
  },
  processors: {
    enabled: setting(
      'PROCESSORS',
      'user-state,play-counts,catalogue,raw-archive,royalty-ledger,co-listening,playlists',
      z
        .string()
        .trim()
        .regex(
          /^(user-state|play-counts|catalogue|raw-archive|royalty-ledger|co-listening|playlists)(,(user-state|play-counts|catalogue|raw-archive|royalty-ledger|co-listening|playlists))*$/,
          'must be a comma-separated list of user-state, play-counts, catalogue, raw-archive, royalty-ledger, co-listening, playlists',
        ),
      'Projections this process runs.',
    ),
    maxBatch: setting(
      'PROCESSOR_MAX_BATCH',
      '2000',
      positiveInt(),
      'Most messages a processor polls and applies as one batch.',
    ),
    dedupTtlSeconds: setting(
      'PROCESSOR_DEDUP_TTL_S',
      '2592000',
      positiveInt(),
      'How long Redis projections remember an event_id to drop duplicates (seconds).',
    ),
    retryMaxMs: setting(
      'PROCESSOR_RETRY_MAX_MS',
      '5000',
      positiveInt(),
      'Longest backoff between retries against a failing store or registry.',
    ),
    stopGraceMs: setting(
      'PROCESSOR_STOP_GRACE_MS',
      '10000',
      positiveInt(),
      'How long shutdown keeps retrying a batch against a failing store.',
    ),
    stallAfterMs: setting(
      'PROCESSOR_STALL_AFTER_MS',
      '60000',
      positiveInt(),
      'A projection that has lag and has applied nothing for this long counts as stalled: /readyz answers 503, backbeat_processor_stalled shows it, and a warn line is logged.',
    ),
    sessionTimeoutMs: setting(
      'PROCESSOR_SESSION_TIMEOUT_MS',
      '6000',
      z.coerce
        .number({ message: 'must be a number' })
        .int('must be an integer')
        .min(6000, "must be at least 6000 (the broker's group.min.session.timeout.ms)")
        .max(300_000, 'must be at most 300000'),
      'Consumer-group session timeout of processors: how long after a member dies (kill -9) its partitions move to the others. Members heartbeat every third of it; each --instance is a static member (group.instance.id), so a restart within it keeps its partitions.',
    ),
  },
  ops: {
    metricsPort: setting(
      'METRICS_PORT',
      '9464',
      z.coerce
        .number({ message: 'must be a TCP port number' })
        .int('must be an integer')
        .min(0, 'must be between 0 and 65535')
        .max(65535, 'must be between 0 and 65535'),
      'Port of the /metrics, /healthz and /readyz server of the main job and of `npm run processors`. 0 = an ephemeral port, logged at start-up (`ops server listening`, with its URL). `npm run processors -- --instance <name>` uses 0 unless METRICS_PORT is set, so instances side by side do not collide.',
    ),
  },
  api: {
    port: setting(
      'API_PORT',
      '8080',
      port(),
      'Port of the read API (/v1/..., /openapi.json, /metrics, /healthz, /readyz).',
    ),
    tokenSecret: setting(
      'API_TOKEN_SECRET',
      'backbeat-dev-token-secret-replace-me',
      z.string().min(16, 'must be at least 16 characters'),
      'HMAC-SHA256 secret that signs API tokens (user, analyst, label). The default is a development secret, public in this repository: replace it with 32+ random bytes outside a laptop.',
    ),
    sqlMaxRows: setting(
      'SQL_MAX_ROWS',
      '100000',
      positiveInt(),
      'Most rows one analyst query (POST /v1/sql) may return; beyond it the query fails with 400.',
    ),
    sqlMaxSeconds: setting(
      'SQL_MAX_SECONDS',
      '30',
      positiveInt(),
      'Longest run time of one analyst query in seconds; beyond it ClickHouse stops it (400).',
    ),
    sqlMaxMemoryBytes: setting(
      'SQL_MAX_MEMORY_BYTES',
      '1073741824',
      positiveInt(),
      'Most memory one analyst query may use in bytes (max_memory_usage, enforced by the chDB server); beyond it the query fails with 400.',
    ),
    sqlMaxResultBytes: setting(
      'SQL_MAX_RESULT_BYTES',
      '104857600',
      positiveInt(),
      'Largest uncompressed result of one analyst query in bytes (max_result_bytes, enforced by the chDB server); beyond it the query fails with 400.',
    ),
    labelRatePerS: setting(
      'API_LABEL_RATE_PER_S',
      '20',
      positiveInt(),
      'Requests per second one credential may make to the label endpoints (/v1/label/...), a token bucket per token subject in each API process; beyond it 429 with Retry-After.',
    ),
    labelRateBurst: setting(
      'API_LABEL_RATE_BURST',
      '40',
      positiveInt(),
      "Burst of the label endpoints' token bucket: requests one credential may make at once before API_LABEL_RATE_PER_S applies.",
    ),
  },
  recs: {
    refreshIntervalMs: setting(
      'RECS_REFRESH_INTERVAL_MS',
      '30000',
      positiveInt(),
      'How often the processors role refreshes the similar-track lists ("fans also like" on full refreshes only); one instance at a time (a Redis lock).',
    ),
    topK: setting(
      'RECS_TOP_K',
      '20',
      z.coerce
        .number({ message: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be between 1 and 200')
        .max(200, 'must be between 1 and 200'),
      'Neighbours kept per track, and artists per "fans also like" list.',
    ),
    months: setting(
      'RECS_MONTHS',
      '12',
      z.coerce
        .number({ message: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be between 1 and 120')
        .max(120, 'must be between 1 and 120'),
      'UTC months of co-listening (and of qualified streams, for fans) counted, the current month included.',
    ),
    metric: setting(
      'RECS_METRIC',
      'llr',
      z.enum(['llr', 'cosine'], { message: 'must be llr or cosine' }),
      'Track similarity: llr (Dunning log-likelihood ratio, positive association only) or cosine.',
    ),
    fullEveryMs: setting(
      'RECS_FULL_EVERY_MS',
      '3600000',
      positiveInt(),
      'A full refresh (every track, with the current session universe, and "fans also like") runs at least this often; refreshes in between recompute only the tracks whose counts changed. The staleness bound of an untouched list.',
    ),
    mixPerArtist: setting(
      'RECS_MIX_PER_ARTIST',
      '2',
      z.coerce
        .number({ message: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be between 1 and 50')
        .max(50, 'must be between 1 and 50'),
      'Most tracks of one artist in a daily mix (GET /v1/me/daily-mix).',
    ),
  },
} satisfies Record<string, SectionSpec>;

type Sections = typeof sections;
type Raw = { [K in keyof Sections]: SectionValue<Sections[K]> };

export interface StackConfig {
  dataDir: string;
  cacheDir: string;
  host: string;
  root: string;
}
export interface KafkaConfig extends Omit<Raw['kafka'], 'brokers'> {
  /** Bootstrap servers; the local broker's address unless KAFKA_BROKERS is set. */
  brokers: string[];
  /** True when Kafka is started and owned by the local stack. */
  local: boolean;
}
export interface RedisConfig {
  url: string;
  port: number;
  local: boolean;
}
export interface ClickHouseConfig {
  /** Where every process reaches ClickHouse; the local chDB server unless CLICKHOUSE_URL is set. */
  url: string;
  database: string;
  /** The chDB data folder that the local chDB server owns. */
  chdbPath: string;
  /** True when ClickHouse is the local chDB server, started and owned by the local stack. */
  local: boolean;
}
/** The local chDB server: port, its two users, and its chDB sessions per user kind. */
export type ChdbServerConfig = Raw['chdbServer'];
export interface RegistryConfig {
  /** Where clients reach the registry; the local one unless SCHEMA_REGISTRY_URL is set. */
  url: string;
  port: number;
  topic: string;
  local: boolean;
  /** The write credential (SCHEMA_REGISTRY_WRITE_CREDENTIALS): never log it. */
  writeAuth: { user: string; password: string };
}
export interface GatewayConfig extends Omit<Raw['gateway'], 'apiKeys'> {
  /** API key -> client app name. */
  apiKeys: Map<string, string>;
}
export interface AppConfig {
  stack: StackConfig;
  log: Raw['log'];
  kafka: KafkaConfig;
  redis: RedisConfig;
  clickhouse: ClickHouseConfig;
  chdbServer: ChdbServerConfig;
  registry: RegistryConfig;
  gateway: GatewayConfig;
  processors: Omit<Raw['processors'], 'enabled'> & { enabled: string[] };
  ops: Raw['ops'];
  api: Raw['api'];
  recs: Raw['recs'];
}

/** Parses and validates every section once; throws ConfigError naming each bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): AppConfig {
  const problems: string[] = [];
  const raw: Partial<Record<keyof Sections, unknown>> = {};
  for (const [name, spec] of Object.entries(sections) as [keyof Sections, SectionSpec][]) {
    const res = parseSection(spec, env);
    problems.push(...res.problems);
    raw[name] = res.value;
  }
  const r = raw as Raw;
  if (!problems.length && r.kafka.port === r.kafka.controllerPort) {
    problems.push('KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT');
  }
  if (!problems.length && r.chdbServer.user === r.chdbServer.analystUser) {
    problems.push('CLICKHOUSE_ANALYST_USER must differ from CLICKHOUSE_USER');
  }
  if (problems.length) throw new ConfigError(problems);

  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(root, p));
  const dataDir = abs(r.stack.dataDir);
  const host = r.stack.host;
  return {
    stack: { dataDir, cacheDir: abs(r.stack.cacheDir), host, root },
    log: r.log,
    kafka: {
      ...r.kafka,
      brokers: r.kafka.brokers ? r.kafka.brokers.split(',') : [`${host}:${r.kafka.port}`],
      local: !r.kafka.brokers,
    },
    redis: {
      url: r.redis.url ?? `redis://${host}:${r.redis.port}/0`,
      port: r.redis.port,
      local: !r.redis.url,
    },
    clickhouse: {
      url:
        r.clickhouse.url ??
        `http://${encodeURIComponent(r.chdbServer.user)}:${encodeURIComponent(r.chdbServer.password)}@${host}:${r.chdbServer.port}`,
      database: r.clickhouse.database,
      chdbPath: abs(r.clickhouse.chdbPath ?? path.join(r.stack.dataDir, 'chdb')),
      local: !r.clickhouse.url,
    },
    chdbServer: r.chdbServer,
    registry: {
      url: r.registry.url ?? `http://${host}:${r.registry.port}`,
      port: r.registry.port,
      topic: r.registry.topic,
      local: !r.registry.url,
      writeAuth: {
        user: r.registry.writeCredentials.slice(0, r.registry.writeCredentials.indexOf(':')),
        password: r.registry.writeCredentials.slice(r.registry.writeCredentials.indexOf(':') + 1),
      },
    },
    gateway: {
      ...r.gateway,
      apiKeys: new Map(
        r.gateway.apiKeys.split(',').map((pair) => {
          const at = pair.indexOf(':');
          return [pair.slice(at + 1), pair.slice(0, at)] as [string, string];
        }),
      ),
    },
    processors: { ...r.processors, enabled: r.processors.enabled.split(',') },
    ops: r.ops,
    api: r.api,
    recs: r.recs,
  };
}

/** The README configuration table, generated from the same definitions that parse it. */
export function configTable(): string {
  const rows = ['| variable | default | meaning |', '| --- | --- | --- |'];
  for (const spec of Object.values(sections) as SectionSpec[]) {
    for (const s of Object.values(spec)) {
      rows.push(
        `| \`${s.env}\` | ${s.default === undefined ? '(unset)' : `\`${s.default}\``} | ${s.description} |`,
      );
    }
  }
  return rows.join('\n');
}
