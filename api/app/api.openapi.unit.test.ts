import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { catalogueOpenApi } from '../routes/catalogue/catalogue.route.js';
import { chartsOpenApi } from '../routes/charts/charts.route.js';
import { sqlOpenApi } from '../routes/sql/sql.route.js';
import { tracksOpenApi } from '../routes/tracks/tracks.route.js';
import { userStateOpenApi } from '../routes/user-state/user-state.route.js';
import { buildApiOpenApi, danglingRefs, type OpenApiFragment } from './api.openapi.js';

const fragments = {
  userState: userStateOpenApi,
  tracks: tracksOpenApi,
  charts: chartsOpenApi,
  catalogue: catalogueOpenApi,
  sql: sqlOpenApi,
} as Record<string, OpenApiFragment>;
const build = (f: Record<string, OpenApiFragment> = fragments) =>
  buildApiOpenApi(f, { serverUrl: 'http://127.0.0.1:8080' });
type Op = { security?: unknown[]; responses: Record<string, unknown> };
const ops = (doc: ReturnType<typeof build>) =>
  Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item as Record<string, Op>).map(([m, op]) => ({ path: p, method: m, op })),
  );

describe('merged OpenAPI document', () => {
  it('given every feature fragment, when merged, then one 3.1 document with every route and no dangling $ref', () => {
    const doc = build();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:8080', description: 'This API' }]);
    for (const f of Object.values(fragments))
      for (const p of Object.keys(f.paths)) assert.ok(p in doc.paths, p);
    for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      assert.ok(p in doc.paths, p);
    assert.deepEqual(danglingRefs(doc), []);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
      'analystToken',
      'labelToken',
      'operatorToken',
      'userToken',
    ]);
  });

  it('given the merged document, when its schemas are compiled with ajv, then every one compiles', () => {
    const doc = build();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'api', components: doc.components }, 'api');
    for (const name of Object.keys(doc.components.schemas))
      assert.ok(ajv.getSchema(`api#/components/schemas/${name}`), name);
  });

  it('given token-guarded paths, when merged, then they carry their scheme and 401/403 answers', () => {
    for (const { path, op } of ops(build())) {
      if (path.startsWith('/v1/me')) {
        assert.deepEqual(op.security, [{ userToken: [] }], path);
        assert.ok(op.responses['401'] && op.responses['403'], path);
      }
      if (path === '/v1/sql') assert.deepEqual(op.security, [{ analystToken: [] }]);
      if (path.startsWith('/v1/label/')) assert.deepEqual(op.security, [{ labelToken: [] }], path);
      if (path.startsWith('/v1/operator/'))
        assert.deepEqual(op.security, [{ operatorToken: [] }], path);
      if (path.startsWith('/v1/')) assert.ok(op.responses['500'] && op.responses['503'], path);
    }
  });

  it('given two fragments with the same path and method, when merged, then it throws naming them', () => {
    assert.throws(
      () =>
        build({ a: { paths: { '/v1/x': { get: {} } } }, b: { paths: { '/v1/x': { get: {} } } } }),
      /GET \/v1\/x is defined twice \(b\)/,
    );
  });

  it('given one schema name with two definitions, when merged, then it throws; identical copies merge', () => {
    const frag = (type: string): OpenApiFragment => ({
      paths: {},
      components: { schemas: { Thing: { type } } },
    });
    assert.throws(
      () => build({ a: frag('string'), b: frag('integer') }),
      /schemas\/Thing differs between a and b/,
    );
    assert.doesNotThrow(() => build({ a: frag('string'), b: frag('string') }));
  });

  it('given a fragment referencing a schema nobody defines, when merged, then it throws', () => {
    const f: OpenApiFragment = {
      paths: {
        '/v1/y': {
          get: {
            responses: {
              '200': {
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } },
              },
            },
          },
        },
      },
    };
    assert.throws(() => build({ f }), /unresolved \$ref #\/components\/schemas\/Nope/);
  });
});
