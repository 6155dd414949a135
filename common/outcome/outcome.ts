/**
 * Per-message outcomes, one vocabulary for every stage that judges a message: decoding, a
 * projection's plan, and the gateway's per-event results.
 * - `ok`: applied (or accepted).
 * - `dlq`: it can never be applied as it is; dead-lettered (or, at the gateway, refused) with
 *   its reason. A programming error found on one message is a `dlq` whose reason starts `bug:`.
 * - `retry`: a dependency failed; the same message is tried again with backoff, never
 *   dead-lettered for it.
 * - `drop`: deliberately nothing to do (for example a duplicate); counted, not dead-lettered.
 */
export type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'dlq'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'drop'; readonly reason: string };

export type OutcomeKind = Outcome['kind'];

const OK: Outcome = Object.freeze({ kind: 'ok' });

export const Outcome = {
  ok: (): Outcome => OK,
  dlq: (reason: string): Outcome => ({ kind: 'dlq', reason }),
  retry: (reason: string): Outcome => ({ kind: 'retry', reason }),
  drop: (reason: string): Outcome => ({ kind: 'drop', reason }),
  /** A `dlq` for a programming error met on one message: reason `bug: <Error>: <message>`. */
  bug: (err: unknown, context?: string): Outcome => ({
    kind: 'dlq',
    reason: `bug: ${context ? `${context}: ` : ''}${describeError(err)}`,
  }),
  isOk: (o: Outcome): o is { kind: 'ok' } => o.kind === 'ok',
} as const;

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
