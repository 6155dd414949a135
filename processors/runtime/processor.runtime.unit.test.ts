import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../common/logging/logger.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { DeadLetter } from './dead-letter.js';
import type { PartitionConsumer, RawMessage } from './partition-consumer.js';
import { createProcessor } from './processor.runtime.js';
import type { Projection } from './processor.types.js';
import { Outcome } from '../../common/outcome/outcome.js';
import type { ApplyHooks, OffsetRange } from '../../sinks/contract/projection-sink.types.js';

const catalogue = loadEventCatalogue();
const TOPIC = catalogue.playback.topic;

/** One batch of `n` playback messages, then nothing; records commits. */
function fakeConsumer(n: number) {
  let served = false;
  const commits: unknown[] = [];
  const consumer = {
    poll: async (): Promise<RawMessage[]> => {
      if (served) {
        await new Promise((r) => setTimeout(r, 5));
        return [];
      }
      served = true;
      return Array.from({ length: n }, (_, i) => ({
        topic: TOPIC,
        partition: 0,
        offset: i,
        key: null,
        value: Buffer.from([i]),
      }));
    },
    commit: (c: unknown) => void commits.push(c),
    reposition: () => undefined,
    lag: async () => [],
    close: async () => undefined,
  } as unknown as PartitionConsumer;
  return { consumer, commits };
}

function run(
  projection: Projection<string[]>,
  n: number,
  rejectInSink: (plan: string[]) => { offset: number; reason: string }[] = () => [],
  registry = new Registry(),
) {
  const { consumer, commits } = fakeConsumer(n);
  const applied: string[][] = [];
  const letters: DeadLetter[] = [];
  const processor = createProcessor(
    { name: 'probe', retry: { initialMs: 1, maxMs: 5 }, stopGraceMs: 100 },
    {
      projection,
      sink: {
        name: 'probe',
        readOffsets: async () => new Map(),
        async apply(plan: string[], ranges: readonly OffsetRange[], hooks?: ApplyHooks) {
          const refused = rejectInSink(plan);
          if (refused.length)
            await hooks!.reject!(refused.map((r) => ({ topic: TOPIC, partition: 0, ...r })));
          applied.push(plan);
          assert.equal(ranges[0]!.to, n - 1);
          return 'applied';
        },
      },
      consumer,
      // Every message decodes to a playback whose track_id is its first byte.
      codec: {
        decode: (async (_t: string, buf: Buffer) => ({
          ok: true,
          schemaId: 1,
          value: { ...validEvents().playback, track_id: `t${buf[0]}` },
        })) as never,
      },
      catalogue,
      deadLetters: { topic: 'dlq', write: async (l) => void letters.push(...l) },
      logger: createLogger({ level: 'silent' as never }, 'test'),
      registry,
    },
  );
  const loop = processor.start();
  void loop.catch(() => undefined);
  return { processor, applied, letters, commits, loop };
}

const until = async (f: () => boolean) => {
  for (let i = 0; i < 500 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(f(), 'timed out');
};

describe('processor runtime outcomes', () => {
  it('given a plan that throws a TypeError on one event, then that event is dead-lettered with the error and the others applied', async () => {
    const projection: Projection<string[]> = {
      name: 'probe',
      types: ['playback'],
      plan(batch) {
        const ids = batch.map((e) => {
          const t = (e.event as { track_id: string }).track_id;
          if (t === 't2') void (undefined as unknown as { x: number }).x; // a programming error
          return t;
        });
        return { plan: ids, outcomes: batch.map(() => ({ kind: 'ok' as const })) };
      },
    };
    const r = run(projection, 4);
    await until(() => r.commits.length === 1);
    await r.processor.stop();
    assert.deepEqual(r.applied, [['t0', 't1', 't3']]);
    assert.equal(r.letters.length, 1);
    assert.equal(r.letters[0]!.offset, 2);
    assert.match(r.letters[0]!.reason, /^bug: probe cannot plan this event: TypeError/);
  });

  it('given the sink refusing one row, then it is dead-lettered before the batch is committed', async () => {
    const projection: Projection<string[]> = {
      name: 'probe',
      types: ['playback'],
      plan: (batch) => ({
        plan: batch.map((e) => (e.event as { track_id: string }).track_id),
        outcomes: batch.map(() => ({ kind: 'ok' as const })),
      }),
    };
    const r = run(projection, 3, (plan) =>
      plan.includes('t1') ? [{ offset: 1, reason: 'clickhouse CLICKHOUSE_376: bad uuid' }] : [],
    );
    await until(() => r.commits.length === 1);
    await r.processor.stop();
    assert.deepEqual(
      r.letters.map((l) => [l.offset, l.reason, l.value?.[0]]),
      [[1, 'clickhouse CLICKHOUSE_376: bad uuid', 1]],
    );
  });
  it('given a sink that throws a TypeError, then it is not retried: the processor stops, counts the bug and reports itself behind', async () => {
    const registry = new Registry();
    let applies = 0;
    const projection: Projection<string[]> = {
      name: 'probe',
      types: ['playback'],
      plan: (batch) => ({
        plan: batch.map((e) => (e.event as { track_id: string }).track_id),
        outcomes: batch.map(() => Outcome.ok()),
      }),
    };
    const r = run(
      projection,
      3,
      () => {
        applies++;
        return (undefined as unknown as { rows: [] }).rows; // a programming error in the sink
      },
      registry,
    );
    await assert.rejects(r.loop, TypeError);
    assert.equal(applies, 1, 'tried once, never retried');
    assert.equal(r.commits.length, 0, 'nothing committed: the batch is read again after a restart');
    const progress = r.processor.progress() as { lag: number; failure?: string };
    assert.ok(progress.lag >= 1, 'counts as behind, so the stall detector reports it');
    assert.match(progress.failure ?? '', /^sink apply: TypeError/);
    const text = await registry.metrics();
    assert.match(text, /backbeat_processor_bugs_total\{processor="probe",stage="sink apply"\} 1/);
    assert.match(text, /backbeat_processor_failed\{processor="probe"\} 1/);
    await r.processor.stop();
  });

  it('given a plan that drops an event, then it is counted as dropped, not dead-lettered', async () => {
    const registry = new Registry();
    const projection: Projection<string[]> = {
      name: 'probe',
      types: ['playback'],
      plan: (batch) => ({
        plan: [],
        outcomes: batch.map((_, i) => (i === 0 ? Outcome.drop('duplicate') : Outcome.ok())),
      }),
    };
    const r = run(projection, 2, () => [], registry);
    await until(() => r.commits.length === 1);
    await r.processor.stop();
    assert.equal(r.letters.length, 0);
    const text = await registry.metrics();
    assert.match(text, /backbeat_processor_events_total\{processor="probe",outcome="drop"\} 1/);
    assert.match(text, /backbeat_processor_events_total\{processor="probe",outcome="ok"\} 1/);
  });
});
