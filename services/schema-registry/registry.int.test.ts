import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { AppConfig } from '../../common/config/app.config.js';
import { portOpen } from '../../common/process/process-supervisor.js';
import { createStack } from '../../infra/stack/stack.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { basicHeader } from '../../schemas/registry/registry-credentials.js';
import {
  createRegistryClient,
  RegistryClientError,
} from '../../schemas/registry/registry.client.js';

let config: AppConfig;
let url: string;
const run = randomUUID().slice(0, 8);
const subject = (name: string) => `it-${run}-${name}`;
const CT = 'application/vnd.schemaregistry.v1+json';

before(async () => {
  config = await useStack();
  url = config.registry.url;
});

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  type: string;
}

async function http(
  method: string,
  path: string,
  body?: unknown,
  contentType = CT,
  authorization: string | null = basicHeader(config.registry.writeAuth),
): Promise<Answer & { headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': contentType }),
      ...(authorization ? { authorization } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* raw text */
  }
  return {
    status: res.status,
    body: parsed,
    type: res.headers.get('content-type') ?? '',
    headers: res.headers,
  };
}

// Schemas are unique to this run (namespace) and, where ids matter, to one test (name).
const record = (name: string, fields: object[]) =>
  JSON.stringify({ type: 'record', name, namespace: `bb.test.r${run}`, fields });
const play = (tag = 'Play') => ({
  v1: record(tag, [{ name: 'track_id', type: 'string' }]),
  v2: record(tag, [
    { name: 'track_id', type: 'string' },
    { name: 'ms', type: 'long', default: 0 },
  ]),
  v2NoDefault: record(tag, [
    { name: 'track_id', type: 'string' },
    { name: 'ms', type: 'long' },
  ]),
});
const { v1, v2, v2NoDefault } = play();
const register = (s: string, schema: string) =>
  http('POST', `/subjects/${encodeURIComponent(s)}/versions`, { schema });

function assertError(a: Answer, status: number, code: number, message?: RegExp): void {
  assert.equal(a.status, status, JSON.stringify(a.body));
  assert.equal(a.body.error_code, code, JSON.stringify(a.body));
  assert.equal(typeof a.body.message, 'string');
  if (message) assert.match(a.body.message, message);
}

describe('schema registry REST API (real Kafka, real registry process)', () => {
  it('given a new subject, when a schema is registered, then it is readable by id, by version, as latest and as raw schema', async () => {
    const s = subject('read');
    const reg = await register(s, v1);
    assert.equal(reg.status, 200);
    assert.match(reg.type, /^application\/vnd\.schemaregistry\.v1\+json/);
    const id = reg.body.id as number;
    assert.ok(Number.isInteger(id) && id > 0);

    for (const v of ['1', 'latest', '-1']) {
      const got = await http('GET', `/subjects/${s}/versions/${v}`);
      assert.deepEqual(got.body, { subject: s, version: 1, id, schema: v1 });
    }
    assert.deepEqual((await http('GET', `/subjects/${s}/versions/1/schema`)).body, JSON.parse(v1));
    assert.deepEqual((await http('GET', `/schemas/ids/${id}`)).body, { schema: v1 });
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [1]);
    assert.ok((await http('GET', '/subjects')).body.includes(s));
    assert.deepEqual((await http('GET', '/schemas/types')).body, ['AVRO']);
  });

  it('given one schema, when registered under two subjects and again with other spacing, then every answer is the same id', async () => {
    const schema = record(`Same${run}`, [{ name: 'x', type: 'int' }]);
    const a = await register(subject('same-a'), schema);
    const b = await register(subject('same-b'), schema);
    const again = await register(subject('same-a'), JSON.stringify(JSON.parse(schema), null, 2));
    assert.equal(a.body.id, b.body.id);
    assert.equal(again.body.id, a.body.id);
    assert.deepEqual((await http('GET', `/subjects/${subject('same-a')}/versions`)).body, [1]);
    assert.deepEqual((await http('GET', `/schemas/ids/${a.body.id}/subjects`)).body, [
      subject('same-a'),
      subject('same-b'),
    ]);
    assert.deepEqual((await http('GET', `/schemas/ids/${a.body.id}/versions`)).body, [
      { subject: subject('same-a'), version: 1 },
      { subject: subject('same-b'), version: 1 },
    ]);
  });

  it('given the default BACKWARD level, when a field without a default is added, then 40901 names the reason; with a default it becomes version 2', async () => {
    const s = subject('evolve');
    const first = await register(s, v1);
    const bad = await register(s, v2NoDefault);
    assertError(bad, 409, 40901, /READER_FIELD_MISSING_DEFAULT_VALUE.*'ms'.*'\/fields\/1'/);
    assert.match(bad.body.message, /compatibility: 'BACKWARD'/);
    const good = await register(s, v2);
    assert.equal(good.status, 200);
    assert.notEqual(good.body.id, first.body.id);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [1, 2]);
    assert.equal((await http('GET', `/subjects/${s}/versions/latest`)).body.id, good.body.id);
  });

  it('given registered schemas, when looked up by content, then version and id come back, or 40403 and 40401', async () => {
    const s = subject('lookup');
    const { body } = await register(s, v1);
    const found = await http('POST', `/subjects/${s}`, {
      schema: JSON.stringify(JSON.parse(v1), null, 1),
    });
    assert.deepEqual(found.body, { subject: s, version: 1, id: body.id, schema: v1 });
    assertError(
      await http('POST', `/subjects/${s}`, { schema: v2 }),
      404,
      40403,
      /Schema not found/,
    );
    assertError(await http('POST', `/subjects/${subject('nobody')}`, { schema: v1 }), 404, 40401);
  });

  it('given a subject, when compatibility is tested against latest or a version, then is_compatible and verbose messages answer', async () => {
    const s = subject('compat');
    await register(s, v1);
    const path = `/compatibility/subjects/${s}/versions`;
    assert.deepEqual((await http('POST', `${path}/latest`, { schema: v2 })).body, {
      is_compatible: true,
    });
    assert.deepEqual((await http('POST', `${path}/1`, { schema: v2NoDefault })).body, {
      is_compatible: false,
    });
    const verbose = await http('POST', `${path}/latest?verbose=true`, { schema: v2NoDefault });
    assert.equal(verbose.body.is_compatible, false);
    assert.match(verbose.body.messages.join(' '), /READER_FIELD_MISSING_DEFAULT_VALUE/);
    assertError(await http('POST', `${path}/7`, { schema: v2 }), 404, 40402);
    assertError(await http('POST', `${path}/zero`, { schema: v2 }), 422, 42202);
    assertError(
      await http('POST', `/compatibility/subjects/${subject('nobody')}/versions/1`, { schema: v2 }),
      404,
      40401,
    );
    assert.deepEqual(
      (
        await http('POST', `/compatibility/subjects/${subject('nobody')}/versions/latest`, {
          schema: v2,
        })
      ).body,
      { is_compatible: true },
    );
  });

  it('given config per subject and global, when set and read, then subject levels win and the global level is the fallback', async () => {
    const s = subject('config');
    assert.deepEqual((await http('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
    assertError(await http('GET', `/config/${s}`), 404, 40401);
    assert.deepEqual((await http('GET', `/config/${s}?defaultToGlobal=true`)).body, {
      compatibilityLevel: 'BACKWARD',
    });
    assert.deepEqual((await http('PUT', `/config/${s}`, { compatibility: 'FORWARD' })).body, {
      compatibility: 'FORWARD',
    });
    assert.deepEqual((await http('GET', `/config/${s}`)).body, { compatibilityLevel: 'FORWARD' });
    // FORWARD accepts what BACKWARD refused: old readers ignore the new field.
    await register(s, v1);
    assert.equal((await register(s, v2NoDefault)).status, 200);
    assertError(
      await http('PUT', `/config/${s}`, { compatibility: 'SIDEWAYS' }),
      422,
      42203,
      /Invalid compatibility level/,
    );
    assertError(await http('PUT', '/config', {}), 422, 42203);
    try {
      assert.deepEqual((await http('PUT', '/config', { compatibility: 'full' })).body, {
        compatibility: 'FULL',
      });
      assert.deepEqual((await http('GET', '/config')).body, { compatibilityLevel: 'FULL' });
      assert.deepEqual(
        (await http('GET', `/config/${subject('other')}?defaultToGlobal=true`)).body,
        { compatibilityLevel: 'FULL' },
      );
    } finally {
      assert.deepEqual((await http('PUT', '/config', { compatibility: 'BACKWARD' })).body, {
        compatibility: 'BACKWARD',
      });
    }
    assert.deepEqual((await http('DELETE', `/config/${s}`)).body, {
      compatibilityLevel: 'FORWARD',
    });
    assertError(await http('GET', `/config/${s}`), 404, 40401);
  });

  it('given versions, when deleted softly then permanently, then each step answers as Confluent does', async () => {
    const s = subject('delete-version');
    const { v1, v2 } = play('DeleteVersion');
    await register(s, v1);
    const { body: second } = await register(s, v2);
    assertError(await http('DELETE', `/subjects/${s}/versions/2?permanent=true`), 404, 40407);
    assert.equal((await http('DELETE', `/subjects/${s}/versions/2`)).body, 2);
    assertError(await http('GET', `/subjects/${s}/versions/2`), 404, 40402);
    assert.equal((await http('GET', `/subjects/${s}/versions/2?deleted=true`)).body.id, second.id);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [1]);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions?deleted=true`)).body, [1, 2]);
    assert.deepEqual((await http('GET', `/schemas/ids/${second.id}`)).body, { schema: v2 });
    assertError(await http('DELETE', `/subjects/${s}/versions/2`), 404, 40406);
    assert.equal((await http('DELETE', `/subjects/${s}/versions/2?permanent=true`)).body, 2);
    assertError(await http('GET', `/subjects/${s}/versions/2?deleted=true`), 404, 40402);
    assertError(await http('GET', `/schemas/ids/${second.id}`), 404, 40403);
    assertError(await http('DELETE', `/subjects/${s}/versions/9`), 404, 40402);
    // The same schema again: a new version number and, its old id being gone, a new id.
    const again = await register(s, v2);
    assert.ok(again.body.id > second.id);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [1, 2]);
  });

  it('given a subject, when deleted softly then permanently, then it leaves the listings and may be registered afresh', async () => {
    const s = subject('delete-subject');
    const { v1, v2 } = play('DeleteSubject');
    const { body: first } = await register(s, v1);
    await register(s, v2);
    assertError(await http('DELETE', `/subjects/${s}?permanent=true`), 404, 40405);
    assert.deepEqual((await http('DELETE', `/subjects/${s}`)).body, [1, 2]);
    assert.ok(!(await http('GET', '/subjects')).body.includes(s));
    assert.ok((await http('GET', '/subjects?deleted=true')).body.includes(s));
    assertError(await http('GET', `/subjects/${s}/versions`), 404, 40401);
    assertError(await http('DELETE', `/subjects/${s}`), 404, 40404);
    // Re-registering a soft-deleted schema keeps its id and continues the version numbers.
    const back = await register(s, v1);
    assert.equal(back.body.id, first.id);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [3]);
    assert.deepEqual((await http('DELETE', `/subjects/${s}`)).body, [3]);
    assert.deepEqual((await http('DELETE', `/subjects/${s}?permanent=true`)).body, [1, 2, 3]);
    assert.ok(!(await http('GET', '/subjects?deleted=true')).body.includes(s));
    assertError(await http('DELETE', `/subjects/${s}`), 404, 40401);
    assert.equal((await register(s, v1)).status, 200);
    assert.deepEqual((await http('GET', `/subjects/${s}/versions`)).body, [1]);
  });

  it('given bad input of every kind, when sent, then clear 4xx answers come back and the process stays up', async () => {
    const before = createStack(config)
      .status()
      .services.find((x) => x.name === 'registry')?.pid;
    const s = subject('bad');
    assertError(await register(s, '{"type": "record", "name": '), 422, 42201, /not valid JSON/);
    assertError(
      await register(s, record('X', [{ name: 'a', type: 'NoSuchType' }])),
      422,
      42201,
      /NoSuchType/,
    );
    assertError(
      await register(s, record('X', [{ name: 'a', type: 'int', default: 'x' }])),
      422,
      42201,
      /default/,
    );
    assertError(
      await http('POST', `/subjects/${s}/versions`, {
        schema: 'syntax = "proto3";',
        schemaType: 'PROTOBUF',
      }),
      422,
      42201,
      /schemaType 'PROTOBUF' is not supported.*AVRO/,
    );
    assertError(
      await http('POST', `/subjects/${s}/versions`, { schematic: v1 }),
      422,
      42201,
      /"schema" must be/,
    );
    assertError(
      await http('POST', `/subjects/${s}/versions`, '{"schema": '),
      400,
      400,
      /Malformed JSON/,
    );
    assertError(await http('POST', `/subjects/${s}/versions`, '[1,2]'), 422, 42201);
    assertError(
      await http('POST', `/subjects/${s}/versions`, { schema: v1 }, 'text/plain'),
      415,
      415,
    );
    assertError(await register('bad\u0001subject', v1), 422, 42208, /control character/);
    assertError(await register('x'.repeat(256), v1), 422, 42208, /256 characters/);
    assertError(await register('   ', v1), 422, 42208, /empty/);
    assertError(await http('POST', '/subjects//versions', { schema: v1 }), 422, 42208, /empty/);
    assertError(
      await http('GET', `/subjects/${s}/versions/abc`),
      422,
      42202,
      /not a valid version/,
    );
    assertError(await http('GET', `/subjects/${s}/versions/0`), 422, 42202);
    assertError(await http('GET', `/subjects/${s}/versions/1`), 404, 40401);
    assertError(await http('GET', '/schemas/ids/987654321'), 404, 40403);
    assertError(await http('GET', '/schemas/ids/nope'), 404, 40403);
    assertError(await http('GET', '/no/such/endpoint'), 404, 404);
    // Both other accepted content types work.
    for (const type of ['application/json', 'application/vnd.schemaregistry+json']) {
      assert.equal(
        (
          await http(
            'POST',
            `/subjects/${s}/versions`,
            { schema: v1, schemaType: 'AVRO', references: [] },
            type,
          )
        ).status,
        200,
      );
    }
    assert.equal((await http('GET', '/subjects')).status, 200);
    assert.equal(
      createStack(config)
        .status()
        .services.find((x) => x.name === 'registry')?.pid,
      before,
    );
  });

  it('given the ops routes, when read, then health, readiness and request counts answer', async () => {
    assert.equal((await http('GET', '/healthz')).body.status, 'ok');
    const ready = await http('GET', '/readyz');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const metrics = await http('GET', '/metrics');
    assert.match(
      metrics.body,
      /backbeat_schema_registry_requests_total\{method="POST",route="\/subjects\/:subject\/versions",status="409"/,
    );
    assert.match(metrics.body, /backbeat_schema_registry_store_offset/);
  });

  it('given the store topic, when read with a plain consumer, then it is compacted, single-partition and holds Confluent-shaped records', async () => {
    const kafka = new Kafka({
      clientId: 'it-registry',
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [config.registry.topic] });
      assert.equal(meta.topics[0]?.partitions.length, 1);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: config.registry.topic, configNames: ['cleanup.policy'] }],
      });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, 'compact');
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId: `it-registry-${run}-${randomUUID()}` });
    const seen: { key: any; value: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    await consumer.connect();
    await consumer.subscribe({ topic: config.registry.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: JSON.parse(message.key!.toString()),
          value: message.value && JSON.parse(message.value.toString()),
        });
      },
    });
    const s = subject('delete-subject');
    await eventually(
      () => seen.some((m) => m.key.keytype === 'CONFIG' && m.key.subject === null),
      20_000,
      'records',
    ).finally(() => consumer.disconnect());
    await eventually(
      () =>
        seen.some(
          (m) => m.key.subject === s && m.key.keytype === 'DELETE_SUBJECT' && m.value === null,
        ),
      20_000,
      'tombstones',
    );
    assert.ok(
      seen.some(
        (m) =>
          m.key.keytype === 'SCHEMA' &&
          m.key.subject === s &&
          m.value?.deleted === false &&
          Number.isInteger(m.value.id),
      ),
    );
    assert.ok(
      seen.some(
        (m) => m.key.keytype === 'DELETE_SUBJECT' && m.key.subject === s && m.value?.version === 2,
      ),
    );
    assert.ok(
      seen.some((m) => m.key.keytype === 'SCHEMA' && m.key.subject === s && m.value === null),
    );
  });

  it('given the registry killed with SIGKILL, when the stack is brought up again, then every id, version and config is rebuilt from the topic', async () => {
    const s = subject('restart');
    await register(s, v1);
    await register(s, v2);
    await http('PUT', `/config/${s}`, { compatibility: 'FULL_TRANSITIVE' });
    const snapshot = async () => {
      const subjects: string[] = (await http('GET', '/subjects?deleted=true')).body;
      const ours = subjects.filter((x) => x.startsWith(`it-${run}-`));
      const out: Record<string, unknown> = {};
      for (const x of ours) {
        const versions: number[] = (await http('GET', `/subjects/${x}/versions?deleted=true`)).body;
        out[x] = await Promise.all(
          versions.map(
            async (v) => (await http('GET', `/subjects/${x}/versions/${v}?deleted=true`)).body,
          ),
        );
      }
      return {
        subjects,
        out,
        config: (await http('GET', `/config/${s}`)).body,
        global: (await http('GET', '/config')).body,
      };
    };
    const beforeRestart = await snapshot();
    const highest = Math.max(
      ...Object.values(beforeRestart.out)
        .flat()
        .map((v) => (v as { id: number }).id),
    );

    const stack = createStack(config);
    const pid = stack.status().services.find((x) => x.name === 'registry')!.pid!;
    process.kill(pid, 'SIGKILL');
    await eventually(
      () => !stack.status().services.find((x) => x.name === 'registry')!.running,
      10_000,
      'registry gone',
    );
    // The last thread of a killed process may hold the socket a few ms longer than its pid.
    await eventually(
      async () => !(await portOpen(config.stack.host, config.registry.port)),
      10_000,
      'port closed',
    );
    const up = await stack.up();
    const restarted = up.services.find((x) => x.name === 'registry')!;
    assert.ok(restarted.running && restarted.pid !== pid);

    assert.deepEqual(await snapshot(), beforeRestart);
    const fresh = await register(
      subject('after-restart'),
      record(`Fresh${run}`, [{ name: 'z', type: 'int' }]),
    );
    assert.ok(fresh.body.id > highest, `new id ${fresh.body.id} > ${highest}`);
  });
});

describe('registry client (fetch-based, cached)', () => {
  it('given the client, when registering and reading, then ids and schemas come back and repeats are served from its cache', async () => {
    let calls = 0;
    const client = createRegistryClient(config.registry, {
      fetch: (input, init) => (calls++, fetch(input, init)),
    });
    const s = subject('client');
    const id = await client.register(s, JSON.parse(v1));
    assert.equal(await client.register(s, JSON.parse(v1)), id);
    assert.equal(calls, 1);
    assert.equal(await client.getSchemaById(id), v1);
    const other = createRegistryClient(config.registry);
    assert.equal(await other.getSchemaById(id), v1);
    assert.deepEqual(await other.getLatest(s), { subject: s, version: 1, id, schema: v1 });
    assert.deepEqual(await other.checkCompatibility(s, v2), { isCompatible: true, messages: [] });
    const bad = await other.checkCompatibility(s, v2NoDefault);
    assert.equal(bad.isCompatible, false);
    assert.match(bad.messages[0]!, /READER_FIELD_MISSING_DEFAULT_VALUE/);
    await assert.rejects(
      other.getSchemaById(987654321),
      (e: unknown) =>
        e instanceof RegistryClientError &&
        e.status === 404 &&
        e.errorCode === 40403 &&
        !e.retriable,
    );
    await assert.rejects(
      other.register(s, v2NoDefault),
      (e: unknown) => e instanceof RegistryClientError && e.errorCode === 40901,
    );
  });
});

describe('registry writes need the write credential (HTTP basic auth); reads stay open', () => {
  it('given no or a wrong credential, when writing, then 401 in Confluent shape with WWW-Authenticate: Basic, and nothing changes', async () => {
    const s = subject('auth');
    const wrong = basicHeader({
      user: config.registry.writeAuth.user,
      password: 'not-the-password',
    });
    const writes: [string, string, unknown?][] = [
      ['POST', `/subjects/${s}/versions`, { schema: v1 }],
      ['PUT', '/config', { compatibility: 'NONE' }],
      ['PUT', `/config/${s}`, { compatibility: 'NONE' }],
      ['DELETE', `/config/${s}`],
      ['DELETE', `/subjects/${s}`],
      ['DELETE', `/subjects/${s}/versions/1`],
      ['PUT', '/mode', { mode: 'IMPORT' }],
    ];
    for (const auth of [null, wrong, 'Bearer x', 'Basic !!!']) {
      for (const [method, path, body] of writes) {
        const a = await http(method, path, body, CT, auth);
        assert.equal(a.status, 401, `${method} ${path} with ${auth}: ${JSON.stringify(a.body)}`);
        assert.equal(a.body.error_code, 401);
        assert.equal(typeof a.body.message, 'string');
        assert.match(a.headers.get('www-authenticate') ?? '', /^Basic /);
        assert.doesNotMatch(JSON.stringify(a.body), /not-the-password/);
      }
    }
    assertError(await http('GET', `/subjects/${s}/versions`), 404, 40401, /not found/);
  });

  it('given the credential, writes succeed; without one, every read (and lookup, compatibility) is open', async () => {
    const s = subject('auth-ok');
    const reg = await register(s, v1);
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const anon = (method: string, path: string, body?: unknown) =>
      http(method, path, body, CT, null);
    assert.equal((await anon('GET', '/subjects')).status, 200);
    assert.deepEqual((await anon('GET', `/subjects/${s}/versions`)).body, [1]);
    assert.equal((await anon('GET', `/schemas/ids/${reg.body.id}`)).status, 200);
    assert.equal((await anon('GET', `/config`)).status, 200);
    assert.equal((await anon('POST', `/subjects/${s}`, { schema: v1 })).body.id, reg.body.id);
    assert.deepEqual(
      (await anon('POST', `/compatibility/subjects/${s}/versions/latest`, { schema: v2 })).body,
      { is_compatible: true },
    );
    assert.equal((await http('PUT', `/config/${s}`, { compatibility: 'FULL' })).status, 200);
    assert.deepEqual((await http('DELETE', `/subjects/${s}`)).body, [1]);
  });
});
