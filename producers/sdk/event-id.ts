/**
 * Event ids: UUIDv7 (common/ids/uuidv7.ts) that strictly increase per client, so that one
 * client's ids sort in the order its events were created, even within one millisecond.
 * RFC 9562 §6.2 method 2 ("monotonic random"): a new millisecond gets fresh random bits; in the
 * same millisecond (or when the clock steps back) the previous id's 74 random bits grow by a
 * random step of 1..65536, which keeps the ids unguessable. Browser-safe.
 */
import { uuidv7 } from '../../common/ids/uuidv7.js';

const RAND_BITS = 74n;
const MAX_RAND = (1n << RAND_BITS) - 1n;
const RAND_B_BITS = 62n;

export type RandomBytes = (buf: Uint8Array) => void;

export const cryptoRandomBytes: RandomBytes = (b) => void globalThis.crypto.getRandomValues(b);

export function createEventIdGenerator(
  now: () => number,
  randomBytes: RandomBytes = cryptoRandomBytes,
): () => string {
  let lastMs = -1;
  let lastRand = 0n;

  const fresh = (): bigint => {
    const b = new Uint8Array(10);
    randomBytes(b);
    let r = 0n;
    for (const x of b) r = (r << 8n) | BigInt(x);
    // Top bit clear: room for about 2^73 increments before the millisecond must roll over.
    return r & (MAX_RAND >> 1n);
  };

  return function nextEventId(): string {
    let ms = Math.max(0, Math.floor(now()));
    let rand: bigint;
    if (ms > lastMs) {
      rand = fresh();
    } else {
      ms = lastMs;
      const s = new Uint8Array(2);
      randomBytes(s);
      rand = lastRand + 1n + BigInt((s[0]! << 8) | s[1]!);
      if (rand > MAX_RAND) {
        ms += 1;
        rand = fresh();
      }
    }
    lastMs = ms;
    lastRand = rand;
    const randA = Number(rand >> RAND_B_BITS); // 12 bits
    const randB = rand & ((1n << RAND_B_BITS) - 1n); // 62 bits
    return uuidv7(ms, (b) => {
      b[6] = randA >> 8;
      b[7] = randA & 0xff;
      for (let i = 15; i >= 8; i--) b[i] = Number((randB >> BigInt(8 * (15 - i))) & 0xffn);
      // uuidv7() sets the version nibble of b[6] and the variant bits of b[8].
    });
  };
}
