import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CompatibilityLevel,
  checkCompatibility,
  parseAvroSchema,
  parseCompatibilityLevel,
  readerWriterIncompatibilities,
} from './avro-compatibility.js';
import { InvalidSchemaError } from './registry.errors.js';

const record = (fields: object[], extra: object = {}) =>
  JSON.stringify({ type: 'record', name: 'myrecord', fields, ...extra });
const f1 = { name: 'f1', type: 'string' };

// The schemas of Confluent's AvroCompatibilityTest, by the same numbers.
const schema1 = record([f1]);
const schema2 = record([f1, { name: 'f2', type: 'string', default: 'foo' }]);
const schema3 = record([f1, { name: 'f2', type: 'string' }]);
const schema4 = record([{ name: 'f1_new', type: 'string', aliases: ['f1'] }]);
const schema6 = record([{ name: 'f1', type: ['null', 'string'] }]);
const schema7 = record([{ name: 'f1', type: ['null', 'string', 'int'] }]);
const schema8 = record([
  f1,
  { name: 'f2', type: 'string', default: 'foo' },
  { name: 'f3', type: 'string', default: 'bar' },
]);

const type = (schema: string) => parseAvroSchema(schema).type;
function verdict(level: CompatibilityLevel, candidate: string, previous: string[]) {
  return checkCompatibility(
    level,
    type(candidate),
    previous.map((p, i) => ({ type: type(p), version: i + 1, schema: p })),
  );
}

interface Case {
  when: string;
  level: CompatibilityLevel;
  candidate: string;
  previous: string[];
  compatible: boolean;
  reason?: RegExp;
}

const table: Case[] = [
  // BACKWARD: the new schema reads data written with the latest one.
  {
    when: 'a field with a default is added',
    level: 'BACKWARD',
    candidate: schema2,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a field without a default is added',
    level: 'BACKWARD',
    candidate: schema3,
    previous: [schema1],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE.*'\/fields\/1'.*additionalInfo:'f2'/,
  },
  {
    when: 'a field is renamed through an alias',
    level: 'BACKWARD',
    candidate: schema4,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a field type is widened into a union',
    level: 'BACKWARD',
    candidate: schema6,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a union is narrowed back to one type',
    level: 'BACKWARD',
    candidate: schema1,
    previous: [schema6],
    compatible: false,
    reason: /TYPE_MISMATCH.*reader type: STRING not compatible with writer type: NULL/,
  },
  {
    when: 'a type is added to a union',
    level: 'BACKWARD',
    candidate: schema7,
    previous: [schema6],
    compatible: true,
  },
  {
    when: 'a type is removed from a union',
    level: 'BACKWARD',
    candidate: schema6,
    previous: [schema7],
    compatible: false,
    reason: /MISSING_UNION_BRANCH.*'\/fields\/0\/type\/2'.*lacking writer type: INT/,
  },
  {
    when: 'a default is removed (only the latest version is checked)',
    level: 'BACKWARD',
    candidate: schema3,
    previous: [schema1, schema2],
    compatible: true,
  },
  // BACKWARD_TRANSITIVE: the new schema reads data written with every version.
  {
    when: 'fields with defaults are added one by one',
    level: 'BACKWARD_TRANSITIVE',
    candidate: schema8,
    previous: [schema1, schema2],
    compatible: true,
  },
  {
    when: 'a default is removed (v1 without field, v2 adds it with default, v3 drops the default)',
    level: 'BACKWARD_TRANSITIVE',
    candidate: schema3,
    previous: [schema1, schema2],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE[\s\S]*oldSchemaVersion: 1/,
  },
  // FORWARD: data written with the new schema is read by the latest one.
  {
    when: 'a field with a default is added',
    level: 'FORWARD',
    candidate: schema2,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a field without a default is added',
    level: 'FORWARD',
    candidate: schema3,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a default is added to a field',
    level: 'FORWARD',
    candidate: schema2,
    previous: [schema3],
    compatible: true,
  },
  {
    when: 'a field without a default is removed',
    level: 'FORWARD',
    candidate: schema1,
    previous: [schema3],
    compatible: false,
    reason:
      /READER_FIELD_MISSING_DEFAULT_VALUE.*in the old schema has no default value and is missing in the new schema/,
  },
  {
    when: 'a field is renamed through an alias',
    level: 'FORWARD',
    candidate: schema4,
    previous: [schema1],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE.*additionalInfo:'f1'/,
  },
  {
    when: 'a field type is widened into a union',
    level: 'FORWARD',
    candidate: schema6,
    previous: [schema1],
    compatible: false,
    reason: /TYPE_MISMATCH/,
  },
  {
    when: 'a union is narrowed',
    level: 'FORWARD',
    candidate: schema6,
    previous: [schema7],
    compatible: true,
  },
  {
    when: 'a field is removed (only the latest version is checked)',
    level: 'FORWARD',
    candidate: schema1,
    previous: [schema3, schema2],
    compatible: true,
  },
  // FORWARD_TRANSITIVE: every version reads data written with the new one.
  {
    when: 'a field is removed that an older version requires',
    level: 'FORWARD_TRANSITIVE',
    candidate: schema1,
    previous: [schema3, schema2],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE[\s\S]*oldSchemaVersion: 1/,
  },
  {
    when: 'a field with a default is added to every version',
    level: 'FORWARD_TRANSITIVE',
    candidate: schema8,
    previous: [schema1, schema2],
    compatible: true,
  },
  // FULL: both directions with the latest version.
  {
    when: 'a field with a default is added',
    level: 'FULL',
    candidate: schema2,
    previous: [schema1],
    compatible: true,
  },
  {
    when: 'a field without a default is added',
    level: 'FULL',
    candidate: schema3,
    previous: [schema1],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE/,
  },
  {
    when: 'a type is added to a union',
    level: 'FULL',
    candidate: schema7,
    previous: [schema6],
    compatible: false,
    reason: /MISSING_UNION_BRANCH/,
  },
  {
    when: 'a default is removed (only the latest version is checked)',
    level: 'FULL',
    candidate: schema3,
    previous: [schema1, schema2],
    compatible: true,
  },
  // FULL_TRANSITIVE: both directions with every version.
  {
    when: 'a default is removed',
    level: 'FULL_TRANSITIVE',
    candidate: schema3,
    previous: [schema1, schema2],
    compatible: false,
    reason: /READER_FIELD_MISSING_DEFAULT_VALUE/,
  },
  {
    when: 'fields with defaults are added one by one',
    level: 'FULL_TRANSITIVE',
    candidate: schema8,
    previous: [schema1, schema2],
    compatible: true,
  },
  // NONE checks nothing.
  {
    when: 'an unrelated schema replaces the old one',
    level: 'NONE',
    candidate: JSON.stringify('int'),
    previous: [schema1],
    compatible: true,
  },
];

describe('compatibility levels (table in the spirit of AvroCompatibilityTest)', () => {
  for (const c of table) {
    it(`given ${c.level}, when ${c.when}, then the schema is ${c.compatible ? 'compatible' : 'rejected'}`, () => {
      const v = verdict(c.level, c.candidate, c.previous);
      assert.equal(v.compatible, c.compatible, v.messages.join('\n'));
      if (c.reason) assert.match(v.messages.join('\n'), c.reason);
      if (!c.compatible)
        assert.match(v.messages.at(-1)!, new RegExp(`compatibility: '${c.level}'`));
    });
  }
});

const enumSchema = (symbols: string[], extra: object = {}) =>
  JSON.stringify({ type: 'enum', name: 'Reason', symbols, ...extra });

describe('enums, promotions, names and fixed types', () => {
  it('given an enum, when a symbol is added, then BACKWARD passes and FORWARD names the missing symbol', () => {
    const old = enumSchema(['END', 'SKIP']);
    const added = enumSchema(['END', 'SKIP', 'ERROR']);
    assert.equal(verdict('BACKWARD', added, [old]).compatible, true);
    const fwd = verdict('FORWARD', added, [old]);
    assert.equal(fwd.compatible, false);
    assert.match(fwd.messages[0]!, /MISSING_ENUM_SYMBOLS.*'\/symbols'.*additionalInfo:'\[ERROR\]'/);
  });

  it('given an enum, when a symbol is removed, then BACKWARD fails unless the reader enum has a default', () => {
    const old = enumSchema(['END', 'SKIP', 'ERROR']);
    const removed = enumSchema(['END', 'SKIP']);
    const v = verdict('BACKWARD', removed, [old]);
    assert.equal(v.compatible, false);
    assert.equal(v.incompatibilities[0]?.type, 'MISSING_ENUM_SYMBOLS');
    const withDefault = enumSchema(['END', 'SKIP'], { default: 'END' });
    assert.equal(verdict('BACKWARD', withDefault, [old]).compatible, true);
  });

  it('given an int field, when it becomes a long, then BACKWARD passes and FORWARD and FULL fail with TYPE_MISMATCH', () => {
    const asInt = record([{ name: 'ms', type: 'int' }]);
    const asLong = record([{ name: 'ms', type: 'long' }]);
    assert.equal(verdict('BACKWARD', asLong, [asInt]).compatible, true);
    for (const level of ['FORWARD', 'FULL'] as const) {
      const v = verdict(level, asLong, [asInt]);
      assert.equal(v.compatible, false);
      assert.deepEqual(v.incompatibilities[0], {
        type: 'TYPE_MISMATCH',
        path: '/fields/0/type',
        info: 'reader type: INT not compatible with writer type: LONG',
        readerRole: 'old',
        version: 1,
      });
    }
  });

  it('given every primitive promotion of the specification, when checked, then each resolves and none resolves backwards', () => {
    const promotions: [string, string][] = [
      ['int', 'long'],
      ['int', 'float'],
      ['int', 'double'],
      ['long', 'float'],
      ['long', 'double'],
      ['float', 'double'],
      ['string', 'bytes'],
      ['bytes', 'string'],
    ];
    for (const [writer, reader] of promotions) {
      assert.deepEqual(
        readerWriterIncompatibilities(type(`"${reader}"`), type(`"${writer}"`)),
        [],
        `${writer}->${reader}`,
      );
    }
    for (const [writer, reader] of promotions.slice(0, 6)) {
      assert.equal(
        readerWriterIncompatibilities(type(`"${writer}"`), type(`"${reader}"`))[0]?.type,
        'TYPE_MISMATCH',
      );
    }
  });

  it('given records, when the name changes, then NAME_MISMATCH unless the reader lists the old full name as an alias', () => {
    const writer = type(
      JSON.stringify({ type: 'record', name: 'Old', namespace: 'bb', fields: [f1] }),
    );
    const renamed = type(
      JSON.stringify({ type: 'record', name: 'New', namespace: 'bb', fields: [f1] }),
    );
    assert.deepEqual(readerWriterIncompatibilities(renamed, writer), [
      { type: 'NAME_MISMATCH', path: '/name', info: 'expected: bb.Old' },
    ]);
    const aliased = type(
      JSON.stringify({
        type: 'record',
        name: 'New',
        namespace: 'bb',
        aliases: ['Old'],
        fields: [f1],
      }),
    );
    assert.deepEqual(readerWriterIncompatibilities(aliased, writer), []);
  });

  it('given fixed types, when the size differs, then FIXED_SIZE_MISMATCH names both sizes', () => {
    const md5 = type('{"type":"fixed","name":"Hash","size":16}');
    const sha = type('{"type":"fixed","name":"Hash","size":32}');
    assert.deepEqual(readerWriterIncompatibilities(sha, md5), [
      { type: 'FIXED_SIZE_MISMATCH', path: '/size', info: 'expected: 16, found: 32' },
    ]);
  });

  it('given nested arrays and maps, when an inner field changes, then the path leads to it', () => {
    const inner = (t: string) =>
      record([
        f1,
        {
          name: 'tags',
          type: {
            type: 'map',
            values: {
              type: 'array',
              items: { type: 'record', name: 'Tag', fields: [{ name: 'v', type: t }] },
            },
          },
        },
      ]);
    const issues = readerWriterIncompatibilities(type(inner('int')), type(inner('string')));
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/fields/1/type/values/items/fields/0/type'],
    );
  });

  it('given a writer union, when one branch has no match in the reader, then only that branch is reported', () => {
    const writer = type('["null","string","long"]');
    const reader = type('["null","string"]');
    const issues = readerWriterIncompatibilities(reader, writer);
    assert.deepEqual(issues, [
      { type: 'MISSING_UNION_BRANCH', path: '/2', info: 'reader union lacking writer type: LONG' },
    ]);
  });

  it('given a recursive linked list, when a field with a default is added, then the check terminates and passes', () => {
    const list = (extra: object[]) =>
      JSON.stringify({
        type: 'record',
        name: 'Node',
        fields: [
          { name: 'value', type: 'long' },
          { name: 'next', type: ['null', 'Node'], default: null },
          ...extra,
        ],
      });
    assert.equal(
      verdict('FULL_TRANSITIVE', list([{ name: 'w', type: 'int', default: 0 }]), [list([])])
        .compatible,
      true,
    );
    const broken = list([{ name: 'w', type: 'int' }]);
    assert.equal(verdict('BACKWARD', broken, [list([])]).incompatibilities[0]?.path, '/fields/2');
  });
});

describe('parsing and identity', () => {
  it('given text that is not JSON or names an unknown type, when parsed, then InvalidSchemaError 42201 says why', () => {
    assert.throws(
      () => parseAvroSchema('{"type": "record",'),
      (e: unknown) =>
        e instanceof InvalidSchemaError &&
        e.errorCode === 42201 &&
        /not valid JSON/.test(e.message),
    );
    assert.throws(
      () => parseAvroSchema(record([{ name: 'x', type: 'Nope' }])),
      /Invalid schema: .*Nope/,
    );
    assert.throws(
      () => parseAvroSchema(record([{ name: 'x', type: 'int', default: 'one' }])),
      /Invalid schema: .*default/,
    );
  });

  it('given the same schema written differently (spacing, key order, doc, namespace spelling), when parsed, then the identity is the same', () => {
    const a = parseAvroSchema(
      '{"type":"record","name":"bb.Play","fields":[{"name":"ms","type":"long","default":0}]}',
    );
    const b = parseAvroSchema(
      '{ "namespace": "bb", "doc": "a play", "name": "Play", "fields": [ { "default": 0, "type": {"type":"long"}, "name": "ms" } ], "type": "record" }',
    );
    assert.equal(a.identity, b.identity);
    assert.equal(
      a.canonical,
      '{"name":"bb.Play","type":"record","fields":[{"name":"ms","type":"long"}]}',
    );
  });

  it('given schemas differing only in a default, an alias or a logical type, when parsed, then identities differ but the canonical form does not', () => {
    const base = parseAvroSchema(record([{ name: 'ms', type: 'long' }]));
    for (const variant of [
      record([{ name: 'ms', type: 'long', default: 0 }]),
      record([{ name: 'ms', type: 'long', aliases: ['millis'] }]),
      record([{ name: 'ms', type: { type: 'long', logicalType: 'timestamp-millis' } }]),
    ]) {
      const v = parseAvroSchema(variant);
      assert.notEqual(v.identity, base.identity, variant);
      assert.equal(v.canonical, base.canonical);
    }
  });

  it("given a schema with nested named types, when put in canonical form, then it equals avsc's canonical schema", () => {
    const text = JSON.stringify({
      type: 'record',
      name: 'Upload',
      namespace: 'bb.catalog',
      doc: 'x',
      fields: [
        { name: 'id', type: { type: 'fixed', name: 'Id', size: 16 } },
        {
          name: 'holders',
          type: {
            type: 'array',
            items: {
              type: 'record',
              name: 'Holder',
              namespace: 'bb.rights',
              fields: [
                { name: 'share', type: 'double' },
                { name: 'id', type: 'bb.catalog.Id' },
              ],
            },
          },
        },
        {
          name: 'markets',
          type: { type: 'map', values: { type: 'enum', name: 'Avail', symbols: ['YES', 'NO'] } },
        },
        { name: 'prev', type: ['null', 'Upload'], default: null },
      ],
    });
    const parsed = parseAvroSchema(text);
    assert.equal(parsed.canonical, JSON.stringify(parsed.type.schema()));
  });

  it('given levels in any letter case, when parsed, then valid ones are normalised and others refused', () => {
    assert.equal(parseCompatibilityLevel('backward_transitive'), 'BACKWARD_TRANSITIVE');
    assert.equal(parseCompatibilityLevel(' Full '), 'FULL');
    assert.equal(parseCompatibilityLevel('SIDEWAYS'), undefined);
    assert.equal(parseCompatibilityLevel(3), undefined);
  });
});
