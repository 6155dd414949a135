import fc from 'fast-check';

const REPORT_MAX_CHARS = 4_000;

/**
 * fc.assert for fuzz tests against real processes: no shrinking (each step is a round trip to a
 * server, and a failure's first counterexample is what the log needs), and a failure report cut
 * to a few KB. A fuzzed value can be megabytes (a 5 MB schema), and the test runner's reporter
 * spins for minutes on an error message of that size.
 */
export async function assertProperty<T>(
  property: fc.IAsyncProperty<T>,
  params: fc.Parameters<T> = {},
): Promise<void> {
  try {
    await fc.assert(property, { endOnFailure: true, ...params });
  } catch (err) {
    const text = err instanceof Error ? `${err.message}\n${String(err.cause ?? '')}` : String(err);
    throw new Error(
      text.length > REPORT_MAX_CHARS
        ? `${text.slice(0, REPORT_MAX_CHARS)}… (${text.length - REPORT_MAX_CHARS} more characters cut)`
        : text,
    );
  }
}
