/**
 * Seeded, pure pseudo-random numbers for the traffic simulator: sfc32 (Chris Doty-Humphrey's
 * Small Fast Counter, 128-bit state) seeded through splitmix32. No Math.random and no clock:
 * the same seed gives the same sequence on every machine and Node version.
 */

export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One element, with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** A Fisher-Yates shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** Fills a buffer with random bytes (the random source of uuidv7). */
  fill(buf: Uint8Array): void;
  /** An independent stream derived from this one's seed and a name. */
  fork(name: string): Prng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string: mixes a fork name into a seed. */
function hash32(text: string, basis: number): number {
  let h = (0x811c9dc5 ^ basis) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createPrng(seed: number): Prng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32(); // discard the warm-up outputs

  const next = () => u32() / 4294967296;
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const self: Prng = {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (!items.length) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted<T>(items: readonly T[], weights: readonly number[]): T {
      let total = 0;
      for (const w of weights) total += w;
      let x = next() * total;
      for (let i = 0; i < items.length; i++) {
        x -= weights[i] ?? 0;
        if (x < 0) return items[i] as T;
      }
      return items[items.length - 1] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
    fill(buf) {
      for (let i = 0; i < buf.length; i += 4) {
        const x = u32();
        for (let k = 0; k < 4 && i + k < buf.length; k++) buf[i + k] = (x >>> (8 * k)) & 0xff;
      }
    },
    fork: (name) => createPrng(hash32(name, seed)),
  };
  return self;
}

/**
 * Draws indexes 0..n-1 with probability proportional to the given weights, by binary search
 * over the cumulative sums: O(log n) per draw.
 */
export interface WeightedSampler {
  readonly size: number;
  sample(rng: Prng): number;
}

export function createWeightedSampler(weights: readonly number[]): WeightedSampler {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => (cumulative[i] = total += w));
  return {
    size: weights.length,
    sample(rng) {
      const x = rng.next() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] as number) > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
  };
}

/** Zipf weight of a 1-based popularity rank: 1 / rank^s. */
export function zipfWeight(rank: number, s: number): number {
  return 1 / Math.pow(rank, s);
}
