import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../common/config/app.config.js';
import {
  LAYERS,
  TEST_SUPPORT,
  importEdges,
  importSpecifiers,
  layeringViolations,
} from './layering.js';

const root = repoRoot();

describe('layering', () => {
  it('given the repository, then no production import runs sideways, upwards or into test support', () => {
    const edges = importEdges(root);
    assert.ok(edges.length > 500, `the walker saw ${edges.length} imports`);
    const bad = layeringViolations(edges).map((v) => `${v.from} -> ${v.to}: ${v.reason}`);
    assert.deepEqual(bad, []);
  });

  it('every top-level code folder is in a layer', () => {
    const known = new Set([...LAYERS.flat(), TEST_SUPPORT]);
    const code = readdirSync(root).filter(
      (d) =>
        !d.startsWith('.') && d !== 'node_modules' && statSync(path.join(root, d)).isDirectory(),
    );
    assert.deepEqual(
      code.filter((d) => !known.has(d)),
      [],
      'a new top-level folder must be placed in LAYERS',
    );
  });

  it('given a sink importing a processor module (a back-arrow), then it is reported', () => {
    const v = layeringViolations([
      { from: 'sinks/redis/redis-projection.sink.ts', to: 'processors/runtime/processor.types.ts' },
    ]);
    assert.equal(v.length, 1);
    assert.match(v[0]!.reason, /sinks\/ \(rank 1\) imports up into processors\/ \(rank 3\)/);
  });

  it('given an import sideways within a rank, then it is reported', () => {
    const v = layeringViolations([{ from: 'sinks/redis/a.ts', to: 'schemas/codec/b.ts' }]);
    assert.match(v[0]!.reason, /sideways/);
  });

  it('given production code importing test support, then it is reported; tests may import anything', () => {
    const v = layeringViolations([
      { from: 'bench/lib/stack.ts', to: 'test/helpers/platform.helper.ts' },
      { from: 'api/app/x.ts', to: 'api/app/y.test.ts' },
      { from: 'common/a.unit.test.ts', to: 'infra/stack/stack.ts' },
      { from: 'test/helpers/h.ts', to: 'bench/lib/stack.ts' },
    ]);
    assert.deepEqual(
      v.map((x) => x.reason),
      ['production code imports test support', 'production code imports test support'],
    );
  });

  it('given imports and within-folder or downward edges, then nothing is reported', () => {
    assert.deepEqual(
      layeringViolations([
        { from: 'api/routes/sql/sql.guard.ts', to: 'common/clickhouse/clickhouse-sql.ts' },
        { from: 'processors/host/a.ts', to: 'processors/runtime/b.ts' },
        { from: 'infra/main/platform.ts', to: 'api/app/api.wiring.ts' },
      ]),
      [],
    );
  });

  it('reads static, dynamic, type-only and re-export specifiers, not comments', () => {
    const specs = importSpecifiers(
      [
        "import { a } from './a.js';",
        "import type { B } from '../b.js';",
        "export { c } from './c.js';",
        "const d = await import('./d.js');",
        "// import { e } from './e.js';",
        "import { f } from 'node:fs';",
      ].join('\n'),
    );
    assert.deepEqual(specs, ['./a.js', '../b.js', './c.js', './d.js']);
  });
});
