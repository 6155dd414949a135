import type { AppContext } from '../../context/app-context.js';
import { startGatewayServer } from './gateway.runtime.js';

/**
 * The ingest gateway role over a shared context: waits for the schema registry (registers the
 * event schemas) and Kafka (the event topics exist), then serves POST /v1/events on
 * GATEWAY_PORT. Its /readyz checks Kafka and the registry. Used by the gateway's own process
 * and by the main job; it closes with the context.
 */
export async function startGateway(ctx: AppContext) {
  const { config, catalogue } = ctx;
  await ctx.schemas();
  await ctx.topics();
  const gateway = await startGatewayServer(
    {
      gateway: config.gateway,
      kafka: config.kafka,
      host: config.stack.host,
      listenerTokenSecret: config.api.tokenSecret,
    },
    {
      logger: ctx.logger,
      registry: ctx.registry,
      codec: ctx.codec,
      catalogue,
      readiness: [
        {
          name: 'registry',
          check: async () => void (await ctx.schemaRegistry.getLatest(catalogue.playback.subject)),
        },
      ],
    },
  );
  ctx.onClose(gateway.close);
  return gateway;
}
