import type { Redis } from 'ioredis';

/**
 * The public key layout of Redis projections: where a projection generation keeps its data,
 * offsets and seen event ids, and which generation readers use. Read models import this module,
 * never the sink itself; a rebuild writes generation N+1 and swaps it in with one SET.
 */

/** Where a projection generation keeps its keys, offsets and seen event ids. */
export function redisNamespace(name: string, generation: number) {
  const base = `bb:${name}:g${generation}`;
  return { data: `${base}:d:`, offsets: `${base}:o:`, seen: `${base}:s:`, base };
}

/** The generation readers should use: `bb:<name>:current`, 1 until a rebuild swaps one in. */
export async function currentGeneration(redis: Redis, name: string): Promise<number> {
  const v = await redis.get(`bb:${name}:current`);
  return v === null ? 1 : Number(v);
}

/** Points readers at another generation (the last step of a rebuild). */
export async function swapGeneration(
  redis: Redis,
  name: string,
  generation: number,
): Promise<void> {
  await redis.set(`bb:${name}:current`, String(generation));
}

/** The data-key prefix of the generation readers should use now (one GET). */
export async function readPrefix(redis: Redis, name: string): Promise<string> {
  return redisNamespace(name, await currentGeneration(redis, name)).data;
}
