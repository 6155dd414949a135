/**
 * The client's options: defaults, and a check of every value (browser-safe). A bad option
 * stops createBackbeatClient with SDK_CONFIG_INVALID naming each problem.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { LISTENER_CONTEXT_FIELDS } from '../../schemas/generated/events.types.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry-policy.js';
import { SDK_ERROR_CODES } from './sdk.errors.js';
import type { OverflowPolicy, SdkOptions } from './sdk.types.js';

export const SDK_DEFAULTS = {
  maxBatchSize: 100,
  lingerMs: 50,
  maxQueueSize: 10_000,
  maxOfflineSize: 10_000,
  overflow: 'drop-oldest' as OverflowPolicy,
  retry: DEFAULT_RETRY,
};

const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'drop-newest', 'reject'];

export interface ResolvedOptions {
  maxBatchSize: number;
  lingerMs: number;
  maxQueueSize: number;
  maxOfflineSize: number;
  overflow: OverflowPolicy;
  retry: RetryPolicy;
  /** undefined: the transport's limit alone. */
  maxBatchBytes: number | undefined;
}

/** Applies defaults and checks every option; throws SDK_CONFIG_INVALID naming each bad one. */
export function resolveOptions(o: SdkOptions): ResolvedOptions {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, fallback: number, min: number) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min)
      problems.push(`${name} must be an integer >= ${min}, got ${String(value)}`);
    return v;
  };
  const d = SDK_DEFAULTS;
  const resolved: ResolvedOptions = {
    maxBatchSize: int('maxBatchSize', o.maxBatchSize, d.maxBatchSize, 1),
    lingerMs: int('lingerMs', o.lingerMs, d.lingerMs, 0),
    maxQueueSize: int('maxQueueSize', o.maxQueueSize, d.maxQueueSize, 1),
    maxOfflineSize: int('maxOfflineSize', o.maxOfflineSize, d.maxOfflineSize, 1),
    overflow: o.overflow ?? d.overflow,
    maxBatchBytes:
      o.maxBatchBytes === undefined ? undefined : int('maxBatchBytes', o.maxBatchBytes, 0, 1024),
    retry: {
      retries: int('retry.retries', o.retry?.retries, d.retry.retries, 0),
      initialMs: int('retry.initialMs', o.retry?.initialMs, d.retry.initialMs, 1),
      maxMs: int('retry.maxMs', o.retry?.maxMs, d.retry.maxMs, 1),
    },
  };
  if (!OVERFLOW_POLICIES.includes(resolved.overflow))
    problems.push(`overflow must be one of ${OVERFLOW_POLICIES.join(', ')}, got ${o.overflow}`);
  if (resolved.retry.maxMs < resolved.retry.initialMs)
    problems.push('retry.maxMs must be >= retry.initialMs');
  if (o.context) {
    for (const f of LISTENER_CONTEXT_FIELDS)
      if (f !== 'product' && (typeof o.context[f] !== 'string' || o.context[f] === ''))
        problems.push(`context.${f} must be a non-empty string`);
    if (o.context.product !== 'FREE' && o.context.product !== 'PREMIUM')
      problems.push(`context.product must be FREE or PREMIUM, got ${String(o.context.product)}`);
  }
  if (problems.length)
    throw new BackbeatError(
      SDK_ERROR_CODES.configInvalid,
      `Invalid SDK options:\n  - ${problems.join('\n  - ')}`,
    );
  return resolved;
}
