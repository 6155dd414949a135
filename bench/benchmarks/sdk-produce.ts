/**
 * Figure 1: the SDK's Kafka transport, events/s produced (registry-framed Avro, batched,
 * idempotent, acks=all), driven the way the simulator drives it (one SDK client per device,
 * coalesced into sends of up to 5,000 events), against Kafka's ProducerPerformance with the same
 * record size, acks, partitions and batch settings. Line 1b: the same SDK contract on
 * node-rdkafka (the design card's throughput client), to show what the library costs.
 */
import { createKafkaTransport } from '../../producers/sdk/kafka.transport.js';
import type { Transport } from '../../producers/sdk/sdk.types.js';
import { createTrafficSender } from '../../producers/simulator/traffic.sender.js';
import type { AnySimEvent } from '../../producers/simulator/simulator.types.js';
import { bySize, type BenchContext, type BenchOutput, type Benchmark } from '../lib/context.js';
import { producerPerformance } from '../lib/kafka-tools.js';
import { createRdkafkaTransport } from '../lib/rdkafka-transport.js';
import { createTopic, startBenchStack, type BenchStack } from '../lib/stack.js';
import { ensureWorkload, readSimEvents, type WorkloadMeta } from '../lib/workload.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export const SDK_MAX_COMBINED = 5_000;
export const SDK_LINGER_MS = 20;
const WARMUP = 2_000;

export type SdkLibrary = 'kafkajs' | 'node-rdkafka';

export async function loadEvents(
  ctx: BenchContext,
  s: BenchStack,
  events: number,
): Promise<{ meta: WorkloadMeta; events: AnySimEvent[] }> {
  const bar = ctx.progress.bar('workload (cached)', events, 'events');
  const meta = ensureWorkload(ctx.cacheDir, s.catalogue, events, (d, t) => {
    bar.setTotal(t);
    bar.update(d, 'generating');
  });
  const out: AnySimEvent[] = [];
  for await (const e of readSimEvents(meta.file, s.catalogue)) out.push(e);
  bar.update(out.length, 'loaded');
  bar.stop();
  return { meta, events: out };
}

/** Sends `events` through SDK clients over one transport; events/s from first emit to last answer. */
export async function measureSdk(
  s: BenchStack,
  events: readonly AnySimEvent[],
  library: SdkLibrary,
  onProgress?: (n: number) => void,
): Promise<{ events: number; seconds: number; events_per_s: number; rejected: number }> {
  const transport: Transport =
    library === 'kafkajs'
      ? createKafkaTransport(
          { brokers: s.config.kafka.brokers, clientId: 'backbeat-bench' },
          { codec: s.codec, catalogue: s.catalogue },
        )
      : await createRdkafkaTransport(
          { brokers: s.config.kafka.brokers, clientId: 'backbeat-bench' },
          { codec: s.codec, catalogue: s.catalogue },
        );
  const sender = () =>
    createTrafficSender(
      { seed: 1, rate: 0, maxCombined: SDK_MAX_COMBINED, lingerMs: SDK_LINGER_MS },
      { transport, onProgress: (st) => onProgress?.(st.accepted + st.rejected + st.dropped) },
    );
  try {
    // Warm-up (connect, registry ids, JIT) outside the clock.
    await sender().send(events.slice(0, Math.min(WARMUP, events.length >> 3)));
    const timed = events.slice(Math.min(WARMUP, events.length >> 3));
    const t0 = performance.now();
    const st = await sender().send(timed);
    const seconds = (performance.now() - t0) / 1000;
    const answered = st.accepted + st.duplicates;
    if (st.rejected + st.dropped > 0)
      throw new BackbeatError(
        'BENCH_EVENTS_REFUSED',
        `SDK (${library}) refused ${st.rejected} and dropped ${st.dropped} events: ${JSON.stringify(st.problems.slice(0, 3))}`,
      );
    return { events: answered, seconds, events_per_s: answered / seconds, rejected: st.rejected };
  } finally {
    await transport.close();
  }
}

export const PERF_TOPIC = 'bench.producer-perf';

/** ProducerPerformance with the SDK's record size, acks, partitions and batch settings. */
export function producerPerfProps(recordSize: number, partitions: number) {
  return {
    acks: 'all',
    'enable.idempotence': 'true',
    // kafkajs (maxInFlightRequests: 1) and the SDK (one batch answered before the next).
    'max.in.flight.requests.per.connection': 1,
    // A coalesced send of up to 5,000 events spread over the partitions; the SDK's linger.
    'batch.size': Math.ceil((SDK_MAX_COMBINED * recordSize) / partitions),
    'linger.ms': SDK_LINGER_MS,
    'compression.type': 'none',
    'buffer.memory': 268_435_456,
  };
}

export const sdkProduce: Benchmark = {
  name: 'sdk-produce',
  title: 'SDK Kafka transport vs ProducerPerformance',
  async run(ctx): Promise<BenchOutput> {
    const n = bySize(ctx.size, { quick: 10_000, small: 200_000, full: 1_000_000 });
    const s = await startBenchStack(ctx.basePort);
    try {
      const { meta, events } = await loadEvents(ctx, s, n);
      const partitions = s.config.kafka.defaultPartitions;
      await createTopic(s.kafka, PERF_TOPIC, partitions);
      const recordSize = meta.avg_record_bytes;
      const props = producerPerfProps(recordSize, partitions);
      const sdk: number[] = [];
      const rd: number[] = [];
      const pp: number[] = [];
      const details: unknown[] = [];
      for (let run = 1; run <= ctx.runs; run++) {
        ctx.progress.log(
          `run ${run}/${ctx.runs}: ProducerPerformance, SDK (kafkajs), SDK (node-rdkafka)`,
        );
        const anchor = await producerPerformance({
          bootstrap: s.bootstrap,
          topic: PERF_TOPIC,
          records: events.length,
          recordSize,
          props,
        });
        const bar1 = ctx.progress.bar(`run ${run} SDK kafkajs`, events.length, 'events');
        const a = await measureSdk(s, events, 'kafkajs', (d) => bar1.update(d));
        bar1.stop();
        const bar2 = ctx.progress.bar(`run ${run} SDK rdkafka`, events.length, 'events');
        const b = await measureSdk(s, events, 'node-rdkafka', (d) => bar2.update(d));
        bar2.stop();
        pp.push(anchor.records_per_s);
        sdk.push(a.events_per_s);
        rd.push(b.events_per_s);
        details.push({ run, producer_performance: anchor, sdk_kafkajs: a, sdk_node_rdkafka: b });
        ctx.progress.log(
          `run ${run}: ProducerPerformance ${Math.round(anchor.records_per_s)}/s, SDK kafkajs ${Math.round(a.events_per_s)}/s, SDK node-rdkafka ${Math.round(b.events_per_s)}/s`,
        );
      }
      const anchor = { what: 'ProducerPerformance', unit: 'records/s', values: pp };
      return {
        rows: [
          {
            figure: '1',
            what: 'SDK Kafka transport (kafkajs), events/s',
            unit: 'events/s',
            values: sdk,
            anchor,
            target: { on: 'ratio', op: '>=', bound: 0.5 },
          },
          {
            figure: '1b',
            what: 'same SDK on node-rdkafka (bench comparison)',
            unit: 'events/s',
            values: rd,
            anchor,
            target: { on: 'ratio', op: '>=', bound: 0.5 },
          },
        ],
        parameters: {
          events: events.length,
          workload: meta.by_type,
          record_bytes: recordSize,
          partitions,
          sdk: `createTrafficSender: one SDK client per device, sends of up to ${SDK_MAX_COMBINED} events, lingerMs ${SDK_LINGER_MS}`,
          producer_performance: props,
        },
        notes: [
          'Both sides write to the same single broker; the SDK encodes and validates each event (the anchor sends fixed random bytes).',
          'Line 1b replaces kafkajs with node-rdkafka inside the same SDK contract (bench/lib/rdkafka-transport.ts); not a shipped transport.',
        ],
        details,
      };
    } finally {
      await s.stop();
    }
  },
};
