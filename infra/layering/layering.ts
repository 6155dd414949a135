/**
 * The layering of Backbeat's top-level folders, and the check that keeps it: production code
 * imports only from its own folder or from a lower rank, never sideways within a rank and never
 * upwards. Tests (`*.test.ts`) and the shared test support in `test/` may import any layer;
 * production code never imports test support.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Lowest first. Folders of one rank may not import each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ['common'],
  ['schemas', 'sinks'],
  ['services', 'read-models', 'context'],
  ['producers', 'processors'],
  ['api'],
  ['infra'],
  ['bench'],
];

export const TEST_SUPPORT = 'test';

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  from: string;
  /** Repository-relative path of the imported file. */
  to: string;
}

export interface Violation extends ImportEdge {
  reason: string;
}

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));

const topOf = (file: string) => file.split('/')[0]!;
const isTest = (file: string) => file.endsWith('.test.ts') || topOf(file) === TEST_SUPPORT;

/** The edges that break the layering, each with the rule it breaks. Pure. */
export function layeringViolations(edges: readonly ImportEdge[]): Violation[] {
  const out: Violation[] = [];
  for (const e of edges) {
    const from = topOf(e.from);
    const to = topOf(e.to);
    if (isTest(e.from)) continue;
    if (isTest(e.to)) {
      out.push({ ...e, reason: 'production code imports test support' });
      continue;
    }
    if (from === to) continue;
    const rf = rankOf.get(from);
    const rt = rankOf.get(to);
    if (rf === undefined) out.push({ ...e, reason: `${from}/ is in no layer` });
    else if (rt === undefined) out.push({ ...e, reason: `${to}/ is in no layer` });
    else if (rt > rf)
      out.push({ ...e, reason: `${from}/ (rank ${rf}) imports up into ${to}/ (rank ${rt})` });
    else if (rt === rf)
      out.push({ ...e, reason: `${from}/ imports sideways into ${to}/ (both rank ${rf})` });
  }
  return out;
}

const SKIP = new Set(['node_modules', 'dist', '.cache', '.data', '.git', 'generated', 'results']);

/** Relative specifiers of a module's static and dynamic imports and re-exports. */
export function importSpecifiers(src: string): string[] {
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specs = [
    ...code.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.'));
}

/** Every relative import edge between the TypeScript files under `root`'s layer folders. */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const from = path.relative(root, p);
        for (const spec of importSpecifiers(readFileSync(p, 'utf8'))) {
          const to = path.relative(
            root,
            path.resolve(path.dirname(p), spec.replace(/\.js$/, '.ts')),
          );
          edges.push({ from, to });
        }
      }
    }
  };
  for (const top of [...rankOf.keys(), TEST_SUPPORT]) walk(path.join(root, top));
  return edges;
}
