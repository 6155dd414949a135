/**
 * A thin client of any Confluent-compatible schema registry (Backbeat's own or Confluent's),
 * for Backbeat's code. Ids are immutable, so id -> schema and (subject, schema) -> id are
 * cached in memory for the life of the client (concurrent calls share one request).
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { basicHeader, type RegistryCredentials } from './registry-credentials.js';

/** What Backbeat's Avro codec needs from a registry. */
export interface SchemaRegistryClient {
  register(subject: string, schema: object | string): Promise<number>;
  getSchemaById(id: number): Promise<string>;
}

export interface RegisteredSchema {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

export interface RegistryClient extends SchemaRegistryClient {
  getLatest(subject: string): Promise<RegisteredSchema>;
  checkCompatibility(
    subject: string,
    schema: object | string,
    version?: number | 'latest',
  ): Promise<{ isCompatible: boolean; messages: string[] }>;
}

/** The registry answered with an error (`status`, Confluent `errorCode`) or could not be reached. */
export class RegistryClientError extends BackbeatError {
  readonly status: number | undefined;
  readonly errorCode: number | undefined;
  constructor(message: string, opts: { status?: number; errorCode?: number; cause?: unknown }) {
    const retriable = opts.status === undefined || opts.status >= 500;
    super('REGISTRY_CLIENT_ERROR', message, { retriable, cause: opts.cause });
    this.status = opts.status;
    this.errorCode = opts.errorCode;
  }
}

export interface RegistryClientConfig {
  /** Base URL, e.g. config.registry.url. */
  url: string;
  timeoutMs?: number;
  /** Basic-auth credential sent with every call (the registry needs it for writes). */
  writeAuth?: RegistryCredentials;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export function createRegistryClient(
  config: RegistryClientConfig,
  deps: { fetch?: typeof fetch } = {},
): RegistryClient {
  const base = config.url.replace(/\/+$/, '');
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = config.timeoutMs ?? 10_000;
  const auth = config.writeAuth ? basicHeader(config.writeAuth) : undefined;
  const ids = new Map<string, Promise<number>>();
  const schemas = new Map<number, Promise<string>>();

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          accept: `${CONTENT_TYPE}, application/json`,
          ...(auth ? { authorization: auth } : {}),
          ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new RegistryClientError(
        `schema registry ${base} unreachable (${method} ${path}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json ?? {}) as { error_code?: number; message?: string };
      throw new RegistryClientError(
        `schema registry ${method} ${path} answered ${res.status}: ${e.message ?? text}`,
        { status: res.status, errorCode: e.error_code },
      );
    }
    return json as T;
  }

  /** Caches a promise; a failed one is dropped so the next call asks again. */
  function cached<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let p = map.get(key);
    if (!p) {
      p = load();
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return p;
  }

  const text = (schema: object | string) =>
    typeof schema === 'string' ? schema : JSON.stringify(schema);
  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  return {
    register(subject, schema) {
      const s = text(schema);
      return cached(ids, `${subject}\u0000${s}`, async () => {
        const { id } = await call<{ id: number }>('POST', `${subjectPath(subject)}/versions`, {
          schema: s,
        });
        // The text just registered is the schema of that id (identical up to formatting and doc).
        if (!schemas.has(id)) schemas.set(id, Promise.resolve(s));
        return id;
      });
    },

    getSchemaById(id) {
      return cached(schemas, id, async () => {
        const { schema } = await call<{ schema: string }>('GET', `/schemas/ids/${id}`);
        return schema;
      });
    },

    async getLatest(subject) {
      const latest = await call<RegisteredSchema>('GET', `${subjectPath(subject)}/versions/latest`);
      schemas.set(latest.id, Promise.resolve(latest.schema));
      return latest;
    },

    async checkCompatibility(subject, schema, version = 'latest') {
      const r = await call<{ is_compatible: boolean; messages?: string[] }>(
        'POST',
        `/compatibility${subjectPath(subject)}/versions/${version}?verbose=true`,
        { schema: text(schema) },
      );
      return { isCompatible: r.is_compatible, messages: r.messages ?? [] };
    },
  };
}
