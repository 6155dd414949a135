/**
 * Avro schema parsing and compatibility, as pure functions.
 *
 * The checker follows the Avro specification's schema resolution (reader vs writer), the way
 * Avro's own SchemaCompatibility does and Confluent Schema Registry reports it: every problem
 * has a type (READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, ...), a path in the reader
 * schema (`/fields/3/type`) and a detail. Levels compare a candidate schema with the latest
 * previous version, or with every previous one (the transitive levels).
 */
import avro from 'avsc';
import { identityForm, parsingCanonicalForm } from './avro-canonical.js';
import { InvalidSchemaError } from './registry.errors.js';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Accepts a level in any letter case; undefined when it is not one. */
export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper)
    ? (upper as CompatibilityLevel)
    : undefined;
}

export interface ParsedAvroSchema {
  type: avro.Type;
  /** The schema as compact JSON (formatting removed, everything else as written). */
  schema: string;
  /** Identity of the schema: Parsing Canonical Form plus defaults, aliases and logical types. */
  identity: string;
  /** The specification's Parsing Canonical Form. */
  canonical: string;
}

/**
 * Validates an Avro schema given as JSON text. `registry` holds named types defined by
 * referenced schemas (it is filled in by this call with the schema's own named types).
 * Throws InvalidSchemaError (42201) naming what is wrong.
 */
export function parseAvroSchema(
  text: string,
  registry: Record<string, avro.Type> = {},
): ParsedAvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidSchemaError(`Invalid schema: not valid JSON (${(err as Error).message})`, err);
  }
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: 'auto' });
  } catch (err) {
    throw new InvalidSchemaError(`Invalid schema: ${(err as Error).message}`, err);
  }
  return {
    type,
    schema: JSON.stringify(json),
    identity: identityForm(json),
    canonical: parsingCanonicalForm(json),
  };
}

export type IncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  type: IncompatibilityType;
  /** JSON-pointer-like path in the reader schema, e.g. `/fields/3/type`. */
  path: string;
  /** The detail Avro gives: a field name, the missing symbols, the mismatching types. */
  info: string;
}

interface Field {
  name: string;
  aliases: string[];
  type: avro.Type;
  defaultValue(): unknown;
}
interface Structural {
  typeName: string;
  name?: string;
  aliases?: string[];
  fields?: Field[];
  symbols?: string[];
  default?: unknown;
  size?: number;
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  types?: avro.Type[];
}

const s = (t: avro.Type) => t as unknown as Structural;
const kind = (t: avro.Type): string => {
  const n = t.typeName;
  if (n.startsWith('union')) return 'union';
  return n === 'error' ? 'record' : n;
};
const label = (t: avro.Type) => kind(t).toUpperCase();
const shortName = (full = '') => full.slice(full.lastIndexOf('.') + 1);

/** Why data written with `writer` cannot be read with `reader`; empty when it can. */
export function readerWriterIncompatibilities(
  reader: avro.Type,
  writer: avro.Type,
): Incompatibility[] {
  const memo = new Map<avro.Type, Map<avro.Type, Incompatibility[]>>();
  return check(reader, writer, '', memo);
}

function check(
  reader: avro.Type,
  writer: avro.Type,
  path: string,
  memo: Map<avro.Type, Map<avro.Type, Incompatibility[]>>,
): Incompatibility[] {
  // Named types can be recursive: a pair already under comparison is assumed compatible.
  const named = s(reader).name !== undefined && s(writer).name !== undefined;
  if (named) {
    const known = memo.get(reader)?.get(writer);
    if (known) return known;
    if (!memo.has(reader)) memo.set(reader, new Map());
    memo.get(reader)!.set(writer, []);
  }
  const result = compare(reader, writer, path, memo);
  if (named) memo.get(reader)!.set(writer, result);
  return result;
}

function compare(
  reader: avro.Type,
  writer: avro.Type,
  path: string,
  memo: Map<avro.Type, Map<avro.Type, Incompatibility[]>>,
): Incompatibility[] {
  const r = s(reader);
  const w = s(writer);
  const rk = kind(reader);
  const wk = kind(writer);
  const mismatch = (): Incompatibility[] => [
    {
      type: 'TYPE_MISMATCH',
      path: path || '/',
      info: `reader type: ${label(reader)} not compatible with writer type: ${label(writer)}`,
    },
  ];

  if (rk === wk) {
    switch (rk) {
      case 'array':
        return check(r.itemsType!, w.itemsType!, `${path}/items`, memo);
      case 'map':
        return check(r.valuesType!, w.valuesType!, `${path}/values`, memo);
      case 'fixed': {
        if (!namesMatch(r, w)) return [nameMismatch(w, path)];
        if (r.size !== w.size) {
          return [
            {
              type: 'FIXED_SIZE_MISMATCH',
              path: `${path}/size`,
              info: `expected: ${w.size}, found: ${r.size}`,
            },
          ];
        }
        return [];
      }
      case 'enum': {
        if (!namesMatch(r, w)) return [nameMismatch(w, path)];
        const missing = w.symbols!.filter((sym) => !r.symbols!.includes(sym));
        if (missing.length && r.default === undefined) {
          return [
            {
              type: 'MISSING_ENUM_SYMBOLS',
              path: `${path}/symbols`,
              info: `[${missing.join(', ')}]`,
            },
          ];
        }
        return [];
      }
      case 'record': {
        if (!namesMatch(r, w)) return [nameMismatch(w, path)];
        return recordFields(r, w, path, memo);
      }
      case 'union': {
        // Every branch the writer may have used must be readable by the reader union.
        const out: Incompatibility[] = [];
        w.types!.forEach((branch, i) => {
          if (check(reader, branch, `${path}/${i}`, memo).length) {
            out.push({
              type: 'MISSING_UNION_BRANCH',
              path: `${path}/${i}`,
              info: `reader union lacking writer type: ${label(branch)}`,
            });
          }
        });
        return out;
      }
      default:
        return []; // the same primitive type
    }
  }

  if (wk === 'union') {
    // A non-union reader must read every branch of the writer's union.
    return w.types!.flatMap((branch, i) => check(reader, branch, `${path}/${i}`, memo));
  }

  switch (rk) {
    case 'long':
      return wk === 'int' ? [] : mismatch();
    case 'float':
      return wk === 'int' || wk === 'long' ? [] : mismatch();
    case 'double':
      return wk === 'int' || wk === 'long' || wk === 'float' ? [] : mismatch();
    case 'bytes':
      return wk === 'string' ? [] : mismatch();
    case 'string':
      return wk === 'bytes' ? [] : mismatch();
    case 'union': {
      // The writer's type must resolve to some branch of the reader's union.
      for (const branch of r.types!) if (!check(branch, writer, path, memo).length) return [];
      return [
        {
          type: 'MISSING_UNION_BRANCH',
          path: path || '/',
          info: `reader union lacking writer type: ${label(writer)}`,
        },
      ];
    }
    default:
      return mismatch();
  }
}

function recordFields(
  r: Structural,
  w: Structural,
  path: string,
  memo: Map<avro.Type, Map<avro.Type, Incompatibility[]>>,
): Incompatibility[] {
  const byName = new Map(w.fields!.map((f) => [f.name, f]));
  const out: Incompatibility[] = [];
  r.fields!.forEach((field, i) => {
    // Matched by name, or through one of the reader field's aliases.
    const writerField =
      byName.get(field.name) ??
      field.aliases.map((a) => byName.get(a)).find((f): f is Field => f !== undefined);
    if (!writerField) {
      if (field.defaultValue() === undefined) {
        out.push({
          type: 'READER_FIELD_MISSING_DEFAULT_VALUE',
          path: `${path}/fields/${i}`,
          info: field.name,
        });
      }
      return;
    }
    out.push(...check(field.type, writerField.type, `${path}/fields/${i}/type`, memo));
  });
  return out;
}

/** Avro's rule: the unqualified names are equal, or a reader alias names the writer. */
function namesMatch(r: Structural, w: Structural): boolean {
  if (shortName(r.name) === shortName(w.name)) return true;
  return (r.aliases ?? []).some((a) => a === w.name);
}

function nameMismatch(w: Structural, path: string): Incompatibility {
  return { type: 'NAME_MISMATCH', path: `${path}/name`, info: `expected: ${w.name}` };
}

/**
 * Confluent's wording of one problem. `readerRole` says which schema was the reader:
 * the new one under BACKWARD, the old one under FORWARD.
 */
export function describeIncompatibility(i: Incompatibility, readerRole: 'new' | 'old'): string {
  const reader = readerRole;
  const writer = readerRole === 'new' ? 'old' : 'new';
  const description = {
    READER_FIELD_MISSING_DEFAULT_VALUE: `The field '${i.info}' at path '${i.path}' in the ${reader} schema has no default value and is missing in the ${writer} schema`,
    TYPE_MISMATCH: `The type (path '${i.path}') of a field in the ${reader} schema does not match with the ${writer} schema`,
    MISSING_UNION_BRANCH: `The ${reader} schema is missing a type inside a union field at path '${i.path}' in the ${writer} schema`,
    MISSING_ENUM_SYMBOLS: `The ${reader} schema is missing enum symbols '${i.info}' at path '${i.path}' in the ${writer} schema`,
    NAME_MISMATCH: `The name of the schema has changed (path '${i.path}')`,
    FIXED_SIZE_MISMATCH: `The size of FIXED type field at path '${i.path}' in the ${reader} schema does not match with the ${writer} schema`,
  }[i.type];
  return `{errorType:'${i.type}', description:'${description}', additionalInfo:'${i.info}'}`;
}

export interface PreviousSchema {
  type: avro.Type;
  version?: number;
  schema?: string;
}

export interface CompatibilityVerdict {
  compatible: boolean;
  /** Confluent-style messages: each problem, then the old version, old schema and level. */
  messages: string[];
  incompatibilities: (Incompatibility & { readerRole: 'new' | 'old'; version?: number })[];
}

/**
 * Checks `candidate` against `previous` (oldest first) under `level`. Non-transitive levels
 * compare with the latest previous schema only; transitive ones with all of them, newest
 * first, stopping at the first incompatible version as Confluent does.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: avro.Type,
  previous: readonly PreviousSchema[],
): CompatibilityVerdict {
  if (level === 'NONE' || previous.length === 0) {
    return { compatible: true, messages: [], incompatibilities: [] };
  }
  const against = level.endsWith('_TRANSITIVE') ? [...previous].reverse() : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const old of against) {
    const found: CompatibilityVerdict['incompatibilities'] = [];
    if (backward) {
      for (const i of readerWriterIncompatibilities(candidate, old.type))
        found.push({ ...i, readerRole: 'new', version: old.version });
    }
    if (forward) {
      for (const i of readerWriterIncompatibilities(old.type, candidate))
        found.push({ ...i, readerRole: 'old', version: old.version });
    }
    if (found.length) {
      const messages = found.map((i) => describeIncompatibility(i, i.readerRole));
      if (old.version !== undefined) messages.push(`{oldSchemaVersion: ${old.version}}`);
      if (old.schema !== undefined) messages.push(`{oldSchema: '${old.schema}'}`);
      messages.push(`{compatibility: '${level}'}`);
      return { compatible: false, messages, incompatibilities: found };
    }
  }
  return { compatible: true, messages: [], incompatibilities: [] };
}
