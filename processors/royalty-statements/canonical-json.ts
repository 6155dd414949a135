/**
 * A canonical JSON text for hashing: object keys sorted by UTF-16 code units at every depth,
 * no whitespace, array order kept (callers sort arrays whose order carries no meaning), bigint
 * written as a JSON integer (its exact digits), object entries whose value is undefined left
 * out (as JSON.stringify does). Anything JSON cannot represent exactly (NaN, Infinity, functions,
 * symbols, Maps, Sets, Dates) throws InternalError rather than hashing something lossy.
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { compareCodeUnits } from './allocation.js';

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

/** sha256 hex of canonicalJson(value). */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

function write(value: unknown, at: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new InternalError(`canonicalJson: ${value} at ${at}`);
      return JSON.stringify(value === 0 ? 0 : value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v, i) => write(v, `${at}[${i}]`)).join(',')}]`;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new InternalError(`canonicalJson: not a plain object at ${at}`);
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compareCodeUnits(a, b));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${at}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new InternalError(`canonicalJson: cannot write a ${typeof value} at ${at}`);
  }
}
