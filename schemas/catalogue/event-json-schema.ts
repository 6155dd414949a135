/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every event type, generated from the Avro
 * schemas and the validation rules that can be written as a schema: types, required fields
 * (those without an Avro default), no unknown fields, enums, string and array caps
 * (STRING_CAPS, ARRAY_CAPS), UUIDs, codes (market, ISRC, period, currency) and the earliest
 * event time. Rules across fields (shares summing to 10,000, an ENDED playback's end reason,
 * no following oneself, ...) stay in the validator and are named in each schema's description.
 */
import type { EventCatalogue, EventTypeName, EventTypeSpec } from './event-catalogue.js';
import {
  ARRAY_CAPS,
  CURRENCY,
  DEFAULT_ARRAY_CAP,
  DEFAULT_STRING_CAP,
  EARLIEST,
  ISRC,
  MARKET,
  PERIOD,
  STRING_CAPS,
} from './event-validation.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

type Json = Record<string, unknown>;
type AvroType = string | AvroType[] | { type: unknown; [k: string]: unknown };

const UUID =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';
const PATTERNS: Record<string, string> = {
  market: MARKET.source,
  markets: MARKET.source,
  isrc: ISRC.source.replace('\\d', '[0-9]'),
  period: PERIOD.source.replace('\\d', '[0-9]'),
  currency: CURRENCY.source,
};
const CROSS_RULES: Record<EventTypeName, string> = {
  playback:
    'Also checked: an ENDED playback has an end_reason and no other phase has one; playback_id is a UUID; event_time at most 24 h in the future.',
  skip: 'Also checked: event_time at most 24 h in the future.',
  follow: 'Also checked: a user cannot follow themselves; event_time at most 24 h in the future.',
  'listener-settings':
    'Also checked: private_session_until is after event_time; event_time at most 24 h in the future.',
  'track-upload':
    'Also checked: share_bps of rights_holders sum to exactly 10000, each 1 to 10000, no rights holder twice; duration_ms > 0.',
  'playlist-edit':
    "Also checked: each op carries exactly its own fields (name: CREATE, RENAME; public: CREATE, SET_VISIBILITY; track_id: ADD_TRACK; item_id: REMOVE_TRACK, MOVE_TRACK; after_position_id, may be null: ADD_TRACK, MOVE_TRACK; collaborator_id: ADD_COLLABORATOR, REMOVE_COLLABORATOR), the others null; a CREATE's playlist_id is its own event_id; a name is not blank; after_position_id is not the edit's own event_id; no one adds themselves as a collaborator; event_time at most 24 h in the future.",
  'revenue-report': 'Also checked: minor_unit 0 to 4; pool_minor and premium_listeners >= 0.',
};

function schemaOf(t: AvroType, field: string, named: Map<string, Json>): Json {
  if (Array.isArray(t)) {
    const alts = t.map((x) => schemaOf(x, field, named));
    return { oneOf: alts };
  }
  if (typeof t === 'string') {
    if (named.has(t)) return named.get(t)!;
    switch (t) {
      case 'null':
        return { type: 'null' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int':
        return { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
      case 'long':
        return {
          type: 'integer',
          minimum: Number.MIN_SAFE_INTEGER,
          maximum: Number.MAX_SAFE_INTEGER,
        };
      case 'float':
      case 'double':
        return { type: 'number' };
      case 'string': {
        const s: Json = { type: 'string', maxLength: STRING_CAPS[field] ?? DEFAULT_STRING_CAP };
        if (PATTERNS[field]) s.pattern = PATTERNS[field];
        return s;
      }
      default:
        throw new BackbeatError(
          'AVRO_TYPE_UNSUPPORTED',
          `event JSON schema: unsupported Avro type ${t}`,
        );
    }
  }
  const o = t as Json;
  if (o.logicalType === 'uuid') return { type: 'string', pattern: UUID, maxLength: 36 };
  if (o.logicalType === 'timestamp-millis')
    return {
      type: 'integer',
      minimum: field === 'event_time' ? EARLIEST : 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'ms since the epoch',
    };
  if (o.type === 'enum') {
    const s = { type: 'string', enum: o.symbols };
    named.set(String(o.name), s);
    return s;
  }
  if (o.type === 'array')
    return {
      type: 'array',
      maxItems: ARRAY_CAPS[field] ?? DEFAULT_ARRAY_CAP,
      items: schemaOf(o.items as AvroType, field, named),
    };
  if (o.type === 'record') {
    const s = recordSchema(o, named);
    named.set(String(o.name), s);
    return s;
  }
  return schemaOf(o.type as AvroType, field, named);
}

function recordSchema(record: Json, named: Map<string, Json>): Json {
  const fields = record.fields as {
    name: string;
    type: AvroType;
    doc?: string;
    default?: unknown;
  }[];
  const properties: Json = {};
  const required: string[] = [];
  for (const f of fields) {
    if (f.name === 'received_time') {
      // The gateway stamps it: whatever a client sends there is replaced, never refused.
      properties[f.name] = {
        readOnly: true,
        description: `${f.doc ?? ''} Set by the gateway; a value sent is replaced.`.trim(),
      };
      continue;
    }
    const s = schemaOf(f.type, f.name, named);
    properties[f.name] = f.doc ? { ...s, description: f.doc } : s;
    if (!('default' in f) && f.name !== 'received_time') required.push(f.name);
  }
  return { type: 'object', additionalProperties: false, required, properties };
}

/** `<RecordName>` -> JSON Schema of the event's fields, for every event type. */
export function eventJsonSchemas(catalogue: EventCatalogue): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const spec of Object.values(catalogue) as EventTypeSpec[]) {
    const schema = recordSchema(spec.schema, new Map());
    const doc = typeof spec.schema.doc === 'string' ? `${spec.schema.doc} ` : '';
    out[String(spec.schema.name)] = {
      ...schema,
      description:
        `${doc}received_time is set by the gateway (a value sent is replaced). ${CROSS_RULES[spec.name]}`.trim(),
    };
  }
  return out;
}
