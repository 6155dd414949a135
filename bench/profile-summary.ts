/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, or `npm run bench -- <name> --profile`, which
 * writes them under .cache/bench-profiles/<name>/): self time by function and by file or
 * package, so that a README can say by name what bounds a figure.
 *
 *   npx tsx bench/profile-summary.ts .cache/bench-profiles/gateway/*.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../common/config/app.config.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const root = repoRoot();

/** A readable place: repo-relative file, `pkg:<name>` for node_modules, `node:<x>`, or (native). */
export function where(url: string): string {
  if (!url) return '(native/V8)';
  const p = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 14).split('/');
    return `pkg:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (p.startsWith('node:')) return p;
  if (p.startsWith(root)) return path.relative(root, p);
  return p;
}

export function summarise(profile: CpuProfile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const f = where(n.callFrame.url);
    // Line numbers are of tsx's transpiled output, not the source: function and file only.
    const fn = `${n.callFrame.functionName || '(anonymous)'}  ${f}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({
        what: k,
        ms: Math.round(us / 1000),
        share: Math.round((us / total) * 1000) / 10,
      }));
  const idle = ['(idle)', '(program)', '(garbage collector)'].map((name) => {
    let us = 0;
    for (const [id, t] of self) if (byId.get(id)?.callFrame.functionName === name) us += t;
    return { what: name, share: Math.round((us / total) * 1000) / 10 };
  });
  return { seconds: total / 1e6, idle, functions: rank(byFn), files: rank(byFile) };
}

function main(argv: string[]): number {
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25;
  const files = argv.filter((a, i) => !a.startsWith('--') && i !== topAt + 1);
  if (!files.length || !Number.isInteger(top) || top < 1) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile>... [--top N]');
    return 2;
  }
  for (const f of files) {
    const s = summarise(JSON.parse(readFileSync(f, 'utf8')) as CpuProfile, top);
    console.log(
      `\n## ${path.basename(f)}: ${s.seconds.toFixed(1)} s sampled; ${s.idle.map((x) => `${x.what} ${x.share}%`).join(', ')}`,
    );
    console.log('\nself time by file or package:');
    for (const x of s.files)
      console.log(`  ${String(x.share).padStart(5)}%  ${String(x.ms).padStart(7)} ms  ${x.what}`);
    console.log('\nself time by function:');
    for (const x of s.functions)
      console.log(`  ${String(x.share).padStart(5)}%  ${String(x.ms).padStart(7)} ms  ${x.what}`);
  }
  return 0;
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === path.resolve(root, 'bench/profile-summary.ts')
)
  process.exit(main(process.argv.slice(2)));
