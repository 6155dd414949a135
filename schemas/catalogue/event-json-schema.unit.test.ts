import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { gatewayOpenApi } from '../../producers/gateway/gateway.openapi.js';
import { validEvents } from './event-examples.js';
import { loadEventCatalogue, type EventTypeSpec } from './event-catalogue.js';
import { eventJsonSchemas } from './event-json-schema.js';
import { validateEvent } from './event-validation.js';

const catalogue = loadEventCatalogue();
const now = Date.UTC(2026, 10, 24, 12);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const schemas = eventJsonSchemas(catalogue);
const compiled = Object.fromEntries(
  (Object.values(catalogue) as EventTypeSpec[]).map((s) => [
    s.name,
    ajv.compile(schemas[String(s.schema.name)]!),
  ]),
);

describe('per-type event JSON schemas (generated from Avro and the validation caps)', () => {
  it('every valid fixture event validates against its schema, with or without received_time', () => {
    for (const [name, event] of Object.entries(validEvents(now))) {
      const v = compiled[name]!;
      assert.ok(v(event), `${name}: ${JSON.stringify(v.errors)}`);
      const { received_time: _, ...sent } = event as unknown as Record<string, unknown>;
      assert.ok(v(sent), `${name} without received_time: ${JSON.stringify(v.errors)}`);
    }
  });

  it('whatever the schema refuses, the gateway validator refuses too (the document is never looser)', () => {
    const events = validEvents(now) as unknown as Record<string, Record<string, unknown>>;
    const names = Object.keys(events);
    const value = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.constantFrom(null, true, -1, 0, 1e15, '', 'SE', 'se', 'x'.repeat(129), [], {}),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.string({ maxLength: 20 }),
        value,
        (name, extra, v) => {
          const base = events[name]!;
          const fields = Object.keys(base);
          const key = fields[Math.abs(extra.length * 7) % fields.length]!;
          for (const mutated of [
            { ...base, [key]: v },
            { ...base, [extra || 'z']: v },
          ]) {
            const spec = catalogue[name as keyof typeof catalogue] as EventTypeSpec;
            const bySchema = compiled[name]!(mutated);
            const byValidator = validateEvent(spec, { ...mutated, received_time: now }, now).ok;
            if (!bySchema) assert.equal(byValidator, false, `${name} ${JSON.stringify(mutated)}`);
          }
        },
      ),
      { numRuns: 1000, seed: 9 },
    );
  });

  it("the gateway's OpenAPI document carries one envelope per event type, and its refs resolve", () => {
    const doc = gatewayOpenApi() as { components: { schemas: Record<string, unknown> } };
    const envelope = doc.components.schemas.EventEnvelope as { oneOf: unknown[] };
    assert.equal(envelope.oneOf.length, Object.keys(catalogue).length);
    const docAjv = new Ajv2020({ strict: false });
    addFormats.default(docAjv);
    docAjv.addSchema({ $id: 'gw', components: doc.components });
    const batch = docAjv.compile({ $ref: 'gw#/components/schemas/Batch' });
    const events = validEvents(now);
    assert.ok(
      batch({ events: Object.entries(events).map(([type, event]) => ({ type, event })) }),
      JSON.stringify(batch.errors),
    );
    assert.equal(batch({ events: [{ type: 'skip', event: events.playback }] }), false);
    assert.equal(batch({ events: [{ type: 'nope', event: {} }] }), false);
  });
});
