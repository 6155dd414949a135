import type { AppContext } from '../../context/app-context.js';
import { startNeighboursRefresh } from '../co-listening/neighbours-refresh.runner.js';
import { startProcessorHost } from './processor-host.js';
import { createStallDetector } from './stall-detector.js';

/**
 * The processors role over a shared context: waits for Redis, ClickHouse (schema migrated), the
 * schema registry and Kafka (event and dead-letter topics), then runs the enabled projections
 * (PROCESSORS) and their stall detector. Adds `redis` and `projections` to the context's
 * readiness; also runs the periodic neighbour refresh (RECS_*; one instance at a time by a Redis
 * lock). Everything it starts closes with the context. Used by the processors' own process
 * and by the main job.
 */
export async function startProcessors(ctx: AppContext, opts: { instance?: string } = {}) {
  const { config, logger, registry } = ctx;
  const stall: { detector?: ReturnType<typeof createStallDetector> } = {};
  ctx.readiness.push(
    { name: 'redis', check: async () => void (await (await ctx.redis()).ping()) },
    { name: 'projections', check: async () => stall.detector?.readiness.check() },
  );
  const redis = await ctx.redis();
  const clickhouse = await ctx.clickhouse();
  await ctx.registryReachable();
  const producer = await ctx.deadLetterProducer();
  const host = await startProcessorHost(
    config,
    {
      redis,
      clickhouse: clickhouse.client,
      codec: ctx.codec,
      catalogue: ctx.catalogue,
      producer,
      logger,
      registry,
    },
    { ...opts, waitFor: ctx.waitFor },
  );
  ctx.onClose(host.stop);
  const stalls = createStallDetector(config.processors, {
    processors: host.processors,
    registry,
    logger,
  });
  stall.detector = stalls;
  ctx.onClose(async () => stalls.stop());
  const recs = startNeighboursRefresh(
    {
      intervalMs: config.recs.refreshIntervalMs,
      topK: config.recs.topK,
      months: config.recs.months,
      metric: config.recs.metric,
      fullEveryMs: config.recs.fullEveryMs,
    },
    {
      clickhouse: clickhouse.client,
      redis,
      logger,
      registry,
      ...(opts.instance ? { instance: opts.instance } : {}),
    },
  );
  ctx.onClose(recs.stop);
  return { host, stalls, recs, redis, clickhouse };
}

export type ProcessorsRole = Awaited<ReturnType<typeof startProcessors>>;
