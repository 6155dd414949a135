import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisConfig, StackConfig } from '../../common/config/app.config.js';
import type { ServiceSpec } from '../../common/process/process-supervisor.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/** Debian's redis-server on a private port and data folder, with an append-only file. */
export function redisService(config: { redis: RedisConfig; stack: StackConfig }): ServiceSpec {
  const { redis, stack } = config;
  const dir = path.join(stack.dataDir, 'redis');
  return {
    name: 'redis',
    host: stack.host,
    ports: [redis.port],
    command: 'redis-server',
    args: [
      '--port',
      String(redis.port),
      '--bind',
      stack.host,
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--logfile',
      '',
      '--protected-mode',
      'yes',
    ],
    marker: `${stack.host}:${redis.port}`,
    readyTimeoutMs: 20_000,
    prepare: async () => {
      mkdirSync(dir, { recursive: true });
    },
    ready: () => redisReady(redis.url),
  };
}

export async function redisReady(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG')
      throw new BackbeatError('REDIS_NOT_READY', 'redis did not answer PONG', { retriable: true });
  } finally {
    client.disconnect();
  }
}
