import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import { listen } from '../../common/http/http-server.js';
import { catalogueProjection } from '../../processors/catalogue/catalogue.projection.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { playCountsProjection } from '../../processors/play-counts/play-counts.projection.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { redisHarness } from './redis-harness.helper.js';

/** Test helpers for the public read routes: real projections in Redis, a bare app, contracts. */

/** Catalogue and play-counts projections under unique names, with readers on them. */
export function projections(redis: Redis) {
  const catalogue = redisHarness(redis, catalogueProjection);
  const counts = redisHarness(redis, playCountsProjection);
  const catalogueReader = createCatalogueReader({ redis, name: catalogue.name });
  const playCountsReader = createPlayCountsReader({
    redis,
    name: counts.name,
    catalogue: catalogueReader,
  });
  return {
    catalogue,
    counts,
    deps: { catalogue: catalogueReader, playCounts: playCountsReader },
    async drop() {
      await catalogue.drop();
      await counts.drop();
    },
  };
}

/** A bare express app with one router on an ephemeral port. */
export async function serve(router: Router) {
  const app = express();
  app.use(router);
  const server = await listen(app, 0, '127.0.0.1');
  return { base: `http://127.0.0.1:${server.port}`, close: server.close };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  const json =
    /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, body: json, text };
}

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
let docs = 0;

/**
 * Checks answers against an OpenAPI fragment: the status must be documented for the path and
 * the body must match its schema (content type included).
 */
export function contract(fragment: { paths: object; components: object }) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const id = `openapi-${++docs}`;
  ajv.addSchema({ $id: id, ...fragment });
  const pointer = (parts: string[]) =>
    parts.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

  return function check(path: string, a: Answer): void {
    const op = (fragment.paths as Record<string, { get: { responses: Record<string, unknown> } }>)[
      path
    ];
    assert.ok(op, `path ${path} is documented`);
    const response = op.get.responses[String(a.status)] as { content?: Record<string, unknown> };
    assert.ok(response, `${path} documents status ${a.status}`);
    if (!response.content) {
      assert.equal(a.text, '', `${a.status} has no body`);
      return;
    }
    const type = (a.headers.get('content-type') ?? '').split(';')[0]!;
    assert.ok(type in response.content, `${path} ${a.status} documents ${type}`);
    const validate = ajv.getSchema(
      `${id}#/${pointer(['paths', path, 'get', 'responses', String(a.status), 'content', type, 'schema'])}`,
    )!;
    assert.ok(validate(a.body), `${path} ${a.status}: ${ajv.errorsText(validate.errors)}`);
  };
}

/** Asserts a 400 problem naming the parameter. */
export function assertBadParam(a: Answer, parameter: string): void {
  assert.equal(a.status, 400, a.text);
  assert.equal(a.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  const body = a.body as { code: string; parameter: string; detail: string };
  assert.equal(body.code, 'invalid-parameter');
  assert.equal(body.parameter, parameter);
  assert.match(body.detail, new RegExp(`^${parameter}: `));
}
