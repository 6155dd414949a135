/**
 * The Confluent Schema Registry REST API (the subset real clients use) over the registry's
 * operations. Bodies are JSON in `application/vnd.schemaregistry.v1+json`,
 * `application/vnd.schemaregistry+json` or `application/json`; answers are
 * `application/vnd.schemaregistry.v1+json`; errors are `{error_code, message}`.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { errors } from './registry.errors.js';
import type { RegistryOperations } from './registry.operations.js';
import { queryFlag, readSchemaBody } from './registry.requests.js';

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const JSON_TYPES = new Set([
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
]);

/** Sends JSON (or a schema's own JSON text) with the registry's content type. */
export function send(res: Response, status: number, body: unknown, raw = false): void {
  res
    .status(status)
    .type(CONTENT_TYPE)
    .send(raw ? String(body) : JSON.stringify(body));
}

/** Reads the body as text, then parses it as JSON with a clear 400 or 415 when it is not. */
export function jsonBody(limit = '8mb'): RequestHandler {
  const text = express.text({ type: () => true, limit });
  return (req, res, next) =>
    text(req, res, (err?: unknown) => {
      if (err) {
        const e = err as { type?: string; message: string };
        return next(
          e.type === 'entity.too.large'
            ? errors.badRequest(`request body larger than ${limit}`)
            : errors.badRequest(`could not read the request body: ${e.message}`),
        );
      }
      const raw: unknown = req.body;
      if (typeof raw !== 'string' || !raw.trim()) {
        req.body = undefined;
        return next();
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type && !JSON_TYPES.has(type)) return next(errors.unsupportedMediaType(type));
      try {
        req.body = JSON.parse(raw);
      } catch (parseErr) {
        return next(
          errors.badRequest(`Malformed JSON request body: ${(parseErr as Error).message}`),
        );
      }
      next();
    });
}

const param = (req: Request, name: string) => String(req.params[name] ?? '');
const flag = (req: Request, name: string) => queryFlag(req.query[name]);

export function createRegistryRouter(ops: RegistryOperations): Router {
  const r = express.Router();

  // An empty subject (`/subjects//versions`) would otherwise match no route at all.
  r.all(/^\/(?:compatibility\/)?subjects\/\//, () => {
    throw errors.invalidSubject('the subject name is empty');
  });

  r.get('/', (_req, res) => send(res, 200, {}));
  r.get('/schemas/types', (_req, res) => send(res, 200, ['AVRO']));

  r.get('/subjects', (req, res) => send(res, 200, ops.subjects(flag(req, 'deleted'))));
  r.get('/subjects/:subject/versions', (req, res) =>
    send(res, 200, ops.versions(param(req, 'subject'), flag(req, 'deleted'))),
  );
  r.post('/subjects/:subject/versions', async (req, res) => {
    const body = readSchemaBody(req.body);
    send(res, 200, await ops.register(param(req, 'subject'), body));
  });
  r.post('/subjects/:subject', (req, res) => {
    const body = readSchemaBody(req.body);
    send(res, 200, ops.lookup(param(req, 'subject'), body, flag(req, 'deleted')));
  });
  r.delete('/subjects/:subject', async (req, res) =>
    send(res, 200, await ops.deleteSubject(param(req, 'subject'), flag(req, 'permanent'))),
  );
  r.get('/subjects/:subject/versions/:version', (req, res) =>
    send(res, 200, ops.version(param(req, 'subject'), param(req, 'version'), flag(req, 'deleted'))),
  );
  r.get('/subjects/:subject/versions/:version/schema', (req, res) => {
    const v = ops.version(param(req, 'subject'), param(req, 'version'), flag(req, 'deleted'));
    send(res, 200, v.schema, true);
  });
  r.delete('/subjects/:subject/versions/:version', async (req, res) =>
    send(
      res,
      200,
      await ops.deleteVersion(param(req, 'subject'), param(req, 'version'), flag(req, 'permanent')),
    ),
  );

  r.get('/schemas/ids/:id', (req, res) => send(res, 200, ops.schemaById(param(req, 'id'))));
  r.get('/schemas/ids/:id/schema', (req, res) =>
    send(res, 200, ops.schemaById(param(req, 'id')).schema, true),
  );
  r.get('/schemas/ids/:id/subjects', (req, res) =>
    send(res, 200, [
      ...new Set(ops.usesOfId(param(req, 'id'), flag(req, 'deleted')).map((v) => v.subject)),
    ]),
  );
  r.get('/schemas/ids/:id/versions', (req, res) =>
    send(
      res,
      200,
      ops
        .usesOfId(param(req, 'id'), flag(req, 'deleted'))
        .map((v) => ({ subject: v.subject, version: v.version })),
    ),
  );

  const compatibility = (version: string | undefined) => (req: Request, res: Response) => {
    const body = readSchemaBody(req.body);
    const result = ops.testCompatibility(param(req, 'subject'), version, body);
    send(res, 200, {
      is_compatible: result.is_compatible,
      ...(flag(req, 'verbose') ? { messages: result.messages } : {}),
    });
  };
  r.post('/compatibility/subjects/:subject/versions/:version', (req, res) =>
    compatibility(param(req, 'version'))(req, res),
  );
  r.post('/compatibility/subjects/:subject/versions', (req, res) =>
    compatibility(undefined)(req, res),
  );

  r.get('/config', (_req, res) => send(res, 200, ops.getConfig(undefined, true)));
  r.put('/config', async (req, res) => send(res, 200, await ops.setConfig(undefined, req.body)));
  r.delete('/config', async (_req, res) => send(res, 200, await ops.deleteConfig(undefined)));
  r.get('/config/:subject', (req, res) =>
    send(res, 200, ops.getConfig(param(req, 'subject'), flag(req, 'defaultToGlobal'))),
  );
  r.put('/config/:subject', async (req, res) =>
    send(res, 200, await ops.setConfig(param(req, 'subject'), req.body)),
  );
  r.delete('/config/:subject', async (req, res) =>
    send(res, 200, await ops.deleteConfig(param(req, 'subject'))),
  );

  return r;
}
