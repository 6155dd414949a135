/**
 * A listener's open-session window: what the co-listening projection remembers between plays
 * (in Redis, one string per listener), and its compact string form. Pure.
 *
 * The window holds one session: its session_id, the span of its plays' event times, its
 * distinct tracks in order of first play (a track's number is its index), the numbers of the
 * last N distinct tracks played, and the pairs already counted as a triangular bitset (bit
 * j(j-1)/2 + i for the tracks numbered i < j). The bitset makes "each pair once per session"
 * exact at M(M-1)/16 bytes for M tracks: 200 tracks (the default cap) take 2,488 bytes, 30
 * tracks 55 bytes.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';

/** Latest timestamp whose ISO form still has a 4-digit year (the play-counts bound). */
export const MAX_TIME = 253_402_300_799_999;

export interface SessionWindow {
  /** The session_id of the session's plays; '' when they carry none (the gap rule alone). */
  readonly sessionId: string;
  /** Earliest event time of the session's plays (ms since the epoch). */
  readonly firstTime: number;
  /** Latest event time of the session's plays; the same UTC month as firstTime. */
  readonly lastTime: number;
  /** The session's distinct tracks in order of first play; a track's number is its index. */
  readonly tracks: readonly string[];
  /** Numbers of the last N distinct tracks played, least recent first (never empty). */
  readonly recent: readonly number[];
  /** Pairs already counted this session: bit j(j-1)/2 + i set for tracks numbered i < j. */
  readonly paired: Uint8Array;
  /** How many bits of `paired` are set: the pairs this session has counted. */
  readonly pairCount: number;
}

/** Bytes of the bitset of a session with `tracks` distinct tracks. */
export const pairedBytes = (tracks: number) => Math.ceil((tracks * (tracks - 1)) / 2 / 8);

/** Bit of the pair of the tracks numbered i and j (i != j). */
export function pairBit(i: number, j: number): number {
  if (i === j) throw new InternalError(`co-listening: track ${i} cannot pair with itself`);
  const [lo, hi] = i < j ? [i, j] : [j, i];
  return (hi * (hi - 1)) / 2 + lo;
}

export const hasBit = (bits: Uint8Array, bit: number) =>
  ((bits[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;

export function setBit(bits: Uint8Array, bit: number): void {
  const at = bit >> 3;
  if (at >= bits.length) throw new InternalError(`co-listening: pair bit ${bit} out of range`);
  bits[at] = bits[at]! | (1 << (bit & 7));
}

function popcount(bits: Uint8Array): number {
  let n = 0;
  for (let b of bits) {
    for (; b; b &= b - 1) n++;
  }
  return n;
}

/** The UTC month (YYYY-MM) of a ms timestamp. */
export const utcMonth = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** Version tag of the string form; a window of another version is refused, never guessed. */
const VERSION = 1;

/**
 * The window as a string: JSON `[1, sessionId, firstTime, lastTime, tracks, recent, paired]`,
 * `paired` in unpadded base64url. JSON keeps any track id intact; the bitset is the bulk.
 */
export function encodeWindow(w: SessionWindow): string {
  const bits = Buffer.from(w.paired.buffer, w.paired.byteOffset, w.paired.byteLength);
  return JSON.stringify([
    VERSION,
    w.sessionId,
    w.firstTime,
    w.lastTime,
    w.tracks,
    w.recent,
    bits.toString('base64url'),
  ]);
}

const isTime = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_TIME;

/**
 * Reads a stored window, checking every invariant `evolveSession` relies on: it answers the
 * window, or `{ reason }` for a string that is not one (corrupt, truncated, another version).
 * Independent of the rules, so a window stored under other rules still decodes.
 */
export function decodeWindow(text: string): SessionWindow | { reason: string } {
  const bad = (why: string) => ({ reason: `co-listening window: ${why}` });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return bad(`not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(v) || v.length !== 7) return bad('not an array of 7 fields');
  const [version, sessionId, firstTime, lastTime, tracks, recent, paired] = v as unknown[];
  if (version !== VERSION) return bad(`version ${JSON.stringify(version)}, expected ${VERSION}`);
  if (typeof sessionId !== 'string') return bad('session id is not a string');
  if (!isTime(firstTime) || !isTime(lastTime)) return bad('times are not ms timestamps');
  if (firstTime > lastTime) return bad(`first time ${firstTime} after last time ${lastTime}`);
  if (utcMonth(firstTime) !== utcMonth(lastTime)) return bad('times span two UTC months');
  if (!Array.isArray(tracks) || !tracks.length) return bad('tracks is not a non-empty array');
  if (!tracks.every((t) => typeof t === 'string' && t.length > 0)) {
    return bad('a track id is not a non-empty string');
  }
  if (new Set(tracks).size !== tracks.length) return bad('a track is listed twice');
  if (!Array.isArray(recent) || !recent.length) return bad('recent is not a non-empty array');
  const n = tracks.length;
  if (!recent.every((i) => Number.isSafeInteger(i) && i >= 0 && i < n)) {
    return bad(`a recent track number is not in 0..${n - 1}`);
  }
  if (new Set(recent).size !== recent.length) return bad('a recent track is listed twice');
  if (typeof paired !== 'string' || !/^[A-Za-z0-9_-]*$/.test(paired)) {
    return bad('paired is not base64url');
  }
  const bytes = Buffer.from(paired, 'base64url');
  if (bytes.toString('base64url') !== paired) return bad('paired is not canonical base64url');
  if (bytes.length !== pairedBytes(n)) {
    return bad(`paired holds ${bytes.length} bytes, ${pairedBytes(n)} expected for ${n} tracks`);
  }
  const used = (n * (n - 1)) / 2;
  if (used % 8 && bytes[bytes.length - 1]! >> (used % 8))
    return bad('paired sets a bit past the end');
  const bits = new Uint8Array(bytes);
  return {
    sessionId,
    firstTime,
    lastTime,
    tracks: tracks as string[],
    recent: recent as number[],
    paired: bits,
    pairCount: popcount(bits),
  };
}
