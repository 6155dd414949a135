import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BackbeatError, InternalError, isRetriable } from '../../common/errors/backbeat.error.js';
import { Outcome, describeError } from '../../common/outcome/outcome.js';
import type { Logger } from '../../common/logging/logger.js';
import type { EventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { EventTypeName } from '../../schemas/generated/events.types.js';
import { backoffDelay } from '../../common/retry/backoff.js';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.js';
import type { PartitionConsumer, RawMessage } from './partition-consumer.js';
import { type AnyEnvelope, type Projection } from './processor.types.js';
import {
  partitionKey,
  type OffsetRange,
  type ProjectionSink,
  type Rejected,
  type StoredState,
} from '../../sinks/contract/projection-sink.types.js';

export interface ProcessorConfig {
  name: string;
  retry: { initialMs: number; maxMs: number };
  /** How long `stop()` keeps retrying an unfinished batch against a failing store. */
  stopGraceMs: number;
}

export interface ProcessorDeps<Plan> {
  projection: Projection<Plan>;
  sink: ProjectionSink<Plan>;
  consumer: PartitionConsumer;
  codec: Pick<AvroCodec, 'decode'>;
  catalogue: EventCatalogue;
  deadLetters: DeadLetterWriter;
  logger: Logger;
  registry: Registry;
}

/**
 * The consumer runtime of one processor: poll a batch, decode it (registry cached), plan it
 * with the pure projection, write dead letters, apply plan + offsets atomically to the sink,
 * commit. Outcomes per message are values: `ok` is applied, `dlq` is dead-lettered with its
 * reason, `retry` (a store or the registry is down) retries the whole batch with backoff and
 * never dead-letters it. A sink conflict (the partition moved, or a redelivery) repositions
 * the partition from the sink's offsets.
 */
export function createProcessor<Plan>(config: ProcessorConfig, deps: ProcessorDeps<Plan>) {
  const log = deps.logger.child({ processor: config.name });
  const m = processorMetrics(deps.registry, config.name);
  const typeOfTopic = new Map<string, EventTypeName>(
    Object.values(deps.catalogue).map((s) => [s.topic, s.name]),
  );
  const next = new Map<string, number>(); // next offset to read, per partition, after applied batches
  let stopping = false;
  let stopDeadline = Infinity;
  let loop: Promise<void> | undefined;
  let lastProgressAt = Date.now(); // last applied batch, or last time nothing was left to read
  let totalLag = 0;
  let failure: string | undefined; // why the processor stopped on an error it cannot retry

  async function prepare(raw: RawMessage[]): Promise<{
    envelopes: AnyEnvelope[];
    letters: DeadLetter[];
    plan: Plan;
    raw: RawMessage[];
    dropped: number;
  }> {
    const envelopes: AnyEnvelope[] = [];
    const letters: DeadLetter[] = [];
    const dead = (r: RawMessage, reason: string, schemaId?: number) =>
      letters.push({
        processor: config.name,
        reason,
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        key: r.key,
        value: r.value,
        ...(schemaId !== undefined ? { schemaId } : {}),
      });
    for (const r of raw) {
      const type = typeOfTopic.get(r.topic);
      if (!type) {
        dead(r, `no event type for topic ${r.topic}`);
        continue;
      }
      const d = await deps.codec.decode(type, r.value);
      if (d.ok) {
        envelopes.push({
          type,
          event: d.value,
          schemaId: d.schemaId,
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
        } as AnyEnvelope);
        continue;
      }
      // Not decoded: the registry not answering is a `retry` of the whole batch; anything else
      // is a `dlq` of this message with the codec's reason.
      if (d.retriable) throw new BackbeatError('DECODE_RETRY', d.reason, { retriable: true });
      dead(r, d.reason, d.schemaId);
    }
    const rawOf = (e: AnyEnvelope) =>
      raw.find((x) => x.topic === e.topic && x.partition === e.partition && x.offset === e.offset)!;
    const state = await readState(envelopes);
    const {
      planned,
      planned: { plan },
      kept,
    } = planSafely(envelopes, state, (e, reason) => dead(rawOf(e), reason, e.schemaId));
    let dropped = 0;
    planned.outcomes.forEach((o, i) => {
      if (o.kind === 'dlq') dead(rawOf(kept[i]!), o.reason, kept[i]!.schemaId);
      else if (o.kind === 'drop') dropped++;
      else if (o.kind === 'retry')
        throw new BackbeatError('PLAN_RETRY', o.reason, { retriable: true });
    });
    return { envelopes: kept, letters, plan, raw, dropped };
  }

  /**
   * Plans the batch. A plan is pure, so one that throws (a programming error such as a
   * TypeError on an event it did not expect) throws again on a retry: the events it throws on
   * are found by planning each alone, dead-lettered with reason `bug: ...` (counted in
   * backbeat_processor_bugs_total{stage="plan"}), and the rest planned. The partition moves on;
   * once the bug is fixed the dead letters can be replayed.
   */
  function planSafely(
    envelopes: AnyEnvelope[],
    state: StoredState | undefined,
    reject: (e: AnyEnvelope, reason: string) => void,
  ): { planned: ReturnType<Projection<Plan>['plan']>; kept: AnyEnvelope[] } {
    try {
      return { planned: deps.projection.plan(envelopes, state), kept: envelopes };
    } catch (err) {
      if (err instanceof BackbeatError && err.retriable) throw err;
      const kept: AnyEnvelope[] = [];
      for (const e of envelopes) {
        try {
          deps.projection.plan([e], state);
          kept.push(e);
        } catch (one) {
          if (one instanceof BackbeatError && one.retriable) throw one;
          const { reason } = Outcome.bug(one, `${config.name} cannot plan this event`) as {
            reason: string;
          };
          m.bugs.inc('plan');
          log.error({ err: one, topic: e.topic, partition: e.partition, offset: e.offset }, reason);
          reject(e, reason);
        }
      }
      return { planned: deps.projection.plan(kept, state), kept };
    }
  }

  /**
   * A stateful projection's state for the batch (undefined for the others), read through the
   * sink. A store that fails is retried with the batch (a retriable error); a sink that cannot
   * read state for a projection that needs it is a wiring bug.
   */
  async function readState(envelopes: AnyEnvelope[]): Promise<StoredState | undefined> {
    if (!deps.projection.stateKeys) return undefined;
    if (!deps.sink.readState)
      throw new InternalError(`${config.name}: the sink cannot read the state its plan needs`);
    const keys = deps.projection.stateKeys(envelopes);
    const ids = envelopes.map((e) => (e.event as { event_id?: unknown }).event_id);
    return deps.sink.readState(
      keys,
      ids.filter((id): id is string => typeof id === 'string' && id !== ''),
    );
  }

  /**
   * Runs `f` until it succeeds. A retriable failure (a dependency) backs off and tries again.
   * Anything else is never retried (`isRetriable`: a programming error such as a TypeError, or
   * a BackbeatError that says so): the processor stops with an error line naming the stage,
   * `backbeat_processor_bugs_total{stage}` and `backbeat_processor_failed` are set, and the
   * stall detector marks it not ready. Its uncommitted batch is read again after a restart.
   */
  async function retrying<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (err) {
        if (!isRetriable(err)) {
          failure = `${what}: ${describeError(err)}`;
          m.bugs.inc(what);
          m.failed.set(1);
          log.error(
            { err, stage: what },
            `processor stopped: ${what} failed and cannot be retried`,
          );
          throw err;
        }
        if (stopping && Date.now() > stopDeadline) return undefined;
        m.retries.inc();
        const wait = backoffDelay(attempt, config.retry);
        log.warn({ err: (err as Error).message, attempt, wait }, `${what} failed; retrying`);
        await sleep(wait);
      }
    }
  }

  async function handle(raw: RawMessage[]): Promise<void> {
    const started = process.hrtime.bigint();
    const ranges = rangesOf(raw);
    const prepared = await retrying('decode', () => prepare(raw));
    if (!prepared) return;
    // `retrying` answers undefined when it gave up (stopping), so the write must answer a value.
    const wrote = await retrying('dead-letter write', async () => {
      await deps.deadLetters.write(prepared.letters);
      return true;
    });
    if (!wrote) return;
    // Messages the store refuses for what they hold (never an outage) are dead-lettered, with
    // the store's reason, before the sink stores the batch's offsets.
    let refused = 0;
    const reject = async (rejected: readonly Rejected[]) => {
      const letters = rejected.map((x): DeadLetter => {
        const r = prepared.raw.find(
          (m) => m.topic === x.topic && m.partition === x.partition && m.offset === x.offset,
        );
        const e = prepared.envelopes.find(
          (m) => m.topic === x.topic && m.partition === x.partition && m.offset === x.offset,
        );
        return {
          processor: config.name,
          reason: x.reason,
          topic: x.topic,
          partition: x.partition,
          offset: x.offset,
          key: r?.key ?? null,
          value: r?.value ?? null,
          ...(e ? { schemaId: e.schemaId } : {}),
        };
      });
      log.warn(
        { count: letters.length, reason: letters[0]?.reason },
        'the store refused events; dead-lettered',
      );
      await deps.deadLetters.write(letters);
      refused = letters.length;
    };
    const result = await retrying('sink apply', () => {
      refused = 0;
      return deps.sink.apply(prepared.plan, ranges, { reject });
    });
    if (!result) return;
    if (result === 'conflict') {
      m.conflicts.inc();
      log.info({ ranges }, 'sink already past this batch; repositioning from its offsets');
      deps.consumer.reposition(ranges);
      return;
    }
    for (const r of ranges) next.set(partitionKey(r), r.to + 1);
    deps.consumer.commit(
      ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.to + 1 })),
    );
    const dlq = prepared.letters.length + refused;
    m.events.inc({ outcome: 'ok' }, raw.length - dlq - prepared.dropped);
    m.events.inc({ outcome: 'dlq' }, dlq);
    m.events.inc({ outcome: 'drop' }, prepared.dropped);
    m.deadLetters.inc(dlq);
    lastProgressAt = Date.now();
    m.batch.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  async function run(): Promise<void> {
    const lagTimer = setInterval(() => void updateLag(), 5000);
    try {
      while (!stopping) {
        const raw = await retrying('poll', () => deps.consumer.poll());
        if (raw?.length) await handle(raw);
      }
    } finally {
      clearInterval(lagTimer);
    }
  }

  async function updateLag(): Promise<void> {
    try {
      let total = 0;
      for (const l of await deps.consumer.lag((p) => next.get(partitionKey(p)))) {
        if (Number.isFinite(l.lag)) {
          m.lag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
          total += Math.max(0, l.lag);
        }
      }
      totalLag = total;
      if (total === 0) lastProgressAt = Date.now();
    } catch (err) {
      log.debug({ err }, 'lag query failed');
    }
  }

  return {
    name: config.name,
    start(): Promise<void> {
      loop ??= run();
      return loop;
    },
    /** Finishes the batch in hand (retrying a failing store for up to stopGraceMs), then closes. */
    async stop(): Promise<void> {
      stopping = true;
      stopDeadline = Date.now() + config.stopGraceMs;
      await loop?.catch((err) => log.error({ err }, 'processor loop failed'));
      await deps.consumer.close();
    },
    /**
     * When it last made progress (applied a batch, or had nothing left to read) and its lag
     * at the last lag check (every 5 s): for stall detection.
     */
    progress: () => ({
      lastProgressAt,
      // A processor stopped on an error counts as behind, so the stall detector reports it.
      lag: failure ? Math.max(1, totalLag) : totalLag,
      ...(failure ? { failure } : {}),
    }),
    /** Lag per owned partition, for catch-up checks (rebuild, tests). */
    lag: () => deps.consumer.lag((p) => next.get(partitionKey(p))),
  };
}

export type Processor = ReturnType<typeof createProcessor>;

function rangesOf(raw: RawMessage[]): OffsetRange[] {
  const by = new Map<string, OffsetRange>();
  for (const r of raw) {
    const k = partitionKey(r);
    const cur = by.get(k);
    if (!cur) by.set(k, { topic: r.topic, partition: r.partition, from: r.offset, to: r.offset });
    else {
      cur.from = Math.min(cur.from, r.offset);
      cur.to = Math.max(cur.to, r.offset);
    }
  }
  return [...by.values()];
}

function processorMetrics(registry: Registry, processor: string) {
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T) ?? make();
  const labels = { processor };
  const events = get(
    'backbeat_processor_events_total',
    () =>
      new Counter({
        name: 'backbeat_processor_events_total',
        help: 'Messages handled, by outcome',
        labelNames: ['processor', 'outcome'],
        registers: [registry],
      }),
  );
  const batch = get(
    'backbeat_processor_batch_seconds',
    () =>
      new Histogram({
        name: 'backbeat_processor_batch_seconds',
        help: 'Time to decode, plan and apply one batch',
        labelNames: ['processor'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers: [registry],
      }),
  );
  const lag = get(
    'backbeat_processor_lag',
    () =>
      new Gauge({
        name: 'backbeat_processor_lag',
        help: 'Messages behind the high watermark, per partition',
        labelNames: ['processor', 'topic', 'partition'],
        registers: [registry],
      }),
  );
  const deadLetters = get(
    'backbeat_processor_dead_letters_total',
    () =>
      new Counter({
        name: 'backbeat_processor_dead_letters_total',
        help: 'Messages sent to the dead-letter topic',
        labelNames: ['processor'],
        registers: [registry],
      }),
  );
  const retries = get(
    'backbeat_processor_retries_total',
    () =>
      new Counter({
        name: 'backbeat_processor_retries_total',
        help: 'Retries after a failing dependency',
        labelNames: ['processor'],
        registers: [registry],
      }),
  );
  const conflicts = get(
    'backbeat_processor_conflicts_total',
    () =>
      new Counter({
        name: 'backbeat_processor_conflicts_total',
        help: 'Batches the sink had already applied (redelivery or a moved partition)',
        labelNames: ['processor'],
        registers: [registry],
      }),
  );
  const bugs = get(
    'backbeat_processor_bugs_total',
    () =>
      new Counter({
        name: 'backbeat_processor_bugs_total',
        help: 'Programming errors met, by stage (plan: the event was dead-lettered; others stop the processor)',
        labelNames: ['processor', 'stage'],
        registers: [registry],
      }),
  );
  const failed = get(
    'backbeat_processor_failed',
    () =>
      new Gauge({
        name: 'backbeat_processor_failed',
        help: '1 when the processor stopped on an error it cannot retry',
        labelNames: ['processor'],
        registers: [registry],
      }),
  );
  return {
    bugs: { inc: (stage: string) => bugs.inc({ ...labels, stage }) },
    failed: { set: (v: number) => failed.set(labels, v) },
    events: { inc: (l: { outcome: string }, n = 1) => n > 0 && events.inc({ ...labels, ...l }, n) },
    batch: { observe: (s: number) => batch.observe(labels, s) },
    lag: {
      set: (l: { topic: string; partition: string }, v: number) => lag.set({ ...labels, ...l }, v),
    },
    deadLetters: { inc: (n: number) => n > 0 && deadLetters.inc(labels, n) },
    retries: { inc: () => retries.inc(labels) },
    conflicts: { inc: () => conflicts.inc(labels) },
  };
}
