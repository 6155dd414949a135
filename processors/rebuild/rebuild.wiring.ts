import type { AppContext } from '../../context/app-context.js';
import type { ProjectionName } from '../host/projection-registry.js';
import { rebuildProjection, type RebuildProgress } from './rebuild.service.js';

/**
 * The rebuild role over a shared context: waits for Redis, ClickHouse (schema migrated) and
 * Kafka (the dead-letter producer), then rebuilds projections one at a time on request.
 */
export async function startRebuild(ctx: AppContext) {
  const redis = await ctx.redis();
  const clickhouse = await ctx.clickhouse();
  await ctx.registryReachable();
  const producer = await ctx.deadLetterProducer();
  const deps = {
    redis,
    clickhouse: clickhouse.client,
    codec: ctx.codec,
    catalogue: ctx.catalogue,
    producer,
    logger: ctx.logger,
    registry: ctx.registry,
  };
  return {
    rebuild: (name: ProjectionName, opts: { onProgress?: (p: RebuildProgress) => void } = {}) =>
      rebuildProjection(name, ctx.config, deps, opts),
  };
}
