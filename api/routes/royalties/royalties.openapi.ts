/** OpenAPI 3.1 fragment of the operator's royalty endpoints (/v1/operator/royalties/...). */
import { problemResponse as problem } from '../../../common/http/problem.openapi.js';
import {
  pageParams,
  statementIdParam,
  statementSchemas,
  statementSummaryProps,
} from '../labels/labels.openapi.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const closed = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const str = (description: string) => ({ type: 'string', description });
const minorStr = { type: 'string', pattern: '^-?\\d+$' };
const nextCursor = { type: ['string', 'null'], description: 'Cursor of the next page, or null' };
const base = {
  tags: ['operator'],
  security: [{ operatorToken: [] }],
};
const errors = {
  '400': problem('A parameter or body field is invalid (named in `parameter`)'),
  '401': problem('Missing, invalid or expired token (WWW-Authenticate: Bearer)'),
  '403': problem('The token is not an operator token'),
};
const label = statementSchemas.LabelStatement.properties;
const { label_id: _labelId, ...wholeProps } = label;

const schemas = {
  ...statementSchemas,
  CloseRequest: closed(
    {
      period: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' },
      market: { type: 'string', pattern: '^[A-Z]{2}$', description: 'One market (default: all)' },
    },
    ['period'],
  ),
  CloseAnswer: closed({
    period: str('YYYY-MM'),
    results: {
      type: 'array',
      items: {
        oneOf: [
          closed({
            market: str('Market'),
            status: { const: 'issued' },
            statement_id: str('The new version'),
            version: { type: 'integer', minimum: 1 },
            supersedes: str('The version it replaces, or empty'),
            content_hash: str('Content hash'),
            lines: { type: 'integer', minimum: 0 },
            pool_minor: minorStr,
          }),
          closed({
            market: str('Market'),
            status: { const: 'unchanged' },
            statement_id: str('The latest version, unchanged (same content hash)'),
            version: { type: 'integer', minimum: 1 },
            content_hash: str('Content hash'),
          }),
          closed({
            market: str('Market'),
            status: { const: 'no-report' },
            streams: { type: 'integer', minimum: 0, description: 'Streams without a pool' },
          }),
        ],
      },
    },
  }),
  OperatorStatementsPage: closed({
    items: {
      type: 'array',
      items: closed({ ...statementSummaryProps, pool_minor: minorStr }),
    },
    next_cursor: nextCursor,
  }),
  OperatorStatement: closed({
    ...wholeProps,
    closed_by: str('Who closed it'),
    statement_totals: { type: 'object', description: 'The totals recorded by the close' },
  }),
};

export const royaltiesOpenApi = {
  paths: {
    '/v1/operator/royalties/close': {
      post: {
        ...base,
        summary: 'Close the royalty statements of a period (one market or all)',
        description:
          'Computes both models per market and issues a new version only when the content hash changed; closedBy is the token subject. A close of the same market and period already running answers 409 with Retry-After.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('CloseRequest') } },
        },
        responses: {
          '200': {
            description: 'What each market got',
            content: { 'application/json': { schema: ref('CloseAnswer') } },
          },
          ...errors,
          '409': problem('A close of this period and market is running', {
            headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'string' } } },
          }),
        },
      },
    },
    '/v1/operator/royalties/statements': {
      get: {
        ...base,
        summary: 'Every statement, newest period first',
        parameters: pageParams,
        responses: {
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: ref('OperatorStatementsPage') } },
          },
          ...errors,
        },
      },
    },
    '/v1/operator/royalties/statements/{id}': {
      get: {
        ...base,
        summary: 'One statement whole: every label and the suspense lines',
        parameters: [statementIdParam],
        responses: {
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: ref('OperatorStatement') } },
          },
          '304': { description: 'Not modified (If-None-Match)' },
          ...errors,
          '404': problem('No such statement'),
        },
      },
    },
  },
  components: { schemas },
};
