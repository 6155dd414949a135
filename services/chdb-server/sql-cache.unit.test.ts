import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlCache } from './sql-cache.js';

describe('SqlCache', () => {
  it('given a statement kept, when it is asked for again, then its re-printed form comes back', () => {
    const cache = new SqlCache();
    cache.set('select  1 -- hi', 'SELECT 1');
    assert.equal(cache.get('select  1 -- hi'), 'SELECT 1');
    assert.equal(cache.get('select 1'), undefined);
  });

  it('given a text longer than the limit, when it is kept, then it is not cached', () => {
    const cache = new SqlCache({ maxEntries: 10, maxSqlLength: 8 });
    cache.set('SELECT 12', 'SELECT 12');
    cache.set('SELECT 1', 'SELECT 1');
    assert.equal(cache.get('SELECT 12'), undefined);
    assert.equal(cache.get('SELECT 1'), 'SELECT 1');
  });

  it('given a full cache, when one more is kept, then it starts over with only the new one', () => {
    const cache = new SqlCache({ maxEntries: 2, maxSqlLength: 100 });
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('c'), 'C');
  });

  it('given the defaults, then 2000 statements of up to 64 KiB are kept', () => {
    const cache = new SqlCache();
    for (let i = 0; i < 2000; i++) cache.set(`SELECT ${i}`, `SELECT ${i}`);
    assert.equal(cache.size, 2000);
    cache.set('x'.repeat(65_536), 'X');
    assert.equal(cache.size, 1);
    cache.set('y'.repeat(65_537), 'Y');
    assert.equal(cache.get('y'.repeat(65_537)), undefined);
  });
});
