import {
  PROBLEM_SCHEMA,
  problemResponse as problem,
} from '../../../common/http/problem.openapi.js';
import { ID_MAX_LENGTH, MARKET_PATTERN } from './public-read.http.js';

/**
 * OpenAPI 3.1 pieces shared by the public read routes. Each route's fragment carries the
 * shared component schemas it references (the same objects), so a fragment is complete alone
 * and merging fragments is conflict-free.
 */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const sharedSchemas = {
  Problem: PROBLEM_SCHEMA,
  ArtistCredit: {
    type: 'object',
    required: ['artist_id', 'name'],
    additionalProperties: false,
    properties: { artist_id: { type: 'string' }, name: { type: 'string' } },
  },
} as const;

/** A day YYYY-MM-DD, years 0100 to 9999, months 01-12, days 01-31 (parseDay's range). */
export const dayPattern =
  '^(0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';
export const daySchema = {
  type: 'string',
  format: 'date',
  pattern: dayPattern,
  minLength: 10,
  maxLength: 10,
  description: 'A calendar day that exists (2026-02-30 is refused), YYYY-MM-DD, UTC.',
} as const;
export const marketSchema = { type: 'string', pattern: MARKET_PATTERN } as const;
export const countSchema = { type: 'integer', minimum: 0 } as const;

const headers = {
  ETag: { description: 'Weak validator of the body', schema: { type: 'string' } },
  'Cache-Control': { description: 'public, max-age=5', schema: { type: 'string' } },
};

export const cachedJson = (schemaName: string, description: string) => ({
  description,
  headers,
  content: { 'application/json': { schema: ref(schemaName) } },
});

export const notModified = {
  description: 'The client holds the current body (If-None-Match matched the ETag).',
  headers,
};

export { problem };

export const unavailable = problem('The projection store is unavailable; retry (Retry-After).');

export const pathId = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH },
});

export const ifNoneMatch = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  description: 'An ETag from an earlier answer: 304 when unchanged.',
  schema: { type: 'string' },
};
