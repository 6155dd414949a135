import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyClickHouseError } from './clickhouse-errors.js';
import { splitByPartition } from './clickhouse-rows.sink.js';

/** An error as @clickhouse/client raises it: the server's code as a string. */
const chError = (code: number, message: string) =>
  Object.assign(new Error(message), { code: String(code) });

describe('ClickHouse failure classification', () => {
  it('retries outages: network errors, timeouts, a server busy or not set up yet', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Timeout error.'),
      new Error('socket hang up'),
      chError(241, 'Memory limit (total) exceeded'),
      chError(159, 'Timeout exceeded: elapsed 30 seconds'),
      chError(60, 'Table backbeat.events does not exist'),
      chError(516, 'Authentication failed'),
      chError(
        252,
        'Too many parts (3001). Merges are processing significantly slower than inserts',
      ),
      new Error('503 Service Unavailable'),
    ])
      assert.equal(classifyClickHouseError(err).kind, 'retry', err.message);
  });

  it('rejects what the engine refuses in the data: retrying the same rows cannot succeed', () => {
    for (const err of [
      chError(252, 'Too many partitions for single INSERT block (more than 100)'),
      chError(376, 'Cannot parse UUID from String'),
      chError(27, "Cannot parse input: expected '\"' before: ..."),
      chError(53, 'Type mismatch in IN or VALUES section'),
      chError(117, 'Unknown field found while parsing JSONEachRow format: foo'),
      chError(41, 'Cannot parse datetime'),
      chError(123456, 'a code no list names'),
      new TypeError("Cannot read properties of undefined (reading 'x')"),
    ])
      assert.equal(classifyClickHouseError(err).kind, 'reject', err.message);
  });

  it('names the code and keeps the reason', () => {
    assert.deepEqual(classifyClickHouseError(chError(376, 'Cannot parse UUID')), {
      kind: 'reject',
      code: 'CLICKHOUSE_376',
      reason: 'Cannot parse UUID',
    });
    assert.equal(classifyClickHouseError(chError(241, 'x')).code, 'MEMORY_LIMIT_EXCEEDED');
  });
});

describe('splitByPartition', () => {
  it('groups rows so no group spans more than max partitions, keeping every row once', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ i, month: `m${i % 250}` }));
    const groups = splitByPartition(rows, (r) => r.month, 100);
    assert.deepEqual(
      groups.map((g) => new Set(g.map((r) => r.month)).size),
      [100, 100, 50],
    );
    assert.deepEqual(
      groups
        .flat()
        .map((r) => r.i)
        .sort((a, b) => a - b),
      rows.map((r) => r.i),
    );
    // A partition is never split across groups, and the grouping is the same every time.
    const owner = new Map<string, number>();
    for (const [n, g] of groups.entries())
      for (const r of g) {
        assert.equal(owner.get(r.month) ?? n, n, r.month);
        owner.set(r.month, n);
      }
    assert.deepEqual(
      splitByPartition(rows, (r) => r.month, 100),
      groups,
    );
  });

  it('keeps a batch whole without a partition key, and answers nothing for no rows', () => {
    assert.deepEqual(splitByPartition([1, 2, 3], undefined, 1), [[1, 2, 3]]);
    assert.deepEqual(
      splitByPartition([], (r) => String(r), 1),
      [],
    );
  });
});
