import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { validEvents } from '../catalogue/event-examples.js';
import { EVENT_TYPE_NAMES, loadEventCatalogue } from '../catalogue/event-catalogue.js';
import {
  canonicalUuid,
  createAvroCodec,
  frame,
  readHeader,
  type SchemaRegistryClient,
} from './confluent-avro.codec.js';

/** An in-memory registry: ids by canonical schema, as a Confluent registry assigns them. */
function memoryRegistry(): SchemaRegistryClient & { schemas: Map<number, string> } {
  const schemas = new Map<number, string>();
  const ids = new Map<string, number>();
  return {
    schemas,
    async register(_subject, schema) {
      const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
      const canon = avro.Type.forSchema(JSON.parse(text)).schema() as object;
      const key = JSON.stringify(canon);
      if (!ids.has(key)) {
        ids.set(key, ids.size + 1);
        schemas.set(ids.size, text);
      }
      return ids.get(key)!;
    },
    async getSchemaById(id) {
      const s = schemas.get(id);
      if (!s) throw Object.assign(new Error('Schema not found'), { code: 'SCHEMA_NOT_FOUND' });
      return s;
    },
  };
}

const catalogue = loadEventCatalogue();
const events = validEvents();

describe('Confluent-framed Avro codec', () => {
  it('given each event type, when encoded and decoded, then the value comes back equal', async () => {
    const codec = createAvroCodec(catalogue, { registry: memoryRegistry() });
    await codec.init();
    for (const name of EVENT_TYPE_NAMES) {
      const buf = codec.encode(name, events[name]);
      assert.equal(buf[0], 0, 'magic byte');
      assert.equal(buf.readUInt32BE(1), codec.schemaIdOf(name));
      const d = await codec.decode(name, buf);
      assert.ok(d.ok, JSON.stringify(d));
      assert.deepEqual(JSON.parse(JSON.stringify(d.value)), events[name]);
    }
  });

  it('given uuids in upper case or without hyphens, when decoded, then every uuid field is canonical', async () => {
    const codec = createAvroCodec(catalogue, { registry: memoryRegistry() });
    await codec.init();
    const id = '0192f3a4-5b6c-7d8e-9fa0-b1c2d3e4f5a6';
    const playbackId = '0192f3a4-0000-7000-8000-00000000abcd';
    const upper = {
      ...events.playback,
      event_id: id.toUpperCase(),
      playback_id: playbackId.replace(/-/g, '').toUpperCase(),
    };
    const d = await codec.decode('playback', codec.encode('playback', upper));
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(d.value.event_id, id);
    assert.equal(d.value.playback_id, playbackId);
    // Every type's event_id, and no string that is not a uuid is touched.
    for (const name of EVENT_TYPE_NAMES) {
      const e = { ...events[name], event_id: id.toUpperCase() };
      const r = await codec.decode(name, codec.encode(name, e as never));
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal((r.value as { event_id: string }).event_id, id, name);
    }
    assert.equal(canonicalUuid('not-a-uuid-AB'), 'not-a-uuid-AB');
    assert.equal(canonicalUuid('{' + id + '}'), '{' + id + '}');
  });

  it('given a message written with an older schema, when decoded, then the new field gets its default', async () => {
    const registry = memoryRegistry();
    const codec = createAvroCodec(catalogue, { registry });
    await codec.init();
    const old = JSON.parse(JSON.stringify(catalogue.playback.schema));
    old.fields = old.fields.filter(
      (f: { name: string }) => f.name !== 'offline' && f.name !== 'context',
    );
    const oldId = await registry.register('backbeat.playback-value', old);
    const { offline: _o, context: _c, ...payload } = events.playback;
    const buf = frame(oldId, avro.Type.forSchema(old).toBuffer(payload));
    const d = await codec.decode('playback', buf);
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(d.schemaId, oldId);
    assert.equal(d.value.offline, false);
    assert.equal(d.value.context, null);
    assert.equal(d.value.ms_played, events.playback.ms_played);
  });

  it('given broken messages, then decode answers with a reason instead of throwing', async () => {
    const codec = createAvroCodec(catalogue, { registry: memoryRegistry() });
    await codec.init();
    const good = codec.encode('skip', events.skip);
    const cases: [Buffer | null, RegExp, boolean][] = [
      [null, /tombstone/, false],
      [Buffer.from([0, 0]), /shorter than the 5-byte Confluent header/, false],
      [Buffer.from([1, 0, 0, 0, 1, 2]), /unknown magic byte 1/, false],
      [frame(999, good.subarray(5)), /schema 999: Schema not found/, false],
      [good.subarray(0, good.length - 3), /cannot decode as skip/, false],
      [codec.encode('follow', events.follow), /cannot decode as skip/, false],
    ];
    for (const [buf, reason, retriable] of cases) {
      const d = await codec.decode('skip', buf);
      assert.equal(d.ok, false);
      assert.match((d as { reason: string }).reason, reason);
      assert.equal((d as { retriable: boolean }).retriable, retriable);
    }
  });

  it('given the registry is unreachable, then the failure is retriable and not cached', async () => {
    const registry = memoryRegistry();
    const codec = createAvroCodec(catalogue, { registry });
    await codec.init();
    const buf = codec.encode('follow', events.follow);
    let down = true;
    const flaky = createAvroCodec(catalogue, {
      registry: {
        register: registry.register,
        getSchemaById: async (id) =>
          down ? Promise.reject(new Error('connect ECONNREFUSED')) : registry.getSchemaById(id),
      },
    });
    const first = await flaky.decode('follow', buf);
    assert.deepEqual([first.ok, (first as { retriable: boolean }).retriable], [false, true]);
    down = false;
    assert.equal((await flaky.decode('follow', buf)).ok, true);
  });

  it('readHeader splits the wire format', () => {
    assert.deepEqual(readHeader(frame(258, Buffer.from([7]))), {
      schemaId: 258,
      body: Buffer.from([7]),
    });
  });
});
