/**
 * Implicit ALS (PyPI `implicit`, CPU AlternatingLeastSquares) for the recommendations
 * evaluation, run in the project's Python venv (`infra/scripts/python-env.sh`, .cache/pyenv).
 * The training matrix goes to `bench/python/als_eval.py` as a temporary CSV of
 * `user,item,count` (training qualified plays), and each listener's top k (training tracks
 * filtered out) comes back as JSON; the metrics are computed in TypeScript like every model's.
 * When the venv cannot be made or the script fails, the answer is `{ unavailable }` with the
 * error (pip's, Python's), and the benchmark reports ALS as not available instead of a number.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Fixed seed and parameters: the best HitRate@10 of a small grid (factors 8–128, regularization
 * 0.05–1, alpha 1–40) on a validation world (seed 13 at the small size), not on the reported one.
 */
export const ALS_PARAMS = {
  factors: 8,
  regularization: 0.05,
  alpha: 10,
  iterations: 15,
  seed: 42,
} as const;

export interface AlsInput {
  /** Training plays per listener and track. */
  readonly train: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** The catalogue (item index order). */
  readonly items: readonly string[];
  readonly k: number;
}

export type AlsOutput =
  | {
      readonly lists: Map<string, string[]>;
      readonly versions: Record<string, string>;
      readonly trainSeconds: number;
    }
  | { readonly unavailable: string };

const lastLines = (s: string, n = 6) => s.trim().split('\n').slice(-n).join(' / ');

function failure(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return lastLines(e.stderr?.trim() ? e.stderr : (e.message ?? String(err)));
}

/** Makes (or reuses) the venv, trains ALS and answers every listener's top k. */
export async function alsTopK(
  input: AlsInput,
  o: { root: string; cacheDir: string; log: (text: string) => void },
): Promise<AlsOutput> {
  try {
    await run('bash', [path.join(o.root, 'infra/scripts/python-env.sh')], {
      cwd: o.root,
      env: { ...process.env, BACKBEAT_CACHE_DIR: o.cacheDir },
      timeout: 15 * 60_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    return { unavailable: `the Python venv with implicit could not be made: ${failure(err)}` };
  }
  const python = path.join(o.cacheDir, 'pyenv', 'bin', 'python');
  const users = [...input.train.keys()];
  const itemIndex = new Map(input.items.map((t, i) => [t, i]));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bb-recs-als-'));
  try {
    const rows: string[] = [];
    users.forEach((u, ui) => {
      for (const [t, n] of input.train.get(u)!) rows.push(`${ui},${itemIndex.get(t)!},${n}`);
    });
    const csv = path.join(dir, 'train.csv');
    const out = path.join(dir, 'top.json');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const p = ALS_PARAMS;
    const args = [
      path.join(o.root, 'bench/python/als_eval.py'),
      csv,
      out,
      ...['--users', `${users.length}`, '--items', `${input.items.length}`, '--k', `${input.k}`],
      ...['--factors', `${p.factors}`, '--regularization', `${p.regularization}`],
      ...['--alpha', `${p.alpha}`, '--iterations', `${p.iterations}`, '--seed', `${p.seed}`],
    ];
    const one = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const t0 = performance.now();
    try {
      await run(python, args, {
        env: { ...process.env, ...one },
        timeout: 30 * 60_000,
        maxBuffer: 16 << 20,
      });
    } catch (err) {
      return { unavailable: `bench/python/als_eval.py failed: ${failure(err)}` };
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const res = JSON.parse(readFileSync(out, 'utf8')) as {
      versions: Record<string, string>;
      lists: number[][];
    };
    const lists = new Map(
      users.map((u, ui) => [u, (res.lists[ui] ?? []).map((i) => input.items[i]!)]),
    );
    o.log(
      `ALS: ${users.length} listeners × ${input.items.length} tracks in ${trainSeconds.toFixed(1)} s`,
    );
    return { lists, versions: res.versions, trainSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
