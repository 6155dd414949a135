const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * RFC 9562 UUIDv7: 48-bit Unix ms timestamp, version 7, 74 random bits. Ids sort by creation
 * time, which keeps ClickHouse and Kafka-side lookups local. `random` is injectable so that
 * the traffic simulator can produce the same ids for the same seed. No Node-only API: the
 * browser SDK uses it too.
 */
export function uuidv7(
  nowMs: number = Date.now(),
  random: (buf: Uint8Array) => void = (b) => void globalThis.crypto.getRandomValues(b),
): string {
  const b = new Uint8Array(16);
  random(b);
  const ts = BigInt(Math.max(0, Math.floor(nowMs)));
  for (let i = 0; i < 6; i++) b[i] = Number((ts >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (const x of b) h += x.toString(16).padStart(2, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Any RFC 9562 UUID (versions 1-8, variant 10). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}

/** The Unix ms timestamp a UUIDv7 carries. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
