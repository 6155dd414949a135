import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
interface MediaType {
  schema?: unknown;
}
interface ResponseSpec {
  content?: Record<string, MediaType>;
}
interface OperationSpec {
  responses: Record<string, ResponseSpec>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, OperationSpec>>;
  components: Json;
}

export interface Checked {
  template: string;
  method: string;
  status: number;
}

/**
 * Checks real responses against an OpenAPI 3.1 document: the path must match exactly one
 * documented template, the status must be documented for the operation, the content type
 * must be one the response lists, and the body must validate (ajv, JSON Schema 2020-12)
 * against that media type's schema, with the document's components resolving `$ref`s.
 */
export function createContractChecker(doc: OpenApiDoc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'api', components: doc.components });
  const compiled = new Map<string, ValidateFunction>();
  const templates = Object.keys(doc.paths).map((t) => ({
    template: t,
    re: new RegExp(
      `^${t
        .split(/\{[^}]+\}/)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}$`,
    ),
  }));

  const absolutize = (schema: unknown): unknown =>
    JSON.parse(JSON.stringify(schema), (k, v) =>
      k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `api${v}` : v,
    );

  function templateOf(path: string): string {
    const found = templates.filter((t) => t.re.test(path));
    // A literal segment beats a parameter (OpenAPI path matching): fewest parameters first.
    found.sort(
      (a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0),
    );
    if (!found.length) throw new Error(`${path} matches no documented path`);
    return found[0]!.template;
  }

  /** Throws a descriptive error when the response breaks the contract. */
  async function check(
    method: string,
    path: string,
    res: Response,
  ): Promise<Checked & { body: unknown }> {
    const template = templateOf(path.split('?')[0]!);
    const m = method.toLowerCase();
    const op = doc.paths[template]![m];
    if (!op) throw new Error(`${method} ${template} is not documented`);
    const spec = op.responses[String(res.status)];
    const text = await res.text();
    if (!spec)
      throw new Error(
        `undocumented status ${res.status} for ${method} ${template} (documented: ${Object.keys(op.responses).join(', ')}): ${text.slice(0, 300)}`,
      );
    const where = `${method} ${path} -> ${res.status}`;
    if (!spec.content) {
      if (text.length)
        throw new Error(`${where}: documented without a body, got ${text.slice(0, 100)}`);
      return { template, method: m, status: res.status, body: undefined };
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = spec.content[type];
    if (!media)
      throw new Error(
        `${where}: content type ${type} not among ${Object.keys(spec.content).join(', ')}`,
      );
    const body = /json$/.test(type) && !type.endsWith('ndjson') ? JSON.parse(text) : text;
    if (media.schema !== undefined) {
      const key = `${template} ${m} ${res.status} ${type}`;
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(absolutize(media.schema) as object);
        compiled.set(key, validate);
      }
      if (!validate(body))
        throw new Error(
          `${where}: body does not match its schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
        );
    }
    return { template, method: m, status: res.status, body };
  }

  /** Validates a value against a named component schema (for answers outside any path). */
  function validateComponent(name: string, value: unknown): string | undefined {
    const v = ajv.getSchema(`api#/components/schemas/${name}`);
    if (!v) return `no component ${name}`;
    return v(value) ? undefined : ajv.errorsText(v.errors);
  }

  return { check, templateOf, validateComponent };
}
