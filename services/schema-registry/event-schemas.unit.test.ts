/**
 * The committed event schemas through the registry's own register path, in memory: every
 * catalogue subject (new ones included, such as backbeat.playlist-edit-value) registers at the
 * default BACKWARD level, registering it again changes nothing, and a next version of the
 * playlist-edit schema is held to BACKWARD like the others.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadEventCatalogue, type EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { createRegistryOperations } from './registry.operations.js';
import { RegistryState, type SchemaStore } from './registry.state.js';

function memoryRegistry() {
  const store: SchemaStore = {
    state: new RegistryState(),
    async append(records) {
      for (const r of records) store.state.apply(r);
    },
  };
  return createRegistryOperations({}, { store });
}

const body = (schema: object) => ({ schema: JSON.stringify(schema), references: [] });
const catalogue = loadEventCatalogue();

describe('event schemas in the registry (BACKWARD)', () => {
  it('given every committed event schema, then each subject registers once, and again with the same id', async () => {
    const ops = memoryRegistry();
    const specs = Object.values(catalogue) as EventTypeSpec[];
    const ids = [];
    for (const s of specs) ids.push((await ops.register(s.subject, body(s.schema))).id);
    assert.equal(new Set(ids).size, specs.length, 'one id per event type');
    for (const [i, s] of specs.entries())
      assert.deepEqual(await ops.register(s.subject, body(s.schema)), { id: ids[i] });
    assert.ok(specs.some((s) => s.subject === 'backbeat.playlist-edit-value'));
  });

  it('given the playlist-edit schema, then a next version with an optional field passes and one with a required field is refused', async () => {
    const ops = memoryRegistry();
    const spec = catalogue['playlist-edit'];
    const subject = spec.subject;
    await ops.register(subject, body(spec.schema));
    const fields = spec.schema.fields as object[];
    const withField = (f: object) => ({ ...spec.schema, fields: [...fields, f] });
    await assert.rejects(
      ops.register(subject, body(withField({ name: 'note', type: 'string' }))),
      /incompatible.*note/s,
    );
    const next = await ops.register(
      subject,
      body(withField({ name: 'note', type: ['null', 'string'], default: null })),
    );
    assert.ok(next.id > 0);
  });
});
