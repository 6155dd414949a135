/**
 * Avro Parsing Canonical Form (the Avro specification's "Transforming into Parsing Canonical
 * Form"), and the registry's identity form, which is the same transformation but keeps the
 * attributes that change how data is resolved: field defaults, aliases, an enum's default and
 * logical-type attributes. Parsing Canonical Form alone drops them, so two schemas that differ
 * only in a default (one compatible, one not) would collapse into one id.
 *
 * Both take the schema as parsed JSON that avsc has already accepted.
 */
import { InternalError } from '../../common/errors/backbeat.error.js';

const PRIMITIVES = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);
const LOGICAL_ATTRS = ['logicalType', 'precision', 'scale'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The specification's Parsing Canonical Form, as a string. */
export function parsingCanonicalForm(schema: unknown): string {
  return JSON.stringify(transform(schema as Json, undefined, new Set(), false));
}

/** Parsing Canonical Form plus defaults, aliases, enum default and logical types. */
export function identityForm(schema: unknown): string {
  return JSON.stringify(transform(schema as Json, undefined, new Set(), true));
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(full: string): string | undefined {
  const i = full.lastIndexOf('.');
  return i < 0 ? undefined : full.slice(0, i);
}

function transform(node: Json, ns: string | undefined, defined: Set<string>, keep: boolean): Json {
  if (typeof node === 'string') return PRIMITIVES.has(node) ? node : fullName(node, ns);
  if (Array.isArray(node)) return node.map((branch) => transform(branch, ns, defined, keep));
  if (node === null || typeof node !== 'object') {
    throw new InternalError(`not an Avro schema node: ${JSON.stringify(node)}`);
  }
  const type = node.type;
  if (typeof type !== 'string') return transform(type ?? null, ns, defined, keep);
  if (PRIMITIVES.has(type)) {
    if (!keep || node.logicalType === undefined) return type;
    return withLogical({ type }, node);
  }
  switch (type) {
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed':
      return named(node, type, ns, defined, keep);
    case 'array':
      return { type, items: transform(node.items ?? null, ns, defined, keep) };
    case 'map':
      return { type, values: transform(node.values ?? null, ns, defined, keep) };
    default:
      // {"type": "com.example.Named"}: a reference to a named type.
      return fullName(type, ns);
  }
}

function named(
  node: JsonObject,
  type: string,
  ns: string | undefined,
  defined: Set<string>,
  keep: boolean,
): Json {
  const explicitNs = typeof node.namespace === 'string' ? node.namespace || undefined : ns;
  const name = fullName(String(node.name), explicitNs);
  if (defined.has(name)) return name;
  defined.add(name);
  const inner = namespaceOf(name);
  const out: JsonObject = { name, type: type === 'error' ? 'record' : type };
  if (type === 'record' || type === 'error') {
    const fields = Array.isArray(node.fields) ? node.fields : [];
    out.fields = fields.map((f) => {
      const field = f as JsonObject;
      const o: JsonObject = {
        name: field.name ?? null,
        type: transform(field.type ?? null, inner, defined, keep),
      };
      if (keep && field.default !== undefined) o.default = field.default;
      if (keep && Array.isArray(field.aliases) && field.aliases.length) {
        o.aliases = [...(field.aliases as string[])].sort();
      }
      return o;
    });
  }
  if (type === 'enum') out.symbols = node.symbols ?? [];
  if (type === 'fixed') out.size = node.size ?? null;
  if (keep) {
    if (Array.isArray(node.aliases) && node.aliases.length) {
      out.aliases = (node.aliases as string[]).map((a) => fullName(a, inner)).sort();
    }
    if (type === 'enum' && node.default !== undefined) out.default = node.default;
    if (type === 'fixed') withLogical(out, node);
  }
  return out;
}

function withLogical(out: JsonObject, node: JsonObject): JsonObject {
  for (const attr of LOGICAL_ATTRS) if (node[attr] !== undefined) out[attr] = node[attr];
  return out;
}
