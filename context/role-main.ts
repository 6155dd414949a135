import express from 'express';
import { ConfigError } from '../common/errors/backbeat.error.js';
import { listen } from '../common/http/http-server.js';
import { createOpsRouter } from '../common/http/ops.router.js';
import type { AppContext } from './app-context.js';
import { installShutdown } from './process-shutdown.js';
import { StartupAbortedError } from './startup-wait.js';

/**
 * Runs a role's process: `start` builds its context and starts it. A ConfigError prints its
 * message and exits 2 (nothing started); stopping while start-up waits exits 0; any other
 * failure prints `<role>: <message>` and exits 1.
 */
export function runRoleMain(role: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    if (err instanceof StartupAbortedError) process.exit(0);
    console.error(err instanceof ConfigError ? err.message : `${role}: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}

/**
 * Bounded shutdown of a context on SIGINT/SIGTERM (see process-shutdown.ts): the context's
 * closers run, last opened first, within PROCESSOR_STOP_GRACE_MS + 3 s.
 */
export function shutdownWith(ctx: AppContext) {
  return installShutdown({
    logger: ctx.logger,
    deadlineMs: ctx.config.processors.stopGraceMs + 3000,
    stop: async () => {
      ctx.logger.info('stopping: closing what this process opened');
      await ctx.close();
    },
  });
}

/**
 * `/metrics`, `/healthz` and `/readyz` of a process whose role serves no HTTP of its own (the
 * processors, the main job), on `port` (0: an ephemeral port, logged). Started first, so
 * /readyz says what start-up waits for.
 */
export async function serveOps(ctx: AppContext, port: number) {
  const app = express();
  app.use(createOpsRouter({ registry: ctx.registry, readiness: ctx.readiness }));
  const ops = await listen(app, port, ctx.config.stack.host);
  ctx.onClose(ops.close);
  const url = `http://${ctx.config.stack.host}:${ops.port}`;
  ctx.logger.info(
    { metrics_url: `${url}/metrics`, readyz_url: `${url}/readyz`, port: ops.port },
    `ops server listening on ${url}`,
  );
  return { port: ops.port, url };
}
