/**
 * Property-based fuzzing of the schema registry's write and check endpoints, against the real
 * registry process of the stack: bodies of register, lookup and compatibility requests (bad
 * JSON, wrong types, huge and deeply nested schemas, bad Avro) and subjects with odd characters.
 * Invariants: no 5xx, the process keeps answering, and a good registration sent between the bad
 * ones always succeeds and reads back. Bounded: a fixed number of runs, well under 2 minutes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { assertProperty } from '../../test/helpers/fuzz.helper.js';
import type { AppConfig } from '../../common/config/app.config.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { basicHeader } from '../../schemas/registry/registry-credentials.js';

const run = randomUUID().slice(0, 8);
const CT = 'application/vnd.schemaregistry.v1+json';
let config: AppConfig;
let auth: string;

before(async () => {
  config = await useStack();
  auth = basicHeader(config.registry.writeAuth);
});

async function call(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${config.registry.url}${path}`, {
    method,
    headers: { 'content-type': CT, authorization: auth, ...headers },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, text };
}

const nested = (depth: number): unknown =>
  depth === 0 ? 'string' : { type: 'array', items: nested(depth - 1) };
const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Schema texts: valid records, bad Avro of many kinds, and JSON that is no schema at all. */
const schemaText = fc.oneof(
  fc
    .record({
      name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/),
      fields: fc.array(
        fc.record({
          name: fc.string({ maxLength: 12 }),
          type: fc.constantFrom(
            'int',
            'long',
            'string',
            'nope',
            'null',
            'boolean',
            ['null', 'string'],
            { type: 'map' },
          ),
        }),
        { maxLength: 6 },
      ),
    })
    .map((r) => JSON.stringify({ type: 'record', namespace: `fz.r${run}`, ...r })),
  fc.integer({ min: 1, max: 400 }).map((d) => JSON.stringify(nested(d))),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"int"',
    '{"type":"enum","name":"E","symbols":["A","A"]}',
    '{"type":"fixed","name":"F","size":-1}',
    '{"type":"record","name":"R","fields":[{"name":"a","type":"R"}]}',
    '{"type":"record","name":"1bad","fields":[]}',
    '{"type":"array"}',
    'x'.repeat(100_000),
  ),
  fc.json({ maxDepth: 4 }),
);

/** Request bodies around a schema: the right shape, wrong types, bad JSON, huge and deep. */
const body = fc.oneof(
  schemaText.map((schema) => JSON.stringify({ schema })),
  schemaText.map((schema) => JSON.stringify({ schema, schemaType: 'AVRO', references: [] })),
  schemaText.map((schema) => JSON.stringify({ schema, schemaType: fc.sample(fc.string(), 1)[0] })),
  fc.jsonValue().map((v) => JSON.stringify({ schema: v })),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 10, max: 100_000 }).map(deepJson),
  fc.integer({ min: 1, max: 5 }).map((mb) =>
    JSON.stringify({
      schema: JSON.stringify({
        type: 'enum',
        name: 'Big',
        symbols: Array.from({ length: mb * 20_000 }, (_, i) => `S${i}`),
      }),
    }),
  ),
  fc.constant(undefined),
);

const subject = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom(
      '..',
      '.',
      '%2F',
      'a/b',
      'a%00b',
      ' ',
      '😀',
      'ä-value',
      'x'.repeat(300),
      '%',
      '\\',
    ),
  )
  .map((s) => `fz-${run}-${s}`);

describe('schema registry under fuzzed requests (real registry process)', () => {
  it('no 5xx, the process keeps answering, and good registrations between bad ones succeed', async () => {
    let good = 0;
    const fiveHundreds: string[] = [];
    await assertProperty(
      fc.asyncProperty(
        fc.constantFrom(
          (s: string) => `/subjects/${encodeURIComponent(s)}/versions`,
          (s: string) => `/subjects/${encodeURIComponent(s)}`,
          (s: string) => `/compatibility/subjects/${encodeURIComponent(s)}/versions/latest`,
          (s: string) => `/compatibility/subjects/${encodeURIComponent(s)}/versions`,
          (s: string) => `/subjects/${s}/versions`, // unencoded: odd characters as they are
        ),
        subject,
        body,
        fc.constantFrom(
          CT,
          'application/json',
          'text/plain',
          'application/vnd.schemaregistry.v1+json; charset=utf-16',
        ),
        async (path, s, b, contentType) => {
          let r: { status: number; text: string };
          try {
            r = await call('POST', path(s), b, { 'content-type': contentType });
          } catch (err) {
            // A path fetch itself refuses to send (e.g. an invalid URL) is no registry answer.
            if (err instanceof TypeError && /URL|Invalid/i.test(String(err.message))) return;
            throw err;
          }
          if (r.status >= 500)
            fiveHundreds.push(`${r.status} POST ${path(s).slice(0, 80)}: ${r.text.slice(0, 200)}`);
          assert.ok(r.status < 500, fiveHundreds.at(-1));
          if (r.status >= 400) {
            const e = JSON.parse(r.text) as { error_code: number; message: string };
            assert.equal(typeof e.error_code, 'number');
            assert.equal(typeof e.message, 'string');
          }
          // A good registration right after a bad request still works and reads back.
          const name = `Good${good++}`;
          const schema = JSON.stringify({
            type: 'record',
            name,
            namespace: `fz.g${run}`,
            fields: [{ name: 'a', type: 'int' }],
          });
          const sub = `fz-${run}-good-${good}`;
          const reg = await call('POST', `/subjects/${sub}/versions`, JSON.stringify({ schema }));
          assert.equal(reg.status, 200, reg.text);
          const { id } = JSON.parse(reg.text) as { id: number };
          const back = await call('GET', `/schemas/ids/${id}`, undefined);
          assert.equal(back.status, 200);
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
    assert.deepEqual(fiveHundreds, []);
    assert.equal((await call('GET', '/', undefined)).status, 200, 'the registry still answers');
  });
});
