import type { AnyEnvelope, Projection } from '../../processors/runtime/processor.types.js';
import type { Outcome } from '../../common/outcome/outcome.js';
import { createMemoryRedis, type MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import type { RedisPlan } from '../../sinks/redis/redis-ops.js';

/**
 * Given / when / then for a Redis projection, in memory: `given` plans and applies prior
 * batches (each of their events must plan `ok`: prior events are facts, not the case under
 * test), `when` plans and applies the batch under test, and the test asserts on `state` (the
 * in-memory Redis, with the Lua script's semantics) and the outcomes `when` returns.
 * Planning is pure, so a spec needs no Redis, offsets or runtime.
 */
export interface ProjectionSpec {
  /** The in-memory Redis every batch was applied to, in order. */
  readonly state: MemoryRedis;
  /** Outcomes of every batch so far (given and when), in order. */
  readonly outcomes: readonly Outcome[];
  given(...batches: (readonly AnyEnvelope[])[]): ProjectionSpec;
  /** Plans `batch`, applies the plan to `state`, and returns the plan and the batch's outcomes. */
  when(...batch: AnyEnvelope[]): { plan: RedisPlan; outcomes: Outcome[] };
}

export function projectionSpec(
  projection: Projection<RedisPlan>,
  state: MemoryRedis = createMemoryRedis(),
): ProjectionSpec {
  const outcomes: Outcome[] = [];
  const run = (batch: readonly AnyEnvelope[]) => {
    const planned = projection.plan(batch);
    state.apply(planned.plan);
    outcomes.push(...planned.outcomes);
    return planned;
  };
  const spec: ProjectionSpec = {
    state,
    outcomes,
    given(...batches) {
      for (const batch of batches) {
        const refused = run(batch).outcomes.flatMap((o, i) =>
          o.kind === 'ok' ? [] : [`${batch[i]!.type} #${i}: ${o.kind} ${JSON.stringify(o)}`],
        );
        if (refused.length)
          throw new Error(`given: prior events must plan ok, but ${refused.join('; ')}`);
      }
      return spec;
    },
    when: (...batch) => run(batch),
  };
  return spec;
}

/** Each outcome as 'ok' or its reason: one line per event for deepEqual. */
export const outcomeReasons = (outcomes: readonly Outcome[]): string[] =>
  outcomes.map((o) => (o.kind === 'ok' ? 'ok' : o.reason));
