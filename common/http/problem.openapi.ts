/**
 * The OpenAPI 3.1 side of problem.ts: the one `Problem` component schema (what `problemBody`
 * answers) and problem+json responses that reference it, for every Backbeat HTTP API document
 * (the read API's skeleton and route fragments, the ingest gateway).
 */

/**
 * RFC 9457 problem details as `problemBody` writes them, filed as `components.schemas.Problem`;
 * open, so extra members may follow.
 */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details: every error of the API is answered this way.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', description: 'https://backbeat.dev/problems/<code>' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', description: 'Stable, machine-readable error code' },
    detail: { type: 'string' },
    parameter: { type: 'string', description: 'The invalid parameter (400 only).' },
  },
};

/** A reference to the problem schema, for a response that may answer other media types too. */
export const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/**
 * A problem+json response: `description`, optional response headers, and the body schema
 * (`Problem`, or the name of a component that extends it).
 */
export function problemResponse(
  description: string,
  opts: { schema?: string; headers?: Record<string, unknown> } = {},
) {
  return {
    description,
    ...(opts.headers ? { headers: opts.headers } : {}),
    content: {
      'application/problem+json': {
        schema: { $ref: `#/components/schemas/${opts.schema ?? 'Problem'}` },
      },
    },
  };
}
