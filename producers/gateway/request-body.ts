/**
 * Turns a raw request body into a JSON value, refusing invalid UTF-8, malformed JSON and
 * nesting deeper than `maxDepth` with a reason a client can act on. Pure.
 */
export type ParsedBody =
  | { ok: true; value: unknown }
  | { ok: false; code: 'INVALID_UTF8' | 'MALFORMED_JSON' | 'TOO_DEEP'; detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(raw: Buffer, maxDepth: number): ParsedBody {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, code: 'INVALID_UTF8', detail: 'the body is not valid UTF-8' };
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
