/**
 * The package's browser-safe entry (`@backbeat/sdk`): the client and the HTTP transport.
 * The Kafka transport (Node, kafkajs) is `@backbeat/sdk/kafka`; the file store (Node) is
 * `@backbeat/sdk/file-store`.
 */
export { createBackbeatClient, KEEPALIVE_MAX_BYTES } from './backbeat-client.js';
export {
  createHttpTransport,
  eventsEndpoint,
  EVENTS_PATH,
  GATEWAY_DEFAULT_MAX_BODY_BYTES,
  GATEWAY_DEFAULT_MAX_EVENTS,
  type HttpTransportConfig,
} from './http.transport.js';
export { SDK_ERROR_CODES, TransportError, isOutage, isRetriable } from './sdk.errors.js';
export { BackbeatError } from '../../common/errors/backbeat.error.js';
export type * from './sdk.types.js';
