import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContractChecker, type OpenApiDoc } from '../../test/helpers/contract.helper.js';

const doc: OpenApiDoc = {
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '304': {},
          '404': {
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        },
      },
    },
    '/v1/things/special': {
      get: { responses: { '200': { content: { 'text/csv': { schema: { type: 'string' } } } } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'at'],
        properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
      },
      Problem: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
    },
  },
};
const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': `${type}; charset=utf-8` },
  });

describe('contract checker', () => {
  const c = createContractChecker(doc);

  it('given a body matching its schema, when checked, then it passes with the template', async () => {
    const r = await c.check(
      'GET',
      '/v1/things/a1',
      json(200, { id: 'a1', at: '2026-11-24T12:00:00Z' }),
    );
    assert.equal(r.template, '/v1/things/{id}');
  });

  it('given a literal path segment, when matched, then the literal template wins over the parameter', async () => {
    const r = await c.check(
      'GET',
      '/v1/things/special',
      new Response('a,b\n', { headers: { 'content-type': 'text/csv' } }),
    );
    assert.equal(r.template, '/v1/things/special');
  });

  it('given an extra property, a missing one or a bad format, when checked, then it fails naming the schema error', async () => {
    await assert.rejects(
      c.check('GET', '/v1/things/a', json(200, { id: 'a', at: '2026-11-24T12:00:00Z', x: 1 })),
      /additional properties/,
    );
    await assert.rejects(
      c.check('GET', '/v1/things/a', json(200, { id: 'a' })),
      /must have required property 'at'/,
    );
    await assert.rejects(
      c.check('GET', '/v1/things/a', json(200, { id: 'a', at: 'yesterday' })),
      /must match format "date-time"/,
    );
  });

  it('given an undocumented status, when checked, then it fails', async () => {
    await assert.rejects(
      c.check('GET', '/v1/things/a', json(500, { code: 'internal' }, 'application/problem+json')),
      /undocumented status 500/,
    );
  });

  it('given an undocumented content type, when checked, then it fails', async () => {
    await assert.rejects(
      c.check('GET', '/v1/things/a', json(404, { code: 'x' })),
      /content type application\/json not among application\/problem\+json/,
    );
  });

  it('given a body on a bodiless response or an unknown path or method, when checked, then it fails', async () => {
    // (fetch never builds a 304 with a body; a hand-made answer stands in for a broken server)
    const notModifiedWithBody = {
      status: 304,
      headers: new Headers(),
      text: async () => 'x',
    } as unknown as Response;
    await assert.rejects(
      c.check('GET', '/v1/things/a', notModifiedWithBody),
      /documented without a body/,
    );
    await assert.rejects(c.check('GET', '/v2/other', json(200, {})), /matches no documented path/);
    await assert.rejects(
      c.check('DELETE', '/v1/things/a', json(200, {})),
      /DELETE \/v1\/things\/\{id\} is not documented/,
    );
  });
});
