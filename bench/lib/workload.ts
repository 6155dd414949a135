/**
 * The benchmark workload: the traffic simulator's deterministic stream (producers/simulator,
 * same generator as `npm run simulate`), generated once per set of parameters and cached as
 * Avro bodies under .cache/bench-data (generating runs at ~20k events/s here, far below what is
 * measured, so it must not sit inside a measurement). From the cache it is
 *  - produced to a stack's topics with node-rdkafka (figures 3, 5, 6: a pre-filled topic), or
 *  - decoded back into events for the SDK, the gateway's HTTP bodies and the latency load.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import path from 'node:path';
import Kafka from 'node-rdkafka';
import { frame } from '../../schemas/codec/confluent-avro.codec.js';
import {
  EVENT_TYPE_NAMES,
  type EventCatalogue,
  type EventTypeName,
  type EventTypeSpec,
} from '../../schemas/catalogue/event-catalogue.js';
import { createTrafficGenerator } from '../../producers/simulator/traffic.generator.js';
import {
  DAY_MS,
  DEFAULT_PARAMS,
  type AnySimEvent,
  type SimulationParams,
} from '../../producers/simulator/simulator.types.js';
import { root } from './procs.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export interface WorkloadMeta {
  file: string;
  params: SimulationParams;
  events: number;
  by_type: Record<string, number>;
  /** Mean size of a framed record (5-byte header + Avro body), bytes. */
  avg_record_bytes: number;
  /** Up to 20k listeners and tracks seen, for the read benchmarks. */
  users: string[];
  tracks: string[];
  generate_s: number;
}

/** Simulator parameters that scale with the number of events (a week of listening). */
export function workloadParams(events: number, seed = 5): SimulationParams {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(x)));
  const tracks = clamp(events / 100, 500, 50_000);
  const artists = clamp(tracks / 10, 50, 5_000);
  return {
    ...DEFAULT_PARAMS,
    seed,
    users: clamp(events / 150, 200, 100_000),
    tracks,
    artists,
    labels: clamp(artists / 50, 5, 200),
    clusters: 8,
    days: 7,
    // Ends yesterday: nothing is refused as "from the future", and the API's 7-day window holds it.
    startMs: today - 8 * DAY_MS,
    sessions: 0,
    targetEvents: events,
  };
}

const TYPE_INDEX = new Map<EventTypeName, number>(EVENT_TYPE_NAMES.map((n, i) => [n, i]));

/**
 * The cached workload for `events` events (generated on first use; a progress callback reports
 * generation). Record layout: u8 type index, u16 key length, key, u32 body length, Avro body.
 */
export function ensureWorkload(
  cacheDir: string,
  catalogue: EventCatalogue,
  events: number,
  onProgress?: (done: number, total: number) => void,
): WorkloadMeta {
  const params = workloadParams(events);
  const schemas = readdirSync(path.join(root, 'schemas/avro'))
    .sort()
    .map((f) => readFileSync(path.join(root, 'schemas/avro', f), 'utf8'))
    .join('\n');
  const gen = [
    'producers/simulator/traffic.generator.ts',
    'producers/simulator/listening.generator.ts',
  ]
    .map((f) => readFileSync(path.join(root, f), 'utf8'))
    .join('\n');
  const id = createHash('sha256')
    .update(JSON.stringify(params))
    .update(schemas)
    .update(gen)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cacheDir, 'bench-data');
  const file = path.join(dir, `workload-${events}-${id}.bin`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile))
    return JSON.parse(readFileSync(metaFile, 'utf8')) as WorkloadMeta;

  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const generator = createTrafficGenerator(params);
  const total = generator.world.totalEvents;
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const by_type: Record<string, number> = {};
  const users = new Set<string>();
  const tracks = new Set<string>();
  let n = 0;
  let bytes = 0;
  let chunk: Buffer[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (!chunk.length) return;
    writeSync(fd, Buffer.concat(chunk, chunkBytes));
    chunk = [];
    chunkBytes = 0;
  };
  try {
    for (const e of generator.events()) {
      const spec = catalogue[e.type] as EventTypeSpec;
      const body = spec.type.toBuffer(e.event);
      const key = Buffer.from(spec.key(e.event as never));
      const head = Buffer.allocUnsafe(3);
      head.writeUInt8(TYPE_INDEX.get(e.type) as number, 0);
      head.writeUInt16BE(key.length, 1);
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(body.length, 0);
      chunk.push(head, key, len, body);
      chunkBytes += 7 + key.length + body.length;
      if (chunkBytes > 4 << 20) flush();
      by_type[e.type] = (by_type[e.type] ?? 0) + 1;
      bytes += body.length + 5;
      if (e.type === 'playback' && users.size < 20_000) users.add(e.event.user_id);
      if (e.type === 'track-upload' && tracks.size < 20_000) tracks.add(e.event.track_id);
      if (++n % 20_000 === 0) onProgress?.(n, total);
    }
    flush();
  } finally {
    closeSync(fd);
  }
  onProgress?.(n, total);
  renameSync(tmp, file);
  const meta: WorkloadMeta = {
    file,
    params,
    events: n,
    by_type,
    avg_record_bytes: Math.round(bytes / n),
    users: [...users],
    tracks: [...tracks],
    generate_s: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaFile, JSON.stringify(meta));
  return meta;
}

export interface RawRecord {
  type: EventTypeName;
  key: Buffer;
  body: Buffer;
}

/** Streams the cached records in their send order. */
export async function* readWorkload(file: string): AsyncGenerator<RawRecord> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const piece of createReadStream(file, { highWaterMark: 4 << 20 })) {
    buf = buf.length ? Buffer.concat([buf, piece as Buffer]) : (piece as Buffer);
    let at = 0;
    for (;;) {
      if (buf.length - at < 3) break;
      const keyLen = buf.readUInt16BE(at + 1);
      if (buf.length - at < 3 + keyLen + 4) break;
      const bodyLen = buf.readUInt32BE(at + 3 + keyLen);
      const end = at + 3 + keyLen + 4 + bodyLen;
      if (end > buf.length) break;
      yield {
        type: EVENT_TYPE_NAMES[buf.readUInt8(at)] as EventTypeName,
        key: buf.subarray(at + 3, at + 3 + keyLen),
        body: buf.subarray(at + 7 + keyLen, end),
      };
      at = end;
    }
    buf = buf.subarray(at);
  }
}

/** The cached events decoded back into simulator events (for the SDK and the gateway). */
export async function* readSimEvents(
  file: string,
  catalogue: EventCatalogue,
  limit = Infinity,
): AsyncGenerator<AnySimEvent> {
  let seq = 0;
  for await (const r of readWorkload(file)) {
    if (seq >= limit) return;
    const event = (catalogue[r.type] as EventTypeSpec).type.fromBuffer(r.body) as {
      received_time: number;
    };
    yield {
      seq: seq++,
      type: r.type,
      event,
      sent_at: event.received_time,
      delivery: 'online',
    } as AnySimEvent;
  }
}

/**
 * Produces the cached workload to the stack's event topics with node-rdkafka (acks=all,
 * idempotent, large batches): a pre-filled topic. Resolves with the messages written.
 */
export async function fillTopics(opts: {
  brokers: string[];
  catalogue: EventCatalogue;
  schemaIdOf: (t: EventTypeName) => number;
  file: string;
  onProgress?: (done: number) => void;
}): Promise<number> {
  const producer = new Kafka.Producer({
    'client.id': 'backbeat-bench-fill',
    'metadata.broker.list': opts.brokers.join(','),
    'enable.idempotence': true,
    acks: -1,
    'linger.ms': 20,
    'batch.num.messages': 10_000,
    'batch.size': 1_000_000,
    'queue.buffering.max.messages': 400_000,
    'queue.buffering.max.kbytes': 512_000,
    dr_cb: true,
  } as Kafka.ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())),
  );
  producer.setPollInterval(20);
  let delivered = 0;
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err)
      failed ??= new BackbeatError(
        'BENCH_DELIVERY_FAILED',
        `fill: delivery failed: ${err.message}`,
        { retriable: true, cause: err },
      );
    else delivered++;
  });
  const ids = new Map<EventTypeName, number>();
  for (const t of EVENT_TYPE_NAMES) ids.set(t, opts.schemaIdOf(t));
  let sent = 0;
  const tick = setInterval(() => opts.onProgress?.(delivered), 500);
  try {
    for await (const r of readWorkload(opts.file)) {
      const topic = (opts.catalogue[r.type] as EventTypeSpec).topic;
      const value = frame(ids.get(r.type) as number, r.body);
      const key = Buffer.from(r.key);
      for (;;) {
        try {
          producer.produce(topic, null, value, key, Date.now());
          break;
        } catch (err) {
          if ((err as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
          await new Promise((res) => setTimeout(res, 5));
        }
      }
      if (++sent % 50_000 === 0 && failed) throw failed;
    }
    while (delivered < sent && !failed) await new Promise((res) => setTimeout(res, 20));
    if (failed) throw failed;
  } finally {
    clearInterval(tick);
    await new Promise<void>((resolve) => producer.flush(30_000, () => resolve()));
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  opts.onProgress?.(delivered);
  return sent;
}

/** Event types each event topic holds (for messages per topic). */
export const topicOf = (catalogue: EventCatalogue, t: EventTypeName) =>
  (catalogue[t] as EventTypeSpec).topic;
