/** The chDB server's Prometheus metrics (`backbeat_chdb_*`), on the process's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ChdbMetrics {
  queries: Counter<'user' | 'kind' | 'outcome'>;
  duration: Histogram<'kind'>;
  rowsWritten: Counter;
  authFailures: Counter;
}

/** What the gauges read, when scraped. */
export interface ChdbEngineStats {
  stats(): { writeQueue: number; readQueue: number; httpSessions: number };
}

/** Statement kind as a metric label: select, insert, ddl, other (unknown when not parsed). */
export function kindLabel(kind: string): string {
  if (kind === 'SELECT' || kind === 'WITH') return 'select';
  if (kind === 'INSERT') return 'insert';
  if (['CREATE', 'DROP', 'ALTER', 'RENAME', 'TRUNCATE', 'ATTACH', 'DETACH'].includes(kind))
    return 'ddl';
  return kind ? 'other' : 'unknown';
}

export function createChdbMetrics(registry: Registry, engine: ChdbEngineStats): ChdbMetrics {
  const queries = new Counter({
    name: 'backbeat_chdb_queries_total',
    help: 'Queries answered by the chDB server, by user, statement kind and outcome',
    labelNames: ['user', 'kind', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'backbeat_chdb_query_duration_seconds',
    help: 'Time from request to answer, by statement kind',
    labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const rowsWritten = new Counter({
    name: 'backbeat_chdb_written_rows_total',
    help: 'Rows written by INSERTs through the chDB server',
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'backbeat_chdb_auth_failures_total',
    help: 'Requests refused for missing or wrong credentials',
    registers: [registry],
  });
  new Gauge({
    name: 'backbeat_chdb_queued_queries',
    help: 'Queries running or waiting on the chDB sessions, by pool',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      const s = engine.stats();
      this.set({ pool: 'read_write' }, s.writeQueue);
      this.set({ pool: 'read_only' }, s.readQueue);
    },
  });
  new Gauge({
    name: 'backbeat_chdb_http_sessions',
    help: 'Open HTTP sessions (session_id)',
    registers: [registry],
    collect() {
      this.set(engine.stats().httpSessions);
    },
  });
  return { queries, duration, rowsWritten, authFailures };
}
