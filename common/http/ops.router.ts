import express, { type Router } from 'express';
import type { Registry } from 'prom-client';
import { BackbeatError } from '../errors/backbeat.error.js';

/** A named readiness probe: resolves when the dependency answers, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface OpsDeps {
  registry: Registry;
  readiness: readonly ReadinessCheck[];
}

/**
 * `/metrics` (Prometheus text format), `/healthz` (the process is alive) and `/readyz`
 * (every dependency answers). Mounted by every HTTP process of Backbeat.
 */
export function createOpsRouter(deps: OpsDeps): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptime_s: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await withTimeout(r.check(), 2000);
          return { name: r.name, ok: true };
        } catch (err) {
          return { name: r.name, ok: false, error: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  return router;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () =>
        reject(
          new BackbeatError('READINESS_TIMEOUT', `timed out after ${ms} ms`, { retriable: true }),
        ),
      ms,
    );
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
