/**
 * The co-listening projection through its real sink (Redis windows and offsets, ClickHouse
 * rows folded by migration 0007) on the stack: counts read back through the analyst views, a
 * plan applied twice (its rows inserted again, its Redis apply refused) and a duplicate count
 * nothing twice, and the windows carry a session across batches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { useStack } from '../../test/helpers/stack.helper.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { play } from '../../test/helpers/co-listening.helper.js';
import {
  openLedgerDatabase,
  type LedgerDatabase,
} from '../../test/helpers/royalty-ledger.helper.js';
import { PROJECTIONS } from '../host/projection-registry.js';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import type { ProjectionSink } from '../../sinks/contract/projection-sink.types.js';
import { coListeningProjection, type CoListeningPlan } from './co-listening.projection.js';

let redis: Redis;
let db: LedgerDatabase;
let sink: ProjectionSink<CoListeningPlan>;
const GENERATION = 9000 + Math.floor(Math.random() * 1000);
const topic = `co-listening-${GENERATION}`;

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
  db = await openLedgerDatabase(config, 'colisten');
  sink = PROJECTIONS['co-listening'].sink(
    { redis, clickhouse: db.ch.client },
    { generation: GENERATION, dedupTtlSeconds: 3600 },
  ) as ProjectionSink<CoListeningPlan>;
});
after(async () => {
  await sink?.drop?.();
  redis?.disconnect();
  await db?.drop();
});

let next = 0;
/** Plans `plays` at the next offsets over the sink's state and applies the plan `times` times. */
async function deliver(plays: PlaybackEvent[], times = 1) {
  const from = next;
  const batch = plays.map((p, i) =>
    envelope('playback', p, { topic, partition: 0, offset: from + i }),
  );
  const state = await sink.readState!(
    coListeningProjection.stateKeys!(batch),
    plays.map((p) => p.event_id),
  );
  const { plan } = coListeningProjection.plan(batch, state);
  const results: string[] = [];
  for (let i = 0; i < times; i++)
    results.push(
      await sink.apply(plan, [{ topic, partition: 0, from, to: from + plays.length - 1 }]),
    );
  next = from + plays.length;
  return results;
}

const counts = async () => {
  const q = async (sql: string) => db.query<Record<string, string>>(sql);
  return {
    pairs: Object.fromEntries(
      (
        await q(
          `SELECT concat(track_a, '|', track_b) AS k, toString(sum(sessions)) AS n FROM co_listening GROUP BY k ORDER BY k`,
        )
      ).map((r) => [r.k, Number(r.n)]),
    ),
    tracks: Object.fromEntries(
      (
        await q(
          `SELECT track_id AS k, toString(sum(sessions)) AS n FROM co_listening_track_sessions GROUP BY k ORDER BY k`,
        )
      ).map((r) => [r.k, Number(r.n)]),
    ),
    sessions: Number(
      (await q(`SELECT toString(sum(sessions)) AS n FROM co_listening_month_sessions`))[0]?.n ?? 0,
    ),
  };
};

describe('co-listening through the real sink', () => {
  it('given two sessions across batches, a redelivery and a re-plan after a conflict, then the views count each pair once per session', async () => {
    const u = { user_id: `u-${GENERATION}`, device_id: 'phone' };
    // Session 1: A, B | C (two batches); session 2 (after a 2 h gap): A, C.
    const s1 = [play('A', 0, u), play('B', 5, u)];
    assert.deepEqual(await deliver(s1), ['applied']);
    // C's plan applied twice (a process that inserted the rows, then lost the Redis apply's
    // answer and retried): the second conflicts, and its rows, inserted again, count nothing.
    assert.deepEqual(await deliver([play('C', 10, u)], 2), ['applied', 'conflict']);
    const s2 = [play('A', 130, u), play('C', 135, u), play('C', 140, u)];
    assert.deepEqual(await deliver(s2), ['applied']);
    // A duplicate of B (same event_id, a new offset) changes nothing.
    assert.deepEqual(await deliver([{ ...s1[1]! }]), ['applied']);

    assert.deepEqual(await counts(), {
      pairs: { 'A|B': 1, 'A|C': 2, 'B|C': 1 },
      tracks: { A: 2, B: 1, C: 2 },
      sessions: 2,
    });
  });
});
