import { loadEventCatalogue, type EventTypeSpec } from '../../schemas/catalogue/event-catalogue.js';
import { eventJsonSchemas } from '../../schemas/catalogue/event-json-schema.js';
import {
  PROBLEM_REF,
  PROBLEM_SCHEMA,
  problemResponse as problem,
} from '../../common/http/problem.openapi.js';

/** Per-type event schemas, generated from the Avro schemas and validation caps (once). */
let perType: { schemas: Record<string, unknown>; envelopes: unknown[] } | undefined;
function eventSchemas() {
  if (perType) return perType;
  const catalogue = loadEventCatalogue();
  const envelopes = (Object.values(catalogue) as EventTypeSpec[]).map((spec) => ({
    type: 'object',
    required: ['type', 'event'],
    additionalProperties: false,
    properties: {
      type: { const: spec.name },
      event: { $ref: `#/components/schemas/${String(spec.schema.name)}` },
    },
  }));
  perType = { schemas: eventJsonSchemas(catalogue), envelopes };
  return perType;
}

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};
const problemResponse = (description: string, withRetryAfter = false) =>
  problem(description, withRetryAfter ? { headers: retryAfter } : {});
const batchResult = {
  description: '',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchResult' } } },
};

/** OpenAPI 3.1 description of the ingest gateway. */
export function gatewayOpenApi() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backbeat ingest gateway',
      version: '1.0.0',
      description:
        'Client apps send batches of events; each is validated against its Avro schema and acknowledged only after Kafka confirmed it.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'The client app key (also accepted as X-Api-Key).',
        },
      },
      schemas: {
        Problem: PROBLEM_SCHEMA,
        EventEnvelope: {
          description:
            'One event: its type and its fields, by the per-type schema generated from its Avro schema (see the README event catalogue). Each event is answered on its own.',
          oneOf: eventSchemas().envelopes,
        },
        ...eventSchemas().schemas,
        Batch: {
          type: 'object',
          required: ['events'],
          additionalProperties: false,
          properties: {
            events: {
              type: 'array',
              minItems: 1,
              maxItems: 500,
              items: { $ref: '#/components/schemas/EventEnvelope' },
            },
          },
        },
        FieldError: {
          type: 'object',
          required: ['path', 'reason'],
          properties: {
            path: { type: 'string', description: 'JSON Pointer into the item' },
            reason: { type: 'string' },
          },
        },
        EventResult: {
          type: 'object',
          required: ['index', 'status'],
          properties: {
            index: { type: 'integer' },
            event_id: { type: 'string' },
            status: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
            errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
          },
        },
        BatchResult: {
          type: 'object',
          required: ['accepted', 'duplicates', 'rejected', 'results'],
          properties: {
            accepted: { type: 'integer' },
            duplicates: { type: 'integer' },
            rejected: { type: 'integer' },
            results: { type: 'array', items: { $ref: '#/components/schemas/EventResult' } },
          },
        },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send a batch of events',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } },
          },
          responses: {
            '200': {
              ...batchResult,
              description: 'Every event accepted (or a duplicate of one in the same batch)',
            },
            '207': {
              ...batchResult,
              description: 'Partial success: the results say which events went in',
            },
            '400': {
              description:
                'Every event rejected (BatchResult), or the body is not a batch (Problem: malformed JSON, invalid UTF-8, too deep, not {"events": [...]})',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/BatchResult' } },
                'application/problem+json': { schema: PROBLEM_REF },
              },
            },
            '401': problemResponse('Missing or unknown API key'),
            '413': problemResponse('Body or batch too large'),
            '405': problemResponse('Method not allowed on this route (Allow: OPTIONS, POST)'),
            '415': problemResponse(
              'Content-Type is not application/json, its charset is not utf-8/utf-16(le|be), or the body contradicts it',
            ),
            '429': problemResponse('Rate limit of this API key exceeded', true),
            '503': problemResponse(
              'Shed before the body was read (overloaded: requests, bytes or events in flight), Kafka unreachable, or refused by Kafka: nothing of the batch was written',
              true,
            ),
            '504': problemResponse(
              'Kafka did not confirm every event in time (kafka-unconfirmed): nothing is acknowledged, some events may have been written; retry with the same event ids',
              true,
            ),
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness of Kafka and the registry',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'text exposition format' } },
        },
      },
    },
  };
}
