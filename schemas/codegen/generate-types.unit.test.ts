import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { avroToTs, renderModule } from './avro-to-ts.js';
import { GENERATED_FILE, generatedTypes } from './schema-files.js';

describe('TypeScript types generated from the .avsc files', () => {
  it('the committed file equals a fresh generation (npm run schemas:generate)', () => {
    assert.equal(readFileSync(GENERATED_FILE, 'utf8'), generatedTypes());
  });

  it('maps records, enums, unions, arrays, maps and defaults', () => {
    const mod = avroToTs([
      {
        name: 'thing',
        schema: {
          type: 'record',
          name: 'Thing',
          namespace: 'x.y',
          doc: 'A thing.',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'n', type: 'long' },
            { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
            { name: 'maybe', type: ['null', 'int'], default: null },
            { name: 'tags', type: { type: 'array', items: ['null', 'string'] } },
            { name: 'attrs', type: { type: 'map', values: 'double' } },
            {
              name: 'child',
              type: { type: 'record', name: 'Child', fields: [{ name: 'k', type: 'Kind' }] },
            },
          ],
        },
      },
    ]);
    const out = renderModule(mod, '// header');
    assert.match(out, /export type Kind = 'A' \| 'B';/);
    assert.match(out, /export interface Child \{\n {2}k: Kind;\n\}/);
    assert.match(out, /\/\*\* A thing\. \*\/\nexport interface Thing \{/);
    assert.match(out, / {2}n: number;/);
    assert.match(out, / {2}maybe\?: null \| number;/);
    assert.match(out, / {2}tags: \(null \| string\)\[\];/);
    assert.match(out, / {2}attrs: Record<string, number>;/);
    assert.match(out, /'thing': Thing;/);
  });

  it('refuses one name declared with two shapes', () => {
    const a = { type: 'enum', name: 'E', symbols: ['A'] };
    const b = { type: 'enum', name: 'E', symbols: ['B'] };
    assert.throws(
      () =>
        avroToTs([
          { name: 'a', schema: { type: 'record', name: 'R1', fields: [{ name: 'e', type: a }] } },
          { name: 'b', schema: { type: 'record', name: 'R2', fields: [{ name: 'e', type: b }] } },
        ]),
      /named type E is declared twice with different shapes/,
    );
  });
});

describe('README event catalogue', () => {
  it('is the generated one (tsx schemas/codegen/catalogue-doc.ts)', async () => {
    const { catalogueDoc } = await import('./catalogue-doc.js');
    const { repoRoot } = await import('../../common/config/app.config.js');
    const readme = readFileSync(`${repoRoot()}/README.md`, 'utf8');
    assert.ok(
      readme.includes(catalogueDoc()),
      'README event catalogue is stale: paste the output of tsx schemas/codegen/catalogue-doc.ts',
    );
  });
});
