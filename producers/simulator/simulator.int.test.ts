import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { AppConfig } from '../../common/config/app.config.js';
import {
  EVENT_TYPE_NAMES,
  type EventTypeName,
  type EventTypeSpec,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import type { PlaybackEvent } from '../../schemas/generated/events.types.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { eventually, topicOffsets } from '../../test/helpers/kafka.helper.js';
import { runTs } from '../../test/helpers/platform.helper.js';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import type { GroundTruthManifest } from './ground-truth.manifest.js';

const CLI = 'producers/simulator/simulator.cli.ts';

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runTs(CLI, args);
}

interface Consumed {
  type: EventTypeName;
  key: string;
  event: Record<string, unknown> & { event_id: string };
}

/** Every message of the event topics up to their current end, decoded with the codec. */
async function consumeEventTopics(config: AppConfig): Promise<Consumed[]> {
  const catalogue = loadEventCatalogue();
  const codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  const kafka = new Kafka({
    clientId: 'test-simulator',
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, number>(); // topic:partition -> messages still to read
  const typeOf = new Map<string, EventTypeName>();
  try {
    for (const name of EVENT_TYPE_NAMES) {
      const topic = catalogue[name].topic;
      typeOf.set(topic, name);
      for (const o of await topicOffsets(admin, topic)) {
        const left = Number(o.high) - Number(o.low);
        if (left > 0) remaining.set(`${topic}:${o.partition}`, Number(o.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const out: Consumed[] = [];
  const consumer = kafka.consumer({ groupId: `test-simulator-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [...typeOf.keys()], fromBeginning: true });
  const problems: string[] = [];
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const type = typeOf.get(topic) as EventTypeName;
      const high = remaining.get(`${topic}:${partition}`);
      if (high !== undefined && Number(message.offset) + 1 >= high)
        remaining.delete(`${topic}:${partition}`);
      if (high === undefined || Number(message.offset) >= high) return;
      const decoded = await codec.decode(type, message.value);
      if (!decoded.ok) {
        problems.push(`${topic}[${partition}]@${message.offset}: ${decoded.reason}`);
        return;
      }
      out.push({
        type,
        key: message.key?.toString() ?? '',
        event: decoded.value as unknown as Consumed['event'],
      });
    },
  });
  try {
    await eventually(() => remaining.size === 0, 90_000, 'the event topics read to their end');
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(problems, []);
  return out;
}

let config: AppConfig;
const dir = tempDir('backbeat-sim-');
before(async () => {
  config = await useStack();
});

describe('traffic simulator CLI (real Kafka and schema registry)', () => {
  it('given a small seeded run over Kafka, when the topics are read back, then they hold exactly the manifest', async () => {
    // A fresh seed per run: the topics are shared and keep earlier runs' events.
    const seed = String(Date.now() % 4_000_000_000);
    const flags = ['--seed', seed, '--users', '60', '--tracks', '150', '--artists', '30'];
    flags.push('--labels', '4', '--days', '2', '--events', '3500');
    const manifestPath = path.join(dir, 'run.json');
    const run = await runCli([...flags, '--manifest', manifestPath]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Record<string, number>;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as GroundTruthManifest;
    assert.equal(summary.accepted, manifest.counts.total);
    assert.equal(summary.rejected, 0);
    assert.equal(summary.dropped, 0);
    assert.ok(manifest.counts.total >= 3500 && manifest.counts.total < 4500);

    // A dry run of the same flags, in another process, writes the same manifest byte for byte.
    const dryPath = path.join(dir, 'dry.json');
    const dry = await runCli([...flags, '--manifest', dryPath, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(readFileSync(dryPath, 'utf8'), readFileSync(manifestPath, 'utf8'));

    const ids = new Set(manifest.event_ids);
    const mine = (await consumeEventTopics(config)).filter((c) => ids.has(c.event.event_id));
    assert.equal(mine.length, ids.size, 'each event of the run is on Kafka exactly once');
    assert.deepEqual(new Set(mine.map((c) => c.event.event_id)), ids);

    const catalogue = loadEventCatalogue();
    const qualified: Record<string, number> = {};
    for (const c of mine) {
      const spec = catalogue[c.type] as EventTypeSpec;
      assert.equal(c.key, spec.key(c.event as never), `${c.type} keyed by ${spec.scope}`);
      if (c.type !== 'playback') continue;
      const p = c.event as unknown as PlaybackEvent;
      if (p.phase === 'ENDED' && p.ms_played >= 30_000)
        qualified[p.track_id] = (qualified[p.track_id] ?? 0) + 1;
    }
    assert.deepEqual(qualified, manifest.qualified_streams.by_track);
    const byType: Record<string, number> = {};
    for (const c of mine) byType[c.type] = (byType[c.type] ?? 0) + 1;
    assert.deepEqual(byType, manifest.counts.by_type);
  });

  it('given bad flags, then the CLI exits 2 naming the flag, without a stack trace', async () => {
    for (const [args, flag] of [
      [['--users', 'abc'], '--users'],
      [['--bogus'], '--bogus'],
      [['--days', '0'], '--days'],
      [['--transport', 'carrier-pigeon'], '--transport'],
    ] as const) {
      const r = await runCli([...args, '--dry-run']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(flag), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
  });
});
