/**
 * Processors as their own process (scale out: run several with the same PROCESSORS; they share
 * each projection's consumer group). Flags: --instance <id> names this instance in client ids
 * and logs, and makes this instance a static member of each group (group.instance.id). Serves
 * /metrics, /healthz and /readyz on METRICS_PORT (0, or an --instance without METRICS_PORT: an
 * ephemeral port, logged). A dependency that is not there at start-up (Redis, ClickHouse, the
 * registry, Kafka) is waited for with backoff, logged and shown in /readyz; SIGINT/SIGTERM stop
 * it within PROCESSOR_STOP_GRACE_MS + 3 s, a second signal at once.
 */
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createAppContext } from '../../context/app-context.js';
import { runRoleMain, serveOps, shutdownWith } from '../../context/role-main.js';
import { startProcessors } from './processors.wiring.js';

function parseFlags(argv: string[]): { instance?: string } {
  const out: { instance?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--instance') {
      const v = argv[++i];
      if (!v || !/^[A-Za-z0-9_.-]{1,64}$/.test(v))
        throw new ConfigError(['--instance needs a name of 1-64 letters, digits, _ . -']);
      out.instance = v;
    } else throw new ConfigError([`unknown flag ${a} (usage: processors.main [--instance <id>])`]);
  }
  return out;
}

runRoleMain('processors', async () => {
  const flags = parseFlags(process.argv.slice(2));
  const service = `backbeat-processors${flags.instance ? `-${flags.instance}` : ''}`;
  const ctx = createAppContext(loadConfig(), { service });
  // Stopping is bounded whatever the stores do: grace for the batch in hand, then out.
  shutdownWith(ctx);
  // The ops server first: /healthz answers while start-up waits for its dependencies, and
  // /readyz says which one it waits for. An --instance with no METRICS_PORT of its own takes an
  // ephemeral port (logged), so instances side by side do not collide.
  const metricsPort =
    flags.instance && process.env.METRICS_PORT === undefined ? 0 : ctx.config.ops.metricsPort;
  const ops = await serveOps(ctx, metricsPort);
  await startProcessors(ctx, flags);
  ctx.startup.started = true;
  ctx.logger.info({ metrics_url: `${ops.url}/metrics` }, 'processors ready');
});
