import { TextDecoder } from 'node:util';

/**
 * Turns a raw request body into a JSON value, refusing invalid UTF-8 (or UTF-16), malformed
 * JSON and nesting deeper than `maxDepth` with a reason a client can act on. Pure.
 */
export type ParsedBody =
  | { ok: true; value: unknown }
  | {
      ok: false;
      code: 'INVALID_UTF8' | 'INVALID_UTF16' | 'MALFORMED_JSON' | 'TOO_DEEP';
      detail: string;
    };

/** The encodings a body may be in: UTF-8 (JSON's own, RFC 8259) and UTF-16 either way. */
export type BodyEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/**
 * The charset parameter of a Content-Type, by allow list: absent means UTF-8 (JSON's
 * default); `utf-8`/`utf8` and `us-ascii` (a subset) read as UTF-8; `utf-16le`, `utf-16be` and
 * `utf-16` (byte order from the BOM, big-endian without one, RFC 2781) as UTF-16. Anything else
 * is unsupported (415).
 */
export type DeclaredCharset =
  | { ok: true; charset: 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-16' | undefined }
  | { ok: false; charset: string };

export function declaredCharset(contentType: string | undefined): DeclaredCharset {
  if (!contentType) return { ok: true, charset: undefined };
  let found: string | undefined;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    found = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  if (found === undefined) return { ok: true, charset: undefined };
  if (found === 'utf-8' || found === 'utf8' || found === 'us-ascii')
    return { ok: true, charset: 'utf-8' };
  if (found === 'utf-16le' || found === 'utf-16be' || found === 'utf-16')
    return { ok: true, charset: found };
  return { ok: false, charset: found };
}

/**
 * Which encoding a body is in, from its declared charset and its first bytes: a byte-order mark
 * (UTF-8's EF BB BF, UTF-16's FF FE or FE FF) and, without a charset or a BOM, the zero bytes a
 * UTF-16 JSON text starts with (RFC 4627 §3: its first character is ASCII). A BOM that
 * contradicts the declared charset is a conflict (415), never decoded one way silently.
 */
export function bodyEncoding(
  raw: Buffer,
  declared: 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-16' | undefined,
): { ok: true; encoding: BodyEncoding; bomBytes: number } | { ok: false; detail: string } {
  const bom: BodyEncoding | undefined =
    raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf
      ? 'utf-8'
      : raw[0] === 0xff && raw[1] === 0xfe
        ? 'utf-16le'
        : raw[0] === 0xfe && raw[1] === 0xff
          ? 'utf-16be'
          : undefined;
  const bomBytes = bom === 'utf-8' ? 3 : bom ? 2 : 0;
  if (declared === undefined) {
    if (bom) return { ok: true, encoding: bom, bomBytes };
    if (raw.length >= 2 && raw[0] === 0 && raw[1] !== 0)
      return { ok: true, encoding: 'utf-16be', bomBytes: 0 };
    if (raw.length >= 2 && raw[0] !== 0 && raw[1] === 0)
      return { ok: true, encoding: 'utf-16le', bomBytes: 0 };
    return { ok: true, encoding: 'utf-8', bomBytes: 0 };
  }
  if (declared === 'utf-16') {
    if (bom === 'utf-8')
      return {
        ok: false,
        detail: 'charset=utf-16, but the body starts with a UTF-8 byte-order mark',
      };
    return { ok: true, encoding: bom ?? 'utf-16be', bomBytes };
  }
  if (bom && bom !== declared)
    return {
      ok: false,
      detail: `charset=${declared}, but the body starts with a ${bom.toUpperCase()} byte-order mark`,
    };
  return { ok: true, encoding: declared, bomBytes };
}

const decoders: Record<BodyEncoding, TextDecoder> = {
  'utf-8': new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }),
  'utf-16le': new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }),
  'utf-16be': new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true }),
};

export function parseJsonBody(
  raw: Buffer,
  maxDepth: number,
  encoding: BodyEncoding = 'utf-8',
  bomBytes = 0,
): ParsedBody {
  let text: string;
  try {
    text = decoders[encoding].decode(bomBytes ? raw.subarray(bomBytes) : raw);
  } catch {
    return encoding === 'utf-8'
      ? { ok: false, code: 'INVALID_UTF8', detail: 'the body is not valid UTF-8' }
      : {
          ok: false,
          code: 'INVALID_UTF16',
          detail: `the body is not valid ${encoding.toUpperCase()} (odd length or an unpaired surrogate)`,
        };
  }
  // Check nesting before JSON.parse so a hostile body cannot make the parser recurse deeply.
  const depth = maxNesting(text);
  if (depth > maxDepth)
    return {
      ok: false,
      code: 'TOO_DEEP',
      detail: `JSON nesting depth ${depth} exceeds the limit of ${maxDepth}`,
    };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      code: 'MALFORMED_JSON',
      detail: `malformed JSON: ${(err as Error).message}`,
    };
  }
}

/** Deepest bracket nesting outside string literals. */
export function maxNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}
