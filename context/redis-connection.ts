import { Redis } from 'ioredis';
import type { RedisConfig } from '../common/config/app.config.js';
import type { Logger } from '../common/logging/logger.js';

/**
 * The one Redis option set of every role. Commands fail fast while Redis is away (no offline
 * queue, one retry per request): a read answers 503 with Retry-After, a processor's batch is
 * retried with backoff by its runtime, and nothing waits in an unbounded client-side queue.
 * The client reconnects on its own. Connection errors are debug lines: the role that uses the
 * connection logs the failure it sees.
 */
export const REDIS_OPTIONS = {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
} as const;

export function createRedisConnection(config: Pick<RedisConfig, 'url'>, deps: { logger: Logger }) {
  const redis = new Redis(config.url, REDIS_OPTIONS);
  redis.on('error', (err) => deps.logger.debug({ err: err.message }, 'redis connection error'));
  return redis;
}

/** Connects (once) and pings: resolves when Redis answers, rejects while it does not. */
export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
  else if (redis.status !== 'ready')
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      redis.once('ready', () => (clearTimeout(t), resolve()));
    });
  await redis.ping();
}
