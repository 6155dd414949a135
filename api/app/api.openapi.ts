import { isDeepStrictEqual } from 'node:util';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { PROBLEM_SCHEMA, problemResponse as problem } from '../../common/http/problem.openapi.js';

/** What a feature route contributes: its paths and the component schemas they reference. */
export interface OpenApiFragment {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> } & Record<string, unknown>;
}

type Operation = {
  security?: unknown[];
  responses?: Record<string, unknown>;
  tags?: string[];
  [k: string]: unknown;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Paths behind a token, and the security scheme that guards them (mounted by the skeleton). */
export const PROTECTED_PREFIXES = [
  { prefix: '/v1/me', scheme: 'userToken', role: 'user' },
  { prefix: '/v1/sql', scheme: 'analystToken', role: 'analyst' },
  { prefix: '/v1/label', scheme: 'labelToken', role: 'label' },
  { prefix: '/v1/operator', scheme: 'operatorToken', role: 'operator' },
] as const;

const bearer = (description: string) => ({
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'backbeat-hmac',
  description,
});

const opsPaths = {
  '/healthz': {
    get: {
      summary: 'Liveness: the process is up',
      tags: ['ops'],
      responses: {
        '200': {
          description: 'alive',
          content: { 'application/json': { schema: ref('Health') } },
        },
      },
    },
  },
  '/readyz': {
    get: {
      summary: 'Readiness: Redis and ClickHouse answer',
      tags: ['ops'],
      responses: {
        '200': {
          description: 'ready',
          content: { 'application/json': { schema: ref('Readiness') } },
        },
        '503': {
          description: 'a dependency does not answer',
          content: { 'application/json': { schema: ref('Readiness') } },
        },
      },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (text exposition format)',
      tags: ['ops'],
      responses: {
        '200': {
          description: 'metrics',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/openapi.json': {
    get: {
      summary: 'This document',
      tags: ['ops'],
      responses: {
        '200': {
          description: 'OpenAPI 3.1',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  },
};

const opsSchemas = {
  Health: {
    type: 'object',
    required: ['status', 'uptime_s'],
    properties: { status: { const: 'ok' }, uptime_s: { type: 'integer', minimum: 0 } },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { enum: ['ready', 'not ready'] },
      checks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'ok'],
          properties: {
            name: { type: 'string' },
            ok: { type: 'boolean' },
            error: { type: 'string' },
          },
        },
      },
    },
  },
};

/**
 * Merges the feature fragments into the API's one OpenAPI 3.1 document. Cross-cutting answers
 * that the skeleton produces are added where a fragment leaves them out: 401 and 403 on
 * token-guarded paths (with their security scheme), 500 and 503 on every /v1 operation. The same
 * path and method in two fragments, or one schema name with two definitions, is an error.
 */
export function buildApiOpenApi(
  fragments: Record<string, OpenApiFragment>,
  opts: { serverUrl: string; version?: string },
) {
  const paths: Record<string, Record<string, unknown>> = structuredClone(opsPaths);
  // The skeleton owns the problem schema (common/http); a fragment's own copy is ignored.
  const schemas: Record<string, unknown> = { Problem: PROBLEM_SCHEMA, ...opsSchemas };
  const owners = new Map<string, string>(Object.keys(schemas).map((k) => [k, 'api']));
  const otherComponents: Record<string, Record<string, unknown>> = {};

  for (const [feature, fragment] of Object.entries(fragments)) {
    for (const [p, item] of Object.entries(fragment.paths)) {
      const target = (paths[p] ??= {});
      for (const [method, op] of Object.entries(structuredClone(item))) {
        if (method in target)
          throw new InternalError(
            `OpenAPI: ${method.toUpperCase()} ${p} is defined twice (${feature})`,
          );
        target[method] = METHODS.includes(method) ? withCrossCutting(p, op as Operation) : op;
      }
    }
    for (const [kind, entries] of Object.entries(fragment.components ?? {})) {
      for (const [name, def] of Object.entries(entries as Record<string, unknown>)) {
        const bucket = kind === 'schemas' ? schemas : (otherComponents[kind] ??= {});
        const key = `${kind}/${name}`;
        if (kind === 'schemas' && name === 'Problem') continue;
        if (name in bucket && !isDeepStrictEqual(bucket[name], def))
          throw new InternalError(
            `OpenAPI: components/${key} differs between ${owners.get(key) ?? 'api'} and ${feature}`,
          );
        bucket[name] = structuredClone(def);
        if (!owners.has(key)) owners.set(key, feature);
      }
    }
  }

  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'Backbeat read API',
      version: opts.version ?? '1.0.0',
      description:
        'Reads of the projections Backbeat materialises from its event streams: public track, chart ' +
        "and catalogue reads (no token, cacheable), a listener's own state under /v1/me (user token: " +
        'the user comes from the token, never from the URL), read-only SQL for analysts ' +
        "(analyst token), a record label's royalty reports under /v1/label (label token: the label " +
        'comes from the token) and closing royalty statements under /v1/operator (operator token). ' +
        'Tokens are minted with `npm run token`. Every error is application/problem+json.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: opts.serverUrl, description: 'This API' }],
    security: [],
    tags: [
      { name: 'me', description: "The listener's own state (user token)" },
      { name: 'tracks', description: 'Public track reads' },
      { name: 'charts', description: 'Public live charts' },
      { name: 'catalogue', description: 'Public catalogue reads' },
      {
        name: 'recs',
        description:
          'Recommendations from the co-listening matrix: similar tracks, fans also like (public), the daily mix (user token)',
      },
      {
        name: 'playlists',
        description:
          'Collaborative playlists: public ones readable by anyone, private ones by their owner and collaborators (404 for anyone else)',
      },
      { name: 'sql', description: 'Read-only SQL for analysts (analyst token)' },
      {
        name: 'label',
        description:
          "A record label's royalty reports (label token: the label comes from the token, never from the URL)",
      },
      { name: 'operator', description: 'Closing and auditing royalty statements (operator token)' },
      { name: 'ops', description: 'Health, readiness, metrics' },
    ],
    paths,
    components: {
      ...otherComponents,
      securitySchemes: {
        userToken: bearer('A listener token (role user): `npm run token -- --user <id>`.'),
        analystToken: bearer(
          'An analyst token (role analyst): `npm run token -- --analyst <name>`.',
        ),
        labelToken: bearer(
          'A record label token (role label): `npm run token -- --label <label id>`; the label comes from the token.',
        ),
        operatorToken: bearer(
          'An operator token (role operator): `npm run token -- --operator <name>`.',
        ),
      },
      schemas,
    },
  };
  const dangling = danglingRefs(doc);
  if (dangling.length) throw new InternalError(`OpenAPI: unresolved $ref ${dangling.join(', ')}`);
  return doc;
}

function withCrossCutting(path: string, op: Operation): Operation {
  const guard = PROTECTED_PREFIXES.find(
    (g) => path === g.prefix || path.startsWith(`${g.prefix}/`),
  );
  const responses = { ...(op.responses ?? {}) };
  if (guard) {
    op.security ??= [{ [guard.scheme]: [] }];
    responses['401'] ??= problem('Missing, invalid or expired token (WWW-Authenticate: Bearer)');
    responses['403'] ??= problem(`The token is not a ${guard.role} token`);
  }
  if (path.startsWith('/v1/')) {
    responses['500'] ??= problem('Internal error (no details are exposed)');
    responses['503'] ??= problem('A store is unavailable; retry after Retry-After seconds');
  }
  return { ...op, responses };
}

/** Every local `$ref` that points at nothing. */
export function danglingRefs(doc: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') {
          if (!resolvePointer(doc, x)) out.add(x);
        } else walk(x);
      }
    }
  };
  walk(doc);
  return [...out];
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object' || !(key in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
