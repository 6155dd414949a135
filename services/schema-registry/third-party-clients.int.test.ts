/**
 * Backbeat's registry against clients no one here wrote: `@kafkajs/confluent-schema-registry`
 * (JavaScript) and Confluent's own Python client (`confluent-kafka`: SchemaRegistryClient,
 * AvroSerializer, AvroDeserializer). Schemas registered by either are read by the other, and
 * messages in Confluent's wire format (magic byte 0, 4-byte big-endian schema id, Avro binary)
 * written by either are read by the other and by a plain avsc decoder.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { AppConfig } from '../../common/config/app.config.js';
import { useStack } from '../../test/helpers/stack.helper.js';

const run = randomUUID().slice(0, 8);
let config: AppConfig;
let js: SchemaRegistry;
let python: string;
const script = path.join(import.meta.dirname, 'python', 'registry_interop.py');

before(async () => {
  config = await useStack();
  js = new SchemaRegistry({
    host: config.registry.url,
    auth: {
      username: config.registry.writeAuth.user,
      password: config.registry.writeAuth.password,
    },
  });
  // Reused when present; creates the venv with confluent-kafka 2.13.0 otherwise.
  execFileSync('bash', [path.join(config.stack.root, 'infra/scripts/python-env.sh')], {
    stdio: 'inherit',
    env: { ...process.env, BACKBEAT_CACHE_DIR: config.stack.cacheDir },
  });
  python = path.join(config.stack.cacheDir, 'pyenv', 'bin', 'python');
});

/** What the Python interop script prints (see its usage). */
interface PyAnswer {
  id?: number;
  version?: number;
  schema?: string;
  hex?: string;
  value?: unknown;
  error?: string;
  status?: number;
  error_code?: number;
}

/** Runs one command of the Python interop script; resolves with its JSON answer. */
async function py(command: string, ...args: string[]): Promise<PyAnswer> {
  try {
    const { stdout } = await promisify(execFile)(
      python,
      [script, config.registry.url, command, ...args],
      {
        env: {
          ...process.env,
          PYTHONWARNINGS: 'ignore',
          // confluent-kafka's basic.auth.user.info, read by the script from its environment
          BACKBEAT_REGISTRY_USER_INFO: `${config.registry.writeAuth.user}:${config.registry.writeAuth.password}`,
        },
      },
    );
    return JSON.parse(stdout);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    if (e.stdout?.trim()) return JSON.parse(e.stdout);
    throw new Error(`python ${command} failed: ${e.stderr ?? String(err)}`);
  }
}

const playback = (name: string) => ({
  type: 'record',
  name,
  namespace: `bb.interop.r${run}`,
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'user_id', type: 'long' },
    { name: 'ms_played', type: 'int' },
    { name: 'volume', type: 'double' },
    { name: 'offline', type: 'boolean' },
    {
      name: 'reason',
      type: { type: 'enum', name: 'EndReason', symbols: ['TRACK_DONE', 'SKIP', 'ERROR'] },
    },
    { name: 'markets', type: { type: 'array', items: 'string' } },
    { name: 'counters', type: { type: 'map', values: 'long' } },
    { name: 'device', type: ['null', 'string'], default: null },
  ],
});
const value = {
  event_id: 'e-1',
  user_id: 42,
  ms_played: 31_000,
  volume: 0.5,
  offline: false,
  reason: 'SKIP',
  markets: ['SE', 'DE'],
  counters: { a: 1, b: 2 },
  device: 'phone',
};

/** The plain decode: check the 5-byte header, then avsc with the registry's schema text. */
async function plainDecode(buf: Buffer): Promise<{ id: number; value: unknown }> {
  assert.equal(buf[0], 0, 'magic byte 0');
  const id = buf.readUInt32BE(1);
  const res = await fetch(`${config.registry.url}/schemas/ids/${id}`);
  const { schema } = (await res.json()) as { schema: string };
  const type = avro.Type.forSchema(JSON.parse(schema));
  return { id, value: JSON.parse(JSON.stringify(type.fromBuffer(buf.subarray(5)))) };
}

describe('third-party clients against the registry', () => {
  it('given a schema registered by @kafkajs/confluent-schema-registry, when Python reads it, then it finds the same id, version and schema', async () => {
    const subject = `interop-${run}-js-value`;
    const schema = JSON.stringify(playback('JsPlayback'));
    const { id } = await js.register({ type: SchemaType.AVRO, schema }, { subject });
    // A second register goes through the client's config check (GET /config/{subject}) again.
    assert.equal((await js.register({ type: SchemaType.AVRO, schema }, { subject })).id, id);
    assert.equal(await js.getLatestSchemaId(subject), id);

    const got = await py('get-schema', String(id));
    assert.deepEqual(JSON.parse(got.schema!), JSON.parse(schema));
    assert.deepEqual(await py('latest', subject), { id, version: 1, schema: got.schema });
    assert.deepEqual(await py('lookup', subject, schema), { id, version: 1 });
    assert.deepEqual(await py('register', `interop-${run}-other-value`, schema), { id });
  });

  it('given a schema registered by Python, when @kafkajs/confluent-schema-registry reads it, then ids and schema agree', async () => {
    const subject = `interop-${run}-py-value`;
    const schema = playback('PyPlayback');
    const { id } = await py('register', subject, JSON.stringify(schema));
    assert.ok(Number.isInteger(id));
    assert.equal(await js.getLatestSchemaId(subject), id);
    assert.equal(
      await js.getRegistryIdBySchema(subject, {
        type: SchemaType.AVRO,
        schema: JSON.stringify(schema),
      }),
      id,
    );
    const fetched = (await js.getSchema(id!)) as unknown as avro.Type;
    assert.equal(fetched.name, `bb.interop.r${run}.PyPlayback`);
  });

  it('given a message encoded by @kafkajs/confluent-schema-registry, when Python and a plain avsc decoder read it, then both get the value back', async () => {
    const subject = `interop-${run}-jsmsg-value`;
    const { id } = await js.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(playback('JsMessage')) },
      { subject },
    );
    const encoded = await js.encode(id, value);
    assert.equal(encoded.readUInt32BE(1), id);
    assert.deepEqual(await plainDecode(encoded), { id, value });
    assert.deepEqual(await py('deserialize', `interop-${run}-jsmsg`, encoded.toString('hex')), {
      value,
    });
  });

  it('given a message serialised by Python AvroSerializer, when @kafkajs/confluent-schema-registry and a plain avsc decoder read it, then both get the value back', async () => {
    const topic = `interop-${run}-pymsg`;
    const schema = JSON.stringify(playback('PyMessage'));
    const { hex } = await py('serialize', topic, schema, JSON.stringify(value));
    const buf = Buffer.from(hex!, 'hex');
    const id = buf.readUInt32BE(1);
    assert.equal(
      await js.getLatestSchemaId(`${topic}-value`),
      id,
      'AvroSerializer registered under <topic>-value',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(await js.decode(buf))), value);
    assert.deepEqual(await plainDecode(buf), { id, value });
  });

  it('given an incompatible second version, when either client registers it, then both see error 40901 with the reason', async () => {
    const subject = `interop-${run}-incompatible-value`;
    const v1 = playback('Evolving');
    await js.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const v2 = { ...v1, fields: [...v1.fields, { name: 'session_id', type: 'string' }] };
    await assert.rejects(
      js.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject }),
      /READER_FIELD_MISSING_DEFAULT_VALUE/,
    );
    const answer = await py('register', subject, JSON.stringify(v2));
    assert.equal(answer.status, 409);
    assert.equal(answer.error_code, 40901);
    assert.match(answer.error!, /READER_FIELD_MISSING_DEFAULT_VALUE.*session_id/);
  });
});
