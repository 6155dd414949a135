import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogConfig {
  level: string;
}

/** Structured JSON logs on stdout, one line per record, with the process role as `service`. */
export function createLogger(config: LogConfig, service: string): Logger {
  return pino({
    level: config.level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
