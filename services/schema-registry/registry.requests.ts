/**
 * What a request to the registry may contain, checked the way Confluent checks it: subject
 * names, version ids, the `{schema, schemaType?, references?}` body and boolean query flags.
 */
import { InvalidSchemaError, errors } from './registry.errors.js';
import type { SchemaReference } from './registry.state.js';

export interface RegisterBody {
  schema: string;
  references: SchemaReference[];
}

/** A subject as Confluent accepts it: not blank, no control characters, at most 255 long. */
export function validateSubject(subject: string): string {
  if (!subject.trim()) throw errors.invalidSubject('the subject name is empty');
  for (const ch of subject) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      throw errors.invalidSubject(
        `the subject name contains the control character U+${c.toString(16).padStart(4, '0')}`,
      );
    }
  }
  if (subject.length > 255) {
    throw errors.invalidSubject(
      `the subject name is ${subject.length} characters long; at most 255 are allowed`,
    );
  }
  return subject;
}

/** `latest`, `-1` or 1..2^31-1; anything else is 42202. */
export function parseVersion(version: string): number | 'latest' {
  if (version === 'latest' || version === '-1') return 'latest';
  const n = /^\d{1,10}$/.test(version) ? Number(version) : NaN;
  if (!(n >= 1 && n <= 2 ** 31 - 1)) throw errors.invalidVersion(version);
  return n;
}

/** The body of a register, look-up or compatibility request: `{schema, schemaType?, references?}`. */
export function readSchemaBody(body: unknown): RegisterBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidSchemaError(
      'Invalid schema: the request body must be a JSON object like {"schema": "<Avro schema as JSON text>"}',
    );
  }
  const b = body as Record<string, unknown>;
  if (
    b.schemaType !== undefined &&
    b.schemaType !== null &&
    String(b.schemaType).toUpperCase() !== 'AVRO'
  ) {
    throw new InvalidSchemaError(
      `Invalid schema: schemaType '${String(b.schemaType)}' is not supported; this registry stores AVRO schemas only`,
    );
  }
  if (typeof b.schema !== 'string' || !b.schema.trim()) {
    throw new InvalidSchemaError(
      'Invalid schema: "schema" must be a non-empty string holding the Avro schema as JSON text',
    );
  }
  const refs = b.references ?? [];
  const valid =
    Array.isArray(refs) &&
    refs.every(
      (r: Record<string, unknown>) =>
        r &&
        typeof r.name === 'string' &&
        typeof r.subject === 'string' &&
        Number.isInteger(r.version),
    );
  if (!valid) {
    throw new InvalidSchemaError(
      'Invalid schema: "references" must be a list of {name, subject, version}',
    );
  }
  return { schema: b.schema, references: refs as SchemaReference[] };
}

/** `?deleted=true`, `?permanent=True` and the like (Python clients send `True`). */
export const queryFlag = (v: unknown) => typeof v === 'string' && v.toLowerCase() === 'true';
