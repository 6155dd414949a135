import { BackbeatError } from '../../common/errors/backbeat.error.js';

/**
 * An error the registry answers with: the HTTP status and the numeric `error_code` that
 * Confluent Schema Registry uses for the same condition, so its clients react the same way.
 */
export class RegistryError extends BackbeatError {
  readonly httpStatus: number;
  readonly errorCode: number;

  constructor(
    code: string,
    httpStatus: number,
    errorCode: number,
    message: string,
    opts: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, opts);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The response body Confluent clients parse. */
  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** The schema text is not a valid Avro schema (or not a supported schema type). */
export class InvalidSchemaError extends RegistryError {
  constructor(message: string, cause?: unknown) {
    super('REGISTRY_INVALID_SCHEMA', 422, 42201, message, { cause });
  }
}

/** The Kafka-backed store could not write or read back a record. */
export class StoreError extends RegistryError {
  constructor(message: string, cause?: unknown, timeout = false) {
    super(
      timeout ? 'REGISTRY_STORE_TIMEOUT' : 'REGISTRY_STORE_ERROR',
      500,
      timeout ? 50002 : 50001,
      message,
      { cause, retriable: true },
    );
  }
}

/** Confluent's error codes, one constructor each, with the messages its clients show. */
export const errors = {
  subjectNotFound: (subject: string) =>
    new RegistryError('REGISTRY_SUBJECT_NOT_FOUND', 404, 40401, `Subject '${subject}' not found.`),
  subjectConfigNotFound: (subject: string) =>
    new RegistryError(
      'REGISTRY_SUBJECT_NOT_FOUND',
      404,
      40401,
      `Subject '${subject}' not found: it has no subject-level compatibility configured (add ?defaultToGlobal=true to read the global level).`,
    ),
  versionNotFound: (subject: string, version: number | string) =>
    new RegistryError(
      'REGISTRY_VERSION_NOT_FOUND',
      404,
      40402,
      `Version ${version} not found for subject '${subject}'.`,
    ),
  schemaNotFound: (what = 'Schema not found') =>
    new RegistryError('REGISTRY_SCHEMA_NOT_FOUND', 404, 40403, what),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(
      'REGISTRY_SUBJECT_SOFT_DELETED',
      404,
      40404,
      `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
    ),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(
      'REGISTRY_SUBJECT_NOT_SOFT_DELETED',
      404,
      40405,
      `Subject '${subject}' was not deleted first before being permanently deleted`,
    ),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      'REGISTRY_VERSION_SOFT_DELETED',
      404,
      40406,
      `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      'REGISTRY_VERSION_NOT_SOFT_DELETED',
      404,
      40407,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
    ),
  incompatible: (message: string) =>
    new RegistryError('REGISTRY_INCOMPATIBLE_SCHEMA', 409, 40901, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      'REGISTRY_INVALID_VERSION',
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibilityLevel: (got: unknown) =>
    new RegistryError(
      'REGISTRY_INVALID_COMPATIBILITY_LEVEL',
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(got) ?? 'undefined'}. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
    ),
  referenceExists: (subject: string, version: number) =>
    new RegistryError(
      'REGISTRY_REFERENCE_EXISTS',
      422,
      42206,
      `One or more references exist to the schema {subject=${subject}, version=${version}}.`,
    ),
  invalidSubject: (why: string) =>
    new RegistryError('REGISTRY_INVALID_SUBJECT', 422, 42208, `Invalid subject: ${why}`),
  badRequest: (message: string) => new RegistryError('REGISTRY_BAD_REQUEST', 400, 400, message),
  unsupportedMediaType: (type: string) =>
    new RegistryError(
      'REGISTRY_UNSUPPORTED_MEDIA_TYPE',
      415,
      415,
      `HTTP 415 Unsupported Media Type: ${type}; send application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json or application/json`,
    ),
  notFound: (method: string, path: string) =>
    new RegistryError(
      'REGISTRY_NO_SUCH_ENDPOINT',
      404,
      404,
      `HTTP 404 Not Found: no endpoint ${method} ${path}`,
    ),
};
