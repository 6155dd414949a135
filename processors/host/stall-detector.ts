import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../../common/http/ops.router.js';
import type { Logger } from '../../common/logging/logger.js';

/** What the detector reads of a running processor (see processor.runtime.ts `progress`). */
export interface ProgressSource {
  name: string;
  processor: { progress(): { lastProgressAt: number; lag: number; failure?: string } };
}

export interface Stall {
  projection: string;
  /** Seconds since it last applied a batch (or had nothing to read). */
  seconds: number;
  lag: number;
  /** Set when the processor stopped on an error it cannot retry (processor.runtime.ts). */
  failure?: string;
}

/**
 * Finds projections that have lag and have applied nothing for `stallAfterMs` (a batch the
 * store refuses over and over, a store down for long): `backbeat_processor_stalled{projection}`
 * holds the seconds since their last progress (0 when not stalled), a warn line is logged once
 * a stall starts (and every minute while it lasts), and `readiness` fails while any lasts.
 */
export function createStallDetector(
  config: { stallAfterMs: number; checkEveryMs?: number },
  deps: {
    processors: () => readonly ProgressSource[];
    registry: Registry;
    logger: Logger;
    now?: () => number;
  },
) {
  const now = deps.now ?? Date.now;
  const gauge =
    (deps.registry.getSingleMetric('backbeat_processor_stalled') as Gauge | undefined) ??
    new Gauge({
      name: 'backbeat_processor_stalled',
      help: 'Seconds since a projection with lag last made progress, once over PROCESSOR_STALL_AFTER_MS (0: not stalled)',
      labelNames: ['projection'],
      registers: [deps.registry],
    });
  const lastWarned = new Map<string, number>();

  function check(): Stall[] {
    const t = now();
    const stalls: Stall[] = [];
    for (const p of deps.processors()) {
      const { lastProgressAt, lag, failure } = p.processor.progress();
      const idleMs = t - lastProgressAt;
      if (lag > 0 && idleMs >= config.stallAfterMs) {
        const stall: Stall = {
          projection: p.name,
          seconds: Math.round(idleMs / 1000),
          lag,
          ...(failure ? { failure } : {}),
        };
        stalls.push(stall);
        gauge.set({ projection: p.name }, stall.seconds);
        const warned = lastWarned.get(p.name);
        if (warned === undefined || t - warned >= 60_000) {
          lastWarned.set(p.name, t);
          deps.logger.warn(
            { ...stall, stallAfterMs: config.stallAfterMs },
            'projection stalled: it has lag and has applied nothing',
          );
        }
      } else {
        gauge.set({ projection: p.name }, 0);
        if (lastWarned.delete(p.name))
          deps.logger.info({ projection: p.name }, 'projection progressing again');
      }
    }
    return stalls;
  }

  const timer = setInterval(check, config.checkEveryMs ?? 5000);
  timer.unref();

  const readiness: ReadinessCheck = {
    name: 'projections',
    check: async () => {
      const stalls = check();
      if (stalls.length)
        throw new BackbeatError(
          'PROJECTION_STALLED',
          `stalled: ${stalls.map((s) => `${s.projection} (${s.seconds} s without progress, lag ${s.lag}${s.failure ? `, stopped on ${s.failure}` : ''})`).join(', ')}`,
          { retriable: true },
        );
    },
  };

  return { check, readiness, stop: () => clearInterval(timer) };
}

export type StallDetector = ReturnType<typeof createStallDetector>;
