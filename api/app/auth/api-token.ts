/**
 * The token codec lives in common/auth/api-token.ts, so the ingest gateway (producers layer)
 * can verify listener tokens without importing the API; this path re-exports it.
 */
export * from '../../../common/auth/api-token.js';
