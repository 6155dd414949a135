import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentHash } from './statement.compute.js';
import { AB, C, holder, row, statement } from '../../test/helpers/royalty-statement.helper.js';

describe('contentHash', () => {
  const rows = [row('u1', 'T1', AB, 3), row('u2', 'T1', AB, 1), row('u2', 'T2', C, 1)];
  const base = contentHash(statement(rows));

  it('given the same rows and holders in another order, then the same hash', () => {
    const reordered = [...rows].reverse().map((r) => ({ ...r, holders: [...r.holders].reverse() }));
    assert.equal(contentHash(statement(reordered)), base);
    assert.match(base, /^[0-9a-f]{64}$/);
  });

  it('given the pool as a number or as a bigint, then the same hash', () => {
    assert.equal(contentHash(statement(rows, { pool_minor: 1000n })), base);
  });

  it('given a row split in two, or an extra row of 0 streams, then the same hash', () => {
    const split = [
      row('u1', 'T1', AB, 2),
      row('u1', 'T1', AB, 1),
      ...rows.slice(1),
      row('u3', 'T2', C, 0),
    ];
    assert.equal(contentHash(statement(split)), base);
  });

  it('given a different pool, policy, stream count or holder, then a different hash', () => {
    assert.notEqual(contentHash(statement(rows, { pool_minor: 1001 })), base);
    assert.notEqual(contentHash(statement(rows, { report_id: 'rep-2' })), base);
    assert.notEqual(contentHash(statement(rows, {}, { list_zero_lines: false })), base);
    assert.notEqual(contentHash(statement([...rows.slice(1), row('u1', 'T1', AB, 4)])), base);
    assert.notEqual(
      contentHash(statement([...rows.slice(0, 2), row('u2', 'T2', [holder('D', 10_000)], 1)])),
      base,
    );
  });

  it('given the threshold off, then 12-month counts do not matter; on, they do', () => {
    assert.equal(contentHash(statement(rows, {}, {}, new Map([['T1', 5]]))), base);
    const on = (n: number): string =>
      contentHash(
        statement(
          rows,
          {},
          { min_track_streams_12m: 10 },
          new Map([
            ['T1', n],
            ['T2', 50],
            ['T3', n],
          ]),
        ),
      );
    assert.notEqual(on(5), on(6));
    assert.equal(
      on(5),
      contentHash(
        statement(
          rows,
          {},
          { min_track_streams_12m: 10 },
          new Map([
            ['T2', 50],
            ['T1', 5],
          ]),
        ),
      ),
    );
  });
});
