/**
 * Results: one row per figure with its per-run values, the anchor measured beside it in the same
 * run, the per-run ratios, and the issue's target. Written as JSON (machine-readable) and as a
 * markdown table (printed and saved).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine.js';
import { MIN_REPORT_RUNS } from './args.js';
import { fmt, ratios, spread } from './stats.js';

export interface Target {
  /** What the bound applies to: the median of the ratios, or the median of the values. */
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  bound: number;
}

export interface Row {
  /** The issue's figure number, with a letter for a second line of the same figure. */
  figure: string;
  what: string;
  unit: string;
  /** One value per run. */
  values: number[];
  /** The anchor, measured in the same run (paired by index). */
  anchor?: { what: string; unit: string; values: number[] };
  target?: Target;
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  started: string;
  duration_s: number;
  runs: number;
  size: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  load: { min: number; mean: number; max: number };
  parameters: Record<string, unknown>;
  rows: Row[];
  notes: string[];
  /** Set when the benchmark could not run; says why (no number is made up). */
  failed?: string;
  /** Raw per-run measurements. */
  details: unknown[];
}

export function targetText(t: Target | undefined): string {
  if (!t) return 'report it';
  return `${t.on === 'ratio' ? 'ratio' : 'value'} ${t.op === '>=' ? '≥' : '≤'} ${t.bound}`;
}

/** 'yes' / 'no' on the median, or '—' when there is no target or no number. */
export function targetMet(row: Row): 'yes' | 'no' | '—' {
  if (!row.target) return '—';
  const base =
    row.target.on === 'ratio'
      ? spread(row.anchor ? ratios(row.values, row.anchor.values) : [])
      : spread(row.values);
  if (!base) return '—';
  const ok =
    row.target.op === '>=' ? base.median >= row.target.bound : base.median <= row.target.bound;
  return ok ? 'yes' : 'no';
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The figures table, as markdown. */
export function rowsTable(rows: readonly Row[]): string {
  const out = [
    '| # | figure | unit | runs | min | median | max | anchor (median) | ratio min / median / max | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const s = spread(r.values);
    const a = r.anchor ? spread(r.anchor.values) : undefined;
    const q = r.anchor ? spread(ratios(r.values, r.anchor.values)) : undefined;
    const anchor = r.anchor ? `${r.anchor.what}: ${fmt(a?.median)} ${r.anchor.unit}` : '—';
    const ratio = q ? `${fmt(q.min)} / **${fmt(q.median)}** / ${fmt(q.max)}` : '—';
    out.push(
      `| ${r.figure} | ${cell(r.what)}${r.note ? ` (${cell(r.note)})` : ''} | ${r.unit} | ${s?.n ?? 0} | ${fmt(s?.min)} | ${fmt(s?.median)} | ${fmt(s?.max)} | ${cell(anchor)} | ${ratio} | ${targetText(r.target)} | ${targetMet(r)} |`,
    );
  }
  return out.join('\n');
}

export function renderMarkdown(results: readonly BenchResult[], heading: string): string {
  const first = results[0];
  if (!first) return `# ${heading}\n\n(no benchmark ran)\n`;
  const lines: string[] = [`# ${heading}`, ''];
  const m = first.machine;
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os} (kernel ${m.kernel}).`,
    `Load average (1 min) while measuring: ${results
      .map((r) => `${r.name} ${r.load.min}–${r.load.max} (mean ${r.load.mean})`)
      .join('; ')}.`,
    `Versions: ${Object.entries(first.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `Runs per figure: ${first.runs}${first.runs < MIN_REPORT_RUNS ? ` (fewer than ${MIN_REPORT_RUNS}: not a report, a smoke run)` : ''}; size: ${first.size}.`,
    '',
    rowsTable(results.flatMap((r) => r.rows)),
    '',
  );
  for (const r of results) {
    lines.push(`## ${r.name}: ${r.title} (${Math.round(r.duration_s)} s)`, '');
    if (r.failed) lines.push(`**Could not run:** ${r.failed}`, '');
    const params = Object.entries(r.parameters)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
    if (params) lines.push(`Parameters: ${params}.`, '');
    for (const n of r.notes) lines.push(`- ${n}`);
    if (r.notes.length) lines.push('');
  }
  return lines.join('\n');
}

/** A file-name stamp: 2026-11-24-113005 (UTC). */
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:]/g, '').replace('T', '-').slice(0, 17);
}

export function writeResults(
  dir: string,
  name: string,
  when: Date,
  results: readonly BenchResult[],
  heading: string,
): { json: string; md: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${stamp(when)}-${name}`);
  const markdown = renderMarkdown(results, heading);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, `${markdown}\n`);
  return { json: `${base}.json`, md: `${base}.md`, markdown };
}
