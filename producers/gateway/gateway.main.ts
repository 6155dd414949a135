/**
 * The ingest gateway as its own process (to scale it out apart from the main job): waits for
 * the registry (registers the event schemas) and Kafka (the event topics), serves
 * POST /v1/events. SIGINT/SIGTERM stop it within PROCESSOR_STOP_GRACE_MS + 3 s.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { createAppContext } from '../../context/app-context.js';
import { runRoleMain, shutdownWith } from '../../context/role-main.js';
import { startGateway } from './gateway.wiring.js';

runRoleMain('gateway', async () => {
  const ctx = createAppContext(loadConfig(), { service: 'backbeat-gateway' });
  shutdownWith(ctx);
  await startGateway(ctx);
  ctx.startup.started = true;
});
