/** The test runner's arguments: tiers to run, in tier order, and an optional path filter. */
export const TIERS = ['unit', 'int', 'fuzz', 'e2e'] as const;
export type Tier = (typeof TIERS)[number];

export type TestArgs = { ok: true; tiers: Tier[]; filter?: string } | { ok: false; error: string };

/** `[unit] [int] [fuzz] [e2e] [--filter substring]`; no tier named means every tier. */
export function parseTestArgs(args: readonly string[]): TestArgs {
  const filterAt = args.indexOf('--filter');
  const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
  if (filterAt >= 0 && (!filter || filter.startsWith('--')))
    return { ok: false, error: '--filter needs a value' };
  const positional = args.filter((_, i) => filterAt < 0 || (i !== filterAt && i !== filterAt + 1));
  const bad = positional.filter((a) => !(TIERS as readonly string[]).includes(a));
  if (bad.length)
    return { ok: false, error: `unknown tier ${bad.join(', ')} (use ${TIERS.join(', ')})` };
  const named = new Set(positional);
  const tiers = named.size ? TIERS.filter((t) => named.has(t)) : [...TIERS];
  return { ok: true, tiers, ...(filter ? { filter } : {}) };
}
