import avro from 'avsc';
import type { EventCatalogue, EventTypeSpec } from '../catalogue/event-catalogue.js';
import type { EventTypeMap, EventTypeName } from '../generated/events.types.js';
import { EVENT_TYPE_NAMES } from '../generated/events.types.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/** What the codec needs from a Confluent-compatible registry (ours, or any other by URL). */
export interface SchemaRegistryClient {
  register(subject: string, schema: object | string): Promise<number>;
  getSchemaById(id: number): Promise<string>;
}

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export type Decoded<T = unknown> =
  | { ok: true; schemaId: number; value: T }
  | { ok: false; schemaId?: number; reason: string; retriable: boolean };

const UUID_ANY_CASE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The canonical text of a UUID: lower case, hyphenated (8-4-4-4-12), as ClickHouse's UUID type
 * prints it. Upper or mixed case, and the 32-digit form without hyphens, are the same id; any
 * other string is answered unchanged (it is not a UUID, and the rules that read it say so).
 */
export function canonicalUuid(s: string): string {
  if (!UUID_ANY_CASE.test(s)) return s;
  const h = s.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Top-level string fields of a record schema whose logical type is uuid (event_id, playback_id). */
export function uuidFieldNames(schema: object): string[] {
  const fields = (schema as { fields?: { name: string; type: unknown }[] }).fields ?? [];
  const isUuid = (t: unknown): boolean =>
    Array.isArray(t)
      ? t.some(isUuid)
      : typeof t === 'object' &&
        t !== null &&
        (t as { logicalType?: unknown }).logicalType === 'uuid';
  return fields.filter((f) => isUuid(f.type)).map((f) => f.name);
}

/**
 * Rewrites the uuid fields of a decoded event to their canonical text, so every projection
 * sees one id however a producer (ours, or a third party writing to Kafka directly) spelled it:
 * the idempotency key `event_id` then counts once in Redis as in ClickHouse.
 */
function canonicaliseUuids(event: Record<string, unknown>, fields: readonly string[]): void {
  for (const f of fields) {
    const v = event[f];
    if (typeof v === 'string') event[f] = canonicalUuid(v);
  }
}

/** Splits Confluent's wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
export function readHeader(buf: Buffer): { schemaId: number; body: Buffer } | { error: string } {
  if (buf.length < HEADER_BYTES)
    return { error: `message of ${buf.length} bytes is shorter than the 5-byte Confluent header` };
  if (buf[0] !== MAGIC_BYTE)
    return { error: `unknown magic byte ${buf[0]} (expected 0: Confluent wire format)` };
  return { schemaId: buf.readUInt32BE(1), body: buf.subarray(HEADER_BYTES) };
}

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = MAGIC_BYTE;
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/**
 * Registry-framed Avro for Backbeat's event types. `init()` registers each type's schema under
 * its subject (`<topic>-value`) and remembers the writer ids. `decode` reads any writer schema
 * the registry knows and resolves it into the current reader schema of the expected type, so
 * old and new producers can share a topic under BACKWARD compatibility.
 */
export function createAvroCodec(
  catalogue: EventCatalogue,
  deps: { registry: SchemaRegistryClient },
) {
  const writerIds = new Map<EventTypeName, number>();
  const writerTypes = new Map<number, Promise<avro.Type>>();
  const resolvers = new Map<string, avro.Resolver>();
  const uuidFields = new Map<EventTypeName, string[]>();
  const uuidFieldsOf = (name: EventTypeName): string[] => {
    let f = uuidFields.get(name);
    if (!f) {
      f = uuidFieldNames((catalogue[name] as EventTypeSpec).schema);
      uuidFields.set(name, f);
    }
    return f;
  };

  async function init(): Promise<void> {
    for (const name of EVENT_TYPE_NAMES) {
      const spec = catalogue[name] as EventTypeSpec;
      writerIds.set(name, await deps.registry.register(spec.subject, spec.schema));
    }
  }

  function schemaIdOf(name: EventTypeName): number {
    const id = writerIds.get(name);
    if (id === undefined)
      throw new BackbeatError('CODEC_NOT_READY', `codec.init() has not registered ${name}`);
    return id;
  }

  /** Encodes a validated event; throws BackbeatError('AVRO_INVALID') on a value the schema refuses. */
  function encode<N extends EventTypeName>(name: N, event: EventTypeMap[N]): Buffer {
    const spec = catalogue[name] as EventTypeSpec;
    try {
      return frame(schemaIdOf(name), spec.type.toBuffer(event));
    } catch (err) {
      if (err instanceof BackbeatError) throw err;
      throw new BackbeatError(
        'AVRO_INVALID',
        `${name} does not match its schema: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  function writerType(id: number): Promise<avro.Type> {
    let t = writerTypes.get(id);
    if (!t) {
      t = deps.registry.getSchemaById(id).then((s) => avro.Type.forSchema(JSON.parse(s)));
      t.catch(() => writerTypes.delete(id)); // do not cache a failed look-up
      writerTypes.set(id, t);
    }
    return t;
  }

  /** Decodes one message as the expected type. Outcomes are values, never exceptions. */
  async function decode<N extends EventTypeName>(
    name: N,
    buf: Buffer | null,
  ): Promise<Decoded<EventTypeMap[N]>> {
    if (!buf) return { ok: false, reason: 'empty message value (tombstone)', retriable: false };
    const h = readHeader(buf);
    if ('error' in h) return { ok: false, reason: h.error, retriable: false };
    let writer: avro.Type;
    try {
      writer = await writerType(h.schemaId);
    } catch (err) {
      // A registry that answers "no such schema" is final; one that cannot be reached is not.
      const e = err as Error & { retriable?: boolean; code?: string };
      const notFound =
        e.code === 'SCHEMA_NOT_FOUND' ||
        (e.retriable === undefined ? /40403|not found/i.test(e.message) : !e.retriable);
      return {
        ok: false,
        schemaId: h.schemaId,
        reason: `schema ${h.schemaId}: ${e.message}`,
        retriable: !notFound,
      };
    }
    const reader = (catalogue[name] as EventTypeSpec).type;
    const key = `${h.schemaId}:${name}`;
    let resolver = resolvers.get(key);
    try {
      if (!resolver) {
        resolver = reader.createResolver(writer);
        resolvers.set(key, resolver);
      }
      const value = reader.fromBuffer(h.body, resolver, false) as EventTypeMap[N];
      canonicaliseUuids(value as unknown as Record<string, unknown>, uuidFieldsOf(name));
      return { ok: true, schemaId: h.schemaId, value };
    } catch (err) {
      return {
        ok: false,
        schemaId: h.schemaId,
        reason: `cannot decode as ${name}: ${(err as Error).message}`,
        retriable: false,
      };
    }
  }

  return { init, encode, decode, schemaIdOf };
}

export type AvroCodec = ReturnType<typeof createAvroCodec>;
