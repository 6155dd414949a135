/**
 * What the registry does, independent of HTTP: Confluent Schema Registry's semantics for
 * subjects, versions, ids, compatibility levels and (soft, then permanent) deletes. Reads come
 * from the store's state; writes are decided one at a time (a queue) against the state and
 * appended to the store, which applies them once they are read back from the log.
 */
import { checkCompatibility, parseCompatibilityLevel } from './avro-compatibility.js';
import { InvalidSchemaError, errors } from './registry.errors.js';
import { type RegisterBody, parseVersion, validateSubject } from './registry.requests.js';
import {
  type SchemaReference,
  type SchemaStore,
  type SchemaValue,
  type StoreRecord,
  identityKey,
} from './registry.state.js';

export function createRegistryOperations(_config: object, deps: { store: SchemaStore }) {
  const { store } = deps;
  const state = () => store.state;
  let queue: Promise<unknown> = Promise.resolve();
  /** Writes are decided and appended one at a time, so each decision sees the last write. */
  function serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves `-1` reference versions to the latest live version. */
  function resolveReferences(refs: readonly SchemaReference[]): SchemaReference[] {
    return refs.map((r) => {
      if (r.version !== -1) return r;
      const latest = state().versions(r.subject).at(-1);
      if (!latest)
        throw new InvalidSchemaError(
          `Invalid schema: reference '${r.name}' names subject '${r.subject}', which has no versions`,
        );
      return { ...r, version: latest.version };
    });
  }

  function parseBody(body: RegisterBody) {
    const references = resolveReferences(body.references);
    const parsed = state().parse(body.schema, references);
    return { parsed, references, key: identityKey(parsed.identity, references) };
  }

  const view = (v: SchemaValue) => ({
    subject: v.subject,
    version: v.version,
    id: v.id,
    schema: v.schema,
    ...(v.references?.length ? { references: v.references } : {}),
  });

  function findVersion(subject: string, version: string, deleted: boolean): SchemaValue {
    const wanted = parseVersion(version);
    const versions = state().versions(subject, { deleted });
    if (!versions.length) throw errors.subjectNotFound(subject);
    const found =
      wanted === 'latest' ? versions.at(-1) : versions.find((v) => v.version === wanted);
    if (!found) throw errors.versionNotFound(subject, version);
    return found;
  }

  function incompatibleMessage(subject: string, messages: string[]): string {
    return `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`;
  }

  function verdictFor(
    subject: string,
    parsedType: Parameters<typeof checkCompatibility>[1],
    previous: SchemaValue[],
  ) {
    return checkCompatibility(
      state().effectiveLevel(subject),
      parsedType,
      previous.map((v) => ({ type: state().typeOfId(v.id), version: v.version, schema: v.schema })),
    );
  }

  function schemaOfId(idText: string) {
    const id = /^\d{1,10}$/.test(idText) ? Number(idText) : NaN;
    const found = Number.isSafeInteger(id) ? state().schemaById(id) : undefined;
    if (!found) throw errors.schemaNotFound(`Schema ${idText} not found`);
    return found;
  }

  const watermark = (): StoreRecord => ({
    kind: 'ID_WATERMARK',
    value: { maxId: state().highestIdEver() },
  });

  return {
    register(subject: string, body: RegisterBody): Promise<{ id: number }> {
      validateSubject(subject);
      return serially(async () => {
        const { parsed, references, key } = parseBody(body);
        const all = state().versions(subject, { deleted: true });
        const live = all.filter((v) => !v.deleted);
        const knownId = state().idForIdentity(key);
        const existing = live.find((v) => v.id === knownId);
        if (existing) return { id: existing.id };
        const verdict = verdictFor(subject, parsed.type, live);
        if (!verdict.compatible)
          throw errors.incompatible(incompatibleMessage(subject, verdict.messages));
        const id = knownId ?? state().nextId();
        const version = (all.at(-1)?.version ?? 0) + 1;
        const schema = knownId !== undefined ? state().schemaById(knownId)!.schema : parsed.schema;
        const value: SchemaValue = {
          subject,
          version,
          id,
          schema,
          deleted: false,
          ...(references.length ? { references } : {}),
        };
        await store.append([{ kind: 'SCHEMA', subject, version, value }]);
        return { id };
      });
    },

    lookup(subject: string, body: RegisterBody, deleted: boolean) {
      validateSubject(subject);
      const versions = state().versions(subject, { deleted });
      if (!versions.length) throw errors.subjectNotFound(subject);
      const { key } = parseBody(body);
      const id = state().idForIdentity(key);
      const match = versions.filter((v) => v.id === id).at(-1);
      if (!match) throw errors.schemaNotFound('Schema not found');
      return view(match);
    },

    subjects: (deleted: boolean) => state().subjectNames({ deleted }),

    versions(subject: string, deleted: boolean): number[] {
      validateSubject(subject);
      const versions = state().versions(subject, { deleted });
      if (!versions.length) throw errors.subjectNotFound(subject);
      return versions.map((v) => v.version);
    },

    version(subject: string, version: string, deleted: boolean) {
      validateSubject(subject);
      return view(findVersion(subject, version, deleted));
    },

    schemaById(idText: string) {
      const found = schemaOfId(idText);
      return {
        schema: found.schema,
        ...(found.references.length ? { references: found.references } : {}),
      };
    },

    usesOfId(idText: string, deleted: boolean) {
      schemaOfId(idText);
      return state().usesOfId(Number(idText), { deleted });
    },

    testCompatibility(subject: string, version: string | undefined, body: RegisterBody) {
      validateSubject(subject);
      const wanted = version === undefined ? undefined : parseVersion(version);
      const live = state().versions(subject);
      let previous = live;
      if (typeof wanted === 'number') {
        if (!live.length) throw errors.subjectNotFound(subject);
        const v = live.find((x) => x.version === wanted);
        if (!v) throw errors.versionNotFound(subject, wanted);
        previous = [v];
      }
      const { parsed } = parseBody(body);
      const verdict = verdictFor(subject, parsed.type, previous);
      return { is_compatible: verdict.compatible, messages: verdict.messages };
    },

    getConfig(subject: string | undefined, defaultToGlobal: boolean) {
      if (subject === undefined) return { compatibilityLevel: state().globalLevelOrDefault() };
      validateSubject(subject);
      const level =
        state().subjectLevel(subject) ??
        (defaultToGlobal ? state().globalLevelOrDefault() : undefined);
      if (!level) throw errors.subjectConfigNotFound(subject);
      return { compatibilityLevel: level };
    },

    setConfig(subject: string | undefined, body: unknown): Promise<{ compatibility: string }> {
      if (subject !== undefined) validateSubject(subject);
      const given =
        body && typeof body === 'object'
          ? (body as Record<string, unknown>).compatibility
          : undefined;
      const level = parseCompatibilityLevel(given);
      if (!level) throw errors.invalidCompatibilityLevel(given);
      return serially(async () => {
        await store.append([
          { kind: 'CONFIG', subject: subject ?? null, value: { compatibilityLevel: level } },
        ]);
        return { compatibility: level };
      });
    },

    deleteConfig(subject: string | undefined): Promise<{ compatibilityLevel: string }> {
      if (subject !== undefined) validateSubject(subject);
      return serially(async () => {
        const before =
          subject === undefined ? state().globalLevelOrDefault() : state().subjectLevel(subject);
        if (!before) throw errors.subjectConfigNotFound(subject!);
        await store.append([{ kind: 'CONFIG', subject: subject ?? null, value: null }]);
        return { compatibilityLevel: before };
      });
    },

    deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
      validateSubject(subject);
      return serially(async () => {
        const all = state().versions(subject, { deleted: true });
        if (!all.length) throw errors.subjectNotFound(subject);
        const live = all.filter((v) => !v.deleted);
        const referenced = (vs: SchemaValue[]) =>
          vs.find((v) =>
            state()
              .referrers(subject, v.version)
              .some((r) => r.subject !== subject && (permanent || !r.deleted)),
          );
        if (!permanent) {
          if (!live.length) throw errors.subjectSoftDeleted(subject);
          const ref = referenced(live);
          if (ref) throw errors.referenceExists(subject, ref.version);
          await store.append([
            { kind: 'DELETE_SUBJECT', subject, value: { subject, version: live.at(-1)!.version } },
          ]);
          return live.map((v) => v.version);
        }
        if (live.length) throw errors.subjectNotSoftDeleted(subject);
        const ref = referenced(all);
        if (ref) throw errors.referenceExists(subject, ref.version);
        await store.append([
          watermark(),
          ...all.map((v): StoreRecord => ({
            kind: 'SCHEMA',
            subject,
            version: v.version,
            value: null,
          })),
          { kind: 'DELETE_SUBJECT', subject, value: null },
          { kind: 'CONFIG', subject, value: null },
        ]);
        return all.map((v) => v.version);
      });
    },

    deleteVersion(subject: string, version: string, permanent: boolean): Promise<number> {
      validateSubject(subject);
      const wanted = parseVersion(version);
      return serially(async () => {
        const all = state().versions(subject, { deleted: true });
        const live = all.filter((x) => !x.deleted);
        if (!(permanent ? all : live).length) throw errors.subjectNotFound(subject);
        const v =
          wanted === 'latest'
            ? (permanent ? all : live).at(-1)!
            : all.find((x) => x.version === wanted);
        if (!v) throw errors.versionNotFound(subject, version);
        const referrers = state()
          .referrers(subject, v.version)
          .filter((r) => permanent || !r.deleted);
        if (referrers.length) throw errors.referenceExists(subject, v.version);
        if (!permanent) {
          if (v.deleted) throw errors.versionSoftDeleted(subject, v.version);
          await store.append([
            { kind: 'SCHEMA', subject, version: v.version, value: { ...v, deleted: true } },
          ]);
        } else {
          if (!v.deleted) throw errors.versionNotSoftDeleted(subject, v.version);
          await store.append([
            watermark(),
            { kind: 'SCHEMA', subject, version: v.version, value: null },
          ]);
        }
        return v.version;
      });
    },
  };
}

export type RegistryOperations = ReturnType<typeof createRegistryOperations>;
