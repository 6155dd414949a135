/**
 * OpenAPI 3.1 fragment of the label endpoints (/v1/label/..., label token) and the statement
 * schemas the operator fragment shares. Schemas are closed so contract tests catch drift.
 */
import { problemResponse as problem } from '../../../common/http/problem.openapi.js';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_RANGE_DAYS } from './label-http.js';
import { DSR_MODELS, DSR_SENDER } from './label-statement.dsr.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const closed = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
  ...(description ? { description } : {}),
});
const str = (description: string) => ({ type: 'string', description });
const int = (description: string) => ({ type: 'integer', minimum: 0, description });
const minor = (description: string) => ({
  type: 'string',
  pattern: '^-?\\d+$',
  description: `${description} (integer minor units, as a decimal string)`,
});
const nextCursor = {
  type: ['string', 'null'],
  description: 'Pass as ?cursor= for the next page; null on the last page.',
};
const header = (description: string) => ({ description, schema: { type: 'string' } });
const listHeaders = { 'Cache-Control': header('private, no-store') };
const docHeaders = {
  'Cache-Control': header('private, no-cache (revalidate with If-None-Match)'),
  ETag: header('Weak validator of the body'),
};

export const pageParams = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Items per page (default ${DEFAULT_LIMIT}).`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description: 'The next_cursor of the previous page (opaque; any other value is a 400).',
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
  },
];
export const statementIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  description:
    'Statement id `<YYYY-MM>-<market>-v<version>`. Any id that is not one of your statements answers 404.',
  schema: { type: 'string', maxLength: 40 },
};

const rateLimited = problem('Too many requests for this credential', {
  headers: { 'Retry-After': header('Seconds until a request may be made again') },
});
const common = {
  '400': problem('A parameter is invalid (named in `parameter`)'),
  '401': problem('Missing, invalid or expired token (WWW-Authenticate: Bearer)'),
  '403': problem('The token is not a label token'),
  '429': rateLimited,
};
const notFound = problem('No statement with this id for this credential (also for other labels)');
const json = (schema: unknown, headers: Record<string, unknown>) => ({
  description: 'OK',
  headers,
  content: { 'application/json': { schema } },
});
const get = (
  summary: string,
  description: string,
  parameters: unknown[],
  responses: Record<string, unknown>,
) => ({
  get: {
    tags: ['label'],
    summary,
    description,
    security: [{ labelToken: [] }],
    parameters,
    responses: { ...responses, ...common },
  },
});

const totals = closed(
  {
    streams: int('Qualified streams of the lines (each track once)'),
    lines: int('Lines'),
    streamshare_minor: minor('Amount in the streamshare model'),
    user_centric_minor: minor('Amount in the user-centric model'),
  },
  'Totals over the lines shown',
);
/** The properties every statement summary has (label and operator lists). */
export const statementSummaryProps = {
  statement_id: str('`<YYYY-MM>-<market>-v<version>`'),
  period: str('YYYY-MM'),
  market: str('ISO 3166-1 alpha-2'),
  version: { type: 'integer', minimum: 1 },
  supersedes: str('The statement id this version replaces, or empty for version 1'),
  currency: str('ISO 4217'),
  minor_unit: { type: 'integer', minimum: 0, description: 'Decimal places of the minor unit' },
  closed_at: { type: 'string', format: 'date-time' },
};
const headerProps = {
  ...statementSummaryProps,
  report_id: str('The revenue report in force'),
  pool_minor: minor('Royalty pool of the market and period'),
  premium_listeners: int('Paying listeners of the report'),
  counted_streams: int('Streams in the denominator'),
  policy_version: { type: 'integer', minimum: 0 },
  policy: {
    type: 'object',
    description: 'The policy the statement was computed with, with its rules as text',
  },
  lineage: closed({
    ledger_lines: int('Ledger lines read'),
    watermark: {
      type: 'object',
      additionalProperties: { type: 'integer' },
      description: 'Highest ledger offset read per topic:partition',
    },
    content_hash: str('SHA-256 of the canonical content: the same inputs give the same hash'),
  }),
};

export const statementSchemas = {
  StatementTotals: totals,
  StatementLine: closed({
    label_id: str("The track's label; empty on suspense lines"),
    rights_holder_id: str('Rights holder, or UNMATCHED / UNALLOCATED for suspense'),
    rights_holder_name: str('Rights holder name'),
    track_id: str('Track'),
    isrc: str('ISRC'),
    streams: int('Qualified streams of the track counted for this line'),
    weighted_streams_bps: minor('Streams × share in basis points'),
    streamshare_minor: minor('Streamshare amount'),
    user_centric_minor: minor('User-centric amount'),
    delta_streamshare_minor: minor('Change against the superseded version'),
    delta_user_centric_minor: minor('Change against the superseded version'),
  }),
  LabelStatement: closed({
    ...headerProps,
    label_id: str('Your label (from the token)'),
    totals: ref('StatementTotals'),
    lines: { type: 'array', items: ref('StatementLine') },
  }),
};

const schemas = {
  ...statementSchemas,
  LabelStreamsPage: closed({
    label_id: str('Your label'),
    from: { type: 'string', format: 'date' },
    to: { type: 'string', format: 'date' },
    items: {
      type: 'array',
      items: closed({
        track_id: str('Track'),
        isrc: str('ISRC of the split the streams used'),
        day: { type: 'string', format: 'date', description: 'UTC day' },
        market: str('Listener market'),
        streams: int('Qualified streams'),
      }),
    },
    next_cursor: nextCursor,
  }),
  LabelStatementsPage: closed({
    label_id: str('Your label'),
    items: {
      type: 'array',
      items: closed({ ...statementSummaryProps, totals: ref('StatementTotals') }),
    },
    next_cursor: nextCursor,
  }),
  LabelTracksPage: closed({
    label_id: str('Your label'),
    items: {
      type: 'array',
      items: closed({
        track_id: str('Track'),
        isrc: str('ISRC'),
        title: str('Title'),
        artists: { type: 'array', items: { type: 'string' } },
        release_id: { type: ['string', 'null'] },
        duration_ms: int('Duration'),
        markets: { type: 'array', items: { type: 'string' } },
        updated_at: { type: 'string', format: 'date-time', description: 'Latest upload' },
      }),
    },
    next_cursor: nextCursor,
  }),
  LabelUploadsPage: closed({
    label_id: str('Your label'),
    items: {
      type: 'array',
      items: closed({
        upload_id: str('The upload event id (the split version streams record)'),
        track_id: str('Track'),
        isrc: str('ISRC'),
        title: str('Title'),
        release_id: { type: ['string', 'null'] },
        duration_ms: int('Duration'),
        artists: { type: 'array', items: { type: 'string' } },
        label_name: str('Label name as delivered'),
        event_time: { type: 'string', format: 'date-time' },
        holders: {
          type: 'array',
          items: closed({
            rights_holder_id: str('Rights holder'),
            name: str('Name'),
            role: str('Role'),
            share_bps: { type: 'integer', minimum: 0, maximum: 10000 },
          }),
        },
      }),
    },
    next_cursor: nextCursor,
  }),
};

const q = (
  name: string,
  description: string,
  schema: Record<string, unknown>,
  required = false,
) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const trackIdQuery = (what: string) =>
  q('track_id', what, {
    type: 'string',
    minLength: 1,
    maxLength: 128,
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]*$',
  });

/** OpenAPI 3.1 fragment of /v1/label/... */
export const labelsOpenApi = {
  paths: {
    '/v1/label/streams': get(
      "Qualified streams of your label's tracks by track, UTC day and market",
      `From the royalty ledger (the split each stream used). The range is inclusive and at most ${MAX_RANGE_DAYS} days; to before from is a 400.`,
      [
        q('from', 'First UTC day', { type: 'string', format: 'date' }, true),
        q('to', 'Last UTC day (inclusive)', { type: 'string', format: 'date' }, true),
        trackIdQuery('Only this track'),
        q('market', 'Only this market', { type: 'string', pattern: '^[A-Z]{2}$' }),
        ...pageParams,
      ],
      { '200': json(ref('LabelStreamsPage'), listHeaders) },
    ),
    '/v1/label/statements': get(
      'Statements with lines of your label, newest period first',
      "Each with your label's totals in both models.",
      pageParams,
      { '200': json(ref('LabelStatementsPage'), listHeaders) },
    ),
    '/v1/label/statements/{id}': get(
      "One statement: its header, policy and lineage, and your label's lines with deltas",
      "JSON by default; `Accept: text/csv` gives the lines as CSV (RFC 4180, header row, amounts in minor units and as decimals). Another label's statement, an unknown id and a malformed id all answer the same 404.",
      [statementIdParam],
      {
        '200': {
          description: 'OK',
          headers: {
            ...docHeaders,
            'Content-Disposition': header(
              'CSV only: attachment; filename="statement_<id>_<label>.csv"',
            ),
          },
          content: {
            'application/json': { schema: ref('LabelStatement') },
            'text/csv': { schema: { type: 'string', description: 'CSV with a header row' } },
          },
        },
        '304': { description: 'Not modified (If-None-Match)' },
        '404': notFound,
        '406': problem('Neither application/json nor text/csv is acceptable'),
      },
    ),
    '/v1/label/statements/{id}/dsr': get(
      'The statement as a DDEX DSR flat file (BasicAudioProfile) for your label',
      `Tab-separated: HEAD, one SY03 summary, one RE01/AS02/SU02 block per release, FOOT. Sender ${DSR_SENDER.partyId} (${DSR_SENDER.name}), recipient your label. MessageId \`BB-<statement id>-<label id>\` (\`-UC\` for the user-centric model): a new statement version is a new MessageId. Created at the statement's closed_at, so the file is the same on every request.`,
      [
        statementIdParam,
        q('model', 'Which amounts (default streamshare)', {
          type: 'string',
          enum: [...DSR_MODELS],
          default: 'streamshare',
        }),
      ],
      {
        '200': {
          description: 'The DSR file',
          headers: {
            ...docHeaders,
            'Content-Disposition': header(
              'attachment; filename="DSR_<recipient>_<sender>_..._1of1_<created>.tsv"',
            ),
          },
          content: {
            'text/tab-separated-values': {
              schema: { type: 'string', description: 'DSR flat file' },
            },
          },
        },
        '304': { description: 'Not modified (If-None-Match)' },
        '404': notFound,
      },
    ),
    '/v1/label/tracks': get(
      "Your label's tracks (the catalogue), by track id",
      'Tracks whose current upload is on your label.',
      pageParams,
      { '200': json(ref('LabelTracksPage'), listHeaders) },
    ),
    '/v1/label/uploads': get(
      "Your label's upload history, newest first",
      "Each valid upload with its split of rights holders. With track_id, a track that has no upload of your label (another label's, or unknown) answers 404.",
      [trackIdQuery('Only this track'), ...pageParams],
      {
        '200': json(ref('LabelUploadsPage'), listHeaders),
        '404': problem('No upload of this track for this credential'),
      },
    ),
  },
  components: { schemas },
};
