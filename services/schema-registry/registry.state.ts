/**
 * The registry's state and the records it is rebuilt from. The Kafka topic is the source of
 * truth: state changes only by applying records in log order, so every instance that reads
 * the same log holds the same state. Record keys and values are JSON, shaped like Confluent's.
 */
import type avro from 'avsc';
import {
  type CompatibilityLevel,
  type ParsedAvroSchema,
  parseAvroSchema,
  parseCompatibilityLevel,
} from './avro-compatibility.js';
import { InvalidSchemaError } from './registry.errors.js';
import { InternalError } from '../../common/errors/backbeat.error.js';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
  deleted: boolean;
  references?: SchemaReference[];
}

export type StoreRecord =
  | { kind: 'SCHEMA'; subject: string; version: number; value: SchemaValue | null }
  | { kind: 'CONFIG'; subject: string | null; value: { compatibilityLevel: string } | null }
  | { kind: 'DELETE_SUBJECT'; subject: string; value: { subject: string; version: number } | null }
  | { kind: 'ID_WATERMARK'; value: { maxId: number } };

/** The topic's key and value bytes for a record; keys are deterministic for compaction. */
export function encodeRecord(r: StoreRecord): { key: string; value: string | null } {
  switch (r.kind) {
    case 'SCHEMA':
      return {
        key: JSON.stringify({
          keytype: 'SCHEMA',
          subject: r.subject,
          version: r.version,
          magic: 1,
        }),
        value: r.value && JSON.stringify(r.value),
      };
    case 'CONFIG':
      return {
        key: JSON.stringify({ keytype: 'CONFIG', subject: r.subject, magic: 0 }),
        value: r.value && JSON.stringify(r.value),
      };
    case 'DELETE_SUBJECT':
      return {
        key: JSON.stringify({ keytype: 'DELETE_SUBJECT', subject: r.subject, magic: 0 }),
        value: r.value && JSON.stringify(r.value),
      };
    case 'ID_WATERMARK':
      return {
        key: JSON.stringify({ keytype: 'ID_WATERMARK', magic: 0 }),
        value: JSON.stringify(r.value),
      };
  }
}

/** Parses a topic record; undefined for kinds this registry does not use (e.g. NOOP). */
export function decodeRecord(key: string, value: string | null): StoreRecord | undefined {
  const k = JSON.parse(key) as { keytype?: string; subject?: string | null; version?: number };
  const v = value === null ? null : JSON.parse(value);
  switch (k.keytype) {
    case 'SCHEMA':
      return { kind: 'SCHEMA', subject: String(k.subject), version: Number(k.version), value: v };
    case 'CONFIG':
      return { kind: 'CONFIG', subject: k.subject ?? null, value: v };
    case 'DELETE_SUBJECT':
      return { kind: 'DELETE_SUBJECT', subject: String(k.subject), value: v };
    case 'ID_WATERMARK':
      return v ? { kind: 'ID_WATERMARK', value: v } : undefined;
    default:
      return undefined;
  }
}

/** Where the registry's records go: appended to the log, applied once read back. */
export interface SchemaStore {
  readonly state: RegistryState;
  append(records: readonly StoreRecord[]): Promise<void>;
}

interface IdEntry {
  schema: string;
  references: SchemaReference[];
  identity: string | undefined;
  /** Versions (live or soft-deleted) that use this id; at zero the id is gone. */
  uses: number;
}

export const DEFAULT_LEVEL: CompatibilityLevel = 'BACKWARD';

export class RegistryState {
  private readonly subjects = new Map<string, Map<number, SchemaValue>>();
  private readonly configs = new Map<string, CompatibilityLevel>();
  private readonly ids = new Map<number, IdEntry>();
  private readonly identities = new Map<string, number>();
  private readonly types = new Map<number, avro.Type>();
  private globalLevel: CompatibilityLevel | undefined;
  /** Highest id ever handed out, including ids whose schemas were deleted for good. */
  private highestId = 0;

  apply(r: StoreRecord): void {
    switch (r.kind) {
      case 'SCHEMA':
        return r.value ? this.putVersion(r.value) : this.dropVersion(r.subject, r.version);
      case 'CONFIG': {
        const level = r.value ? parseCompatibilityLevel(r.value.compatibilityLevel) : undefined;
        if (r.subject === null) this.globalLevel = level;
        else if (level) this.configs.set(r.subject, level);
        else this.configs.delete(r.subject);
        return;
      }
      case 'DELETE_SUBJECT': {
        // Marks the versions present now; versions registered later are not touched.
        if (!r.value) return;
        for (const [v, value] of this.subjects.get(r.subject) ?? []) {
          if (v <= r.value.version)
            this.subjects.get(r.subject)!.set(v, { ...value, deleted: true });
        }
        return;
      }
      case 'ID_WATERMARK':
        this.highestId = Math.max(this.highestId, r.value.maxId);
        return;
    }
  }

  private putVersion(value: SchemaValue): void {
    const versions = this.subjects.get(value.subject) ?? new Map<number, SchemaValue>();
    this.subjects.set(value.subject, versions);
    const previous = versions.get(value.version);
    versions.set(value.version, value);
    if (previous?.id === value.id) return; // a rewrite, e.g. the soft-delete flag
    if (previous) this.release(previous.id);
    this.highestId = Math.max(this.highestId, value.id);
    const entry = this.ids.get(value.id);
    if (entry) {
      entry.uses += 1;
      return;
    }
    const references = value.references ?? [];
    let identity: string | undefined;
    try {
      identity = identityKey(this.parse(value.schema, references).identity, references);
    } catch {
      identity = undefined; // unreadable on replay: served by id, never matched by content
    }
    this.ids.set(value.id, { schema: value.schema, references, identity, uses: 1 });
    if (identity !== undefined && !this.identities.has(identity)) {
      this.identities.set(identity, value.id);
    }
  }

  private dropVersion(subject: string, version: number): void {
    const versions = this.subjects.get(subject);
    const value = versions?.get(version);
    if (!versions || !value) return;
    versions.delete(version);
    if (!versions.size) this.subjects.delete(subject);
    this.release(value.id);
  }

  private release(id: number): void {
    const entry = this.ids.get(id);
    if (!entry || --entry.uses > 0) return;
    this.ids.delete(id);
    this.types.delete(id);
    if (entry.identity !== undefined && this.identities.get(entry.identity) === id) {
      this.identities.delete(entry.identity);
    }
  }

  /** Parses a schema whose named types may come from referenced subject versions. */
  parse(schema: string, references: readonly SchemaReference[]): ParsedAvroSchema {
    const registry: Record<string, avro.Type> = {};
    const loaded = new Set<string>();
    const load = (refs: readonly SchemaReference[]) => {
      for (const ref of refs) {
        const key = `${ref.subject}\u0000${ref.version}`;
        if (loaded.has(key)) continue;
        loaded.add(key);
        const target = this.subjects.get(ref.subject)?.get(ref.version);
        if (!target) {
          throw new InvalidSchemaError(
            `Invalid schema: reference '${ref.name}' points to subject '${ref.subject}' version ${ref.version}, which does not exist`,
          );
        }
        load(target.references ?? []);
        parseAvroSchema(target.schema, registry);
      }
    };
    load(references);
    return parseAvroSchema(schema, registry);
  }

  /** The parsed type behind an id (cached: an id's schema never changes). */
  typeOfId(id: number): avro.Type {
    let type = this.types.get(id);
    if (!type) {
      const entry = this.ids.get(id);
      if (!entry) throw new InternalError(`schema id ${id} is not in the registry`);
      type = this.parse(entry.schema, entry.references).type;
      this.types.set(id, type);
    }
    return type;
  }

  subjectNames(opts: { deleted?: boolean } = {}): string[] {
    return [...this.subjects.keys()].filter((s) => this.versions(s, opts).length).sort();
  }

  /** A subject's versions, oldest first; soft-deleted ones only when asked for. */
  versions(subject: string, opts: { deleted?: boolean } = {}): SchemaValue[] {
    return [...(this.subjects.get(subject)?.values() ?? [])]
      .filter((v) => opts.deleted || !v.deleted)
      .sort((a, b) => a.version - b.version);
  }

  schemaById(id: number): { schema: string; references: SchemaReference[] } | undefined {
    const entry = this.ids.get(id);
    return entry && { schema: entry.schema, references: entry.references };
  }

  idForIdentity(identity: string): number | undefined {
    return this.identities.get(identity);
  }

  identityOfId(id: number): string | undefined {
    return this.ids.get(id)?.identity;
  }

  /** Every version, in any subject, that uses `id`. */
  usesOfId(id: number, opts: { deleted?: boolean } = {}): SchemaValue[] {
    const out: SchemaValue[] = [];
    for (const s of [...this.subjects.keys()].sort())
      for (const v of this.versions(s, opts)) if (v.id === id) out.push(v);
    return out;
  }

  /** Versions (live or soft-deleted, in other subjects or this one) whose references name it. */
  referrers(subject: string, version: number): SchemaValue[] {
    const out: SchemaValue[] = [];
    for (const versions of this.subjects.values())
      for (const v of versions.values())
        if ((v.references ?? []).some((r) => r.subject === subject && r.version === version))
          out.push(v);
    return out;
  }

  nextId(): number {
    return this.highestId + 1;
  }

  highestIdEver(): number {
    return this.highestId;
  }

  subjectLevel(subject: string): CompatibilityLevel | undefined {
    return this.configs.get(subject);
  }

  globalLevelOrDefault(): CompatibilityLevel {
    return this.globalLevel ?? DEFAULT_LEVEL;
  }

  effectiveLevel(subject: string): CompatibilityLevel {
    return this.configs.get(subject) ?? this.globalLevelOrDefault();
  }
}

/** Two registrations are the same schema when content and references are the same. */
export function identityKey(identity: string, references: readonly SchemaReference[]): string {
  if (!references.length) return identity;
  const refs = references.map((r) => [r.name, r.subject, r.version]);
  return `${identity}\u0000${JSON.stringify(refs)}`;
}
