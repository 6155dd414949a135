import { problemResponse as problem } from '../../../common/http/problem.openapi.js';
import { SQL_FORMATS } from './sql.executor.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const formats = Object.keys(SQL_FORMATS);
const text = (description: string) => ({ schema: { type: 'string', description } });

/** OpenAPI 3.1 fragment of the analyst SQL endpoint. */
export const sqlOpenApi = {
  paths: {
    '/v1/sql': {
      post: {
        summary: 'Run one read-only SQL statement against ClickHouse (analysts)',
        description:
          'One SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement, run as the read-only analyst user ' +
          '(`readonly = 2`) in the Backbeat database, with at most SQL_MAX_ROWS result rows and ' +
          'SQL_MAX_SECONDS of run time (exceeding either is a 400, never a truncated result). ' +
          'Tables and views: `events` (read with FINAL), `plays`, `skips`, `track_daily_streams`, `tracks`. ' +
          'CSV and TSV answers start with a header row of column names.',
        tags: ['sql'],
        security: [{ analystToken: [] }],
        parameters: [
          {
            name: 'format',
            in: 'query',
            required: false,
            description:
              'Result format (default JSON); with a JSON body, its "format" field may be used instead.',
            schema: { type: 'string', enum: formats },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('SqlRequest') },
            'text/plain': text('The statement'),
          },
        },
        responses: {
          '200': {
            description: 'The result, streamed in the requested format',
            headers: {
              'X-Query-Id': { description: 'ClickHouse query id', schema: { type: 'string' } },
            },
            content: {
              'application/json': { schema: ref('SqlJsonResult') },
              'application/x-ndjson': text('JSONEachRow: one JSON object per line'),
              'text/csv': text('CSV with a header row'),
              'text/tab-separated-values': text('TSV with a header row'),
            },
          },
          '400': problem(
            'The statement was refused before it ran (not a read, several statements, a FORMAT clause, ' +
              'a limit setting, a table function reaching outside the database), or ClickHouse refused ' +
              'or stopped it: sql-timeout, sql-too-many-rows, sql-read-only, sql-error (with clickhouse_code and clickhouse_type)',
            { schema: 'SqlProblem' },
          ),
          '401': problem('Missing, invalid or expired token'),
          '403': problem('The token is not an analyst token'),
          '413': problem('The body is larger than 256 KiB'),
          '415': problem('The body is neither application/json nor text/plain'),
          '503': problem('ClickHouse is unavailable or busy; retry'),
        },
      },
    },
  },
  components: {
    schemas: {
      SqlRequest: {
        type: 'object',
        required: ['query'],
        additionalProperties: false,
        properties: {
          query: { type: 'string', description: 'One read statement, without a FORMAT clause' },
          format: { type: 'string', enum: formats, default: 'JSON' },
        },
      },
      SqlJsonResult: {
        type: 'object',
        description: "ClickHouse's JSON format",
        required: ['meta', 'data', 'rows'],
        properties: {
          meta: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'type'],
              properties: { name: { type: 'string' }, type: { type: 'string' } },
            },
          },
          data: { type: 'array', items: { type: 'object' } },
          rows: { type: 'integer', minimum: 0 },
          rows_before_limit_at_least: { type: 'integer', minimum: 0 },
          statistics: { type: 'object' },
        },
      },
      SqlProblem: {
        allOf: [
          ref('Problem'),
          {
            type: 'object',
            properties: {
              clickhouse_code: { type: 'integer', description: 'ClickHouse error code' },
              clickhouse_type: { type: 'string', description: 'ClickHouse error name' },
            },
          },
        ],
      },
    },
  },
};
