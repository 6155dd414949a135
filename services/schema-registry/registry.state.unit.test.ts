import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RegistryState,
  type SchemaValue,
  type StoreRecord,
  decodeRecord,
  encodeRecord,
} from './registry.state.js';

const schemaA = '{"type":"record","name":"A","fields":[{"name":"f1","type":"string"}]}';
const schemaB = '{"type":"record","name":"B","fields":[{"name":"f1","type":"string"}]}';

const put = (
  subject: string,
  version: number,
  id: number,
  schema = schemaA,
  deleted = false,
): StoreRecord => ({
  kind: 'SCHEMA',
  subject,
  version,
  value: { subject, version, id, schema, deleted },
});
const tombstone = (subject: string, version: number): StoreRecord => ({
  kind: 'SCHEMA',
  subject,
  version,
  value: null,
});

/** Applies records through the topic encoding, as the store does. */
function replay(records: StoreRecord[]): RegistryState {
  const state = new RegistryState();
  for (const r of records) {
    const { key, value } = encodeRecord(r);
    const decoded = decodeRecord(key, value);
    assert.ok(decoded, key);
    state.apply(decoded);
  }
  return state;
}

describe('registry state rebuilt from the log', () => {
  it('given schema records, when replayed, then subjects, versions, ids and identities are rebuilt', () => {
    const state = replay([
      put('a-value', 1, 1),
      put('b-value', 1, 1),
      put('a-value', 2, 2, schemaB),
    ]);
    assert.deepEqual(state.subjectNames(), ['a-value', 'b-value']);
    assert.deepEqual(
      state.versions('a-value').map((v: SchemaValue) => [v.version, v.id]),
      [
        [1, 1],
        [2, 2],
      ],
    );
    assert.equal(state.schemaById(2)?.schema, schemaB);
    assert.equal(state.idForIdentity(state.identityOfId(1)!), 1);
    assert.equal(state.nextId(), 3);
  });

  it('given a DELETE_SUBJECT record, when replayed, then it marks only the versions present before it', () => {
    const state = replay([
      put('s', 1, 1),
      put('s', 2, 2, schemaB),
      { kind: 'DELETE_SUBJECT', subject: 's', value: { subject: 's', version: 2 } },
      put('s', 3, 1),
    ]);
    assert.deepEqual(
      state.versions('s').map((v) => v.version),
      [3],
    );
    assert.deepEqual(
      state.versions('s', { deleted: true }).map((v) => [v.version, v.deleted]),
      [
        [1, true],
        [2, true],
        [3, false],
      ],
    );
  });

  it('given tombstones for every use of the highest id and a watermark, when replayed after compaction, then the id is never handed out again', () => {
    // What compaction leaves of: v1 (id 1), v2 (id 2), v2 soft-deleted, watermark, v2 tombstone.
    const compacted = replay([
      put('s', 1, 1),
      { kind: 'ID_WATERMARK', value: { maxId: 2 } },
      tombstone('s', 2),
    ]);
    assert.equal(compacted.schemaById(2), undefined);
    assert.equal(compacted.nextId(), 3);
  });

  it('given a permanently deleted version, when replayed, then its id is gone unless another version still uses it', () => {
    const state = replay([put('x', 1, 7), put('y', 1, 7), tombstone('x', 1)]);
    const identity = state.identityOfId(7)!;
    assert.equal(state.schemaById(7)?.schema, schemaA);
    state.apply(tombstone('y', 1));
    assert.equal(state.schemaById(7), undefined);
    assert.equal(state.idForIdentity(identity), undefined);
    assert.deepEqual(state.subjectNames({ deleted: true }), []);
  });

  it('given config records, when replayed, then the global and subject levels follow the last record per key', () => {
    const state = replay([
      { kind: 'CONFIG', subject: null, value: { compatibilityLevel: 'FULL' } },
      { kind: 'CONFIG', subject: 's', value: { compatibilityLevel: 'NONE' } },
      { kind: 'CONFIG', subject: 't', value: { compatibilityLevel: 'FORWARD' } },
      { kind: 'CONFIG', subject: 't', value: null },
    ]);
    assert.equal(state.globalLevelOrDefault(), 'FULL');
    assert.equal(state.effectiveLevel('s'), 'NONE');
    assert.equal(state.subjectLevel('t'), undefined);
    assert.equal(state.effectiveLevel('t'), 'FULL');
  });

  it('given record kinds this registry does not write (NOOP), when decoded, then they are ignored', () => {
    assert.equal(decodeRecord('{"keytype":"NOOP","magic":0}', null), undefined);
    assert.equal(
      encodeRecord(put('s', 1, 1)).key,
      '{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}',
    );
  });
});
