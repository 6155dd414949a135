/** Min, median and max of a figure's runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread | undefined {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = v.length >> 1;
  const median =
    v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  return { min: v[0] as number, median, max: v[v.length - 1] as number, n: v.length };
}

/** Per-run ratios figure/anchor (runs paired by index: measured side by side). */
export function ratios(figure: readonly number[], anchor: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(figure.length, anchor.length); i++) {
    const a = anchor[i] as number;
    const f = figure[i] as number;
    if (Number.isFinite(a) && Number.isFinite(f) && a > 0) out.push(f / a);
  }
  return out;
}

/** A latency percentile (0..100) of unsorted samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] as number;
}

/** Human number: 3 significant digits, thousands separated. */
export function fmt(n: number | undefined, unit = ''): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  let s: string;
  if (abs >= 1000) s = Math.round(n).toLocaleString('en-US');
  else if (abs >= 100) s = n.toFixed(0);
  else if (abs >= 10) s = n.toFixed(1);
  else if (abs >= 1) s = n.toFixed(2);
  else s = n.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}
