import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every module a browser bundle of `entry` would contain (type-only imports are erased). */
function runtimeGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const src = readFileSync(file, 'utf8');
    seen.set(file, src);
    const code = stripComments(src);
    const specs = [
      ...code.matchAll(/^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ].map((m) => m[2]!);
    specs.push(...[...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
    for (const spec of specs) {
      if (!spec.startsWith('.')) {
        seen.set(`${file} -> ${spec}`, '');
        continue;
      }
      visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(path.join(here, entry));
  return seen;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('browser safety', () => {
  for (const entry of ['index.ts', 'backbeat-client.ts', 'http.transport.ts']) {
    it(`${entry} and everything it imports at run time use no Node module and no Node global`, () => {
      const graph = runtimeGraph(entry);
      const packages = [...graph.keys()].filter((k) => k.includes(' -> '));
      assert.deepEqual(packages, [], 'only relative imports (no node:*, no npm package)');
      for (const [file, src] of graph) {
        const code = stripComments(src);
        for (const global of ['Buffer', 'process', 'require', '__dirname', 'setImmediate'])
          assert.doesNotMatch(
            code,
            new RegExp(`\\b${global}\\b`),
            `${path.relative(here, file)} uses ${global}`,
          );
      }
      assert.ok(graph.size >= 2);
    });
  }

  it('the walker sees a Node import where there is one', () => {
    const graph = runtimeGraph('kafka.transport.ts');
    assert.ok([...graph.keys()].some((k) => k.endsWith('-> kafkajs')));
  });
});
