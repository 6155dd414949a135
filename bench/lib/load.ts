/**
 * autocannon as a promise: the one HTTP load driver for both sides of every HTTP ratio.
 */
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  status: Record<string, number>;
}

export function runLoad(
  opts: AutocannonOptions,
  onTick?: (done: number) => void,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const inst = autocannon({ timeout: 10, ...opts }, (err: Error | null, r: AutocannonResult) => {
      if (err) return reject(err);
      const status: Record<string, number> = {};
      for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) status[code] = s.count;
      const ok = r['2xx'];
      resolve({
        requests: r.requests.total,
        ok,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        seconds: r.duration,
        req_per_s: ok / r.duration,
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        max_ms: r.latency.max,
        status,
      });
    });
    inst.on('response', () => {
      if (++done % 500 === 0) onTick?.(done);
    });
  });
}
