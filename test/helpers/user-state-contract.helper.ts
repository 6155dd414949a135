/**
 * Checks a value against a JSON Schema of an OpenAPI 3.1 document: the keywords the
 * user-state schemas use ($ref, type, enum, required, properties, additionalProperties,
 * items, minimum, maximum, minLength, maxLength, maxItems, oneOf). Unknown keywords fail
 * loudly, so a schema never passes by being misunderstood. Returns the violations.
 */
type Schema = Record<string, unknown>;
const KNOWN = new Set([
  '$ref',
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'maxItems',
  'oneOf',
  'description',
  'default',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function checkSchema(
  doc: { components: { schemas: Record<string, unknown> } },
  schema: Schema,
  value: unknown,
  at = '$',
): string[] {
  for (const kw of Object.keys(schema))
    if (!KNOWN.has(kw)) throw new Error(`unsupported keyword ${kw} at ${at}`);
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return checkSchema(doc, target as Schema, value, at);
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = schema.oneOf.filter((s) => !checkSchema(doc, s as Schema, value, at).length);
    return passing.length === 1 ? [] : [`${at}: matches ${passing.length} of oneOf`];
  }
  const errs: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type);
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) return [`${at}: ${t} is not ${types.join('|')}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errs.push(`${at}: ${String(value)} not in enum`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errs.push(`${at}: < ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errs.push(`${at}: > ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errs.push(`${at}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errs.push(`${at}: too long`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errs.push(`${at}: too many items`);
    if (schema.items)
      value.forEach((v, i) =>
        errs.push(...checkSchema(doc, schema.items as Schema, v, `${at}[${i}]`)),
      );
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[])
      if (!(r in obj)) errs.push(`${at}.${r}: missing`);
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errs.push(...checkSchema(doc, props[key], v, `${at}.${key}`));
      else if (schema.additionalProperties === false) errs.push(`${at}.${key}: not allowed`);
    }
  }
  return errs;
}

/** The 200 (or other status) response schema of a GET path, for `checkSchema`. */
export function responseSchema(
  doc: { paths: Record<string, unknown> },
  path: string,
  status: string,
  mediaType = 'application/json',
): Schema {
  const op = (
    doc.paths[path] as {
      get?: { responses?: Record<string, { content?: Record<string, { schema: Schema }> }> };
    }
  )?.get;
  const schema = op?.responses?.[status]?.content?.[mediaType]?.schema;
  if (!schema) throw new Error(`no ${status} ${mediaType} response for GET ${path}`);
  return schema;
}
