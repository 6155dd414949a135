import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { BadParameter, day, decodeCursor, encodeCursor, offsetPage } from './label-http.js';
import { createTokenBuckets } from './label-rate.limiter.js';
import { csvField, csvRow, statementCsvFileName } from './label-statement.csv.js';
import { dsrMessageId } from './label-statement.dsr.js';

const req = (query: Record<string, unknown>) => ({ query }) as unknown as Request;

describe('label route helpers', () => {
  it('given an offset, when encoded and decoded, then the same offset; anything else is a 400 naming cursor', () => {
    for (const n of [0, 20, 123_456]) assert.equal(decodeCursor(encodeCursor(n)), n);
    for (const bad of ['', 'x', 'garbage!', Buffer.from('o1:01').toString('base64url')])
      assert.throws(
        () => decodeCursor(bad),
        (e: unknown) => e instanceof BadParameter && e.parameter === 'cursor',
      );
    assert.deepEqual(offsetPage(req({})), { limit: 20, offset: 0 });
    assert.throws(() => offsetPage(req({ limit: '0' })), BadParameter);
    assert.throws(() => offsetPage(req({ limit: ['1', '2'] })), BadParameter);
  });

  it('given days, when parsed, then only real calendar days pass', () => {
    assert.equal(day('2024-02-29', 'from'), Date.UTC(2024, 1, 29));
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', undefined])
      assert.throws(() => day(bad, 'from'), BadParameter);
  });

  it('given RFC 4180 fields, when quoted, then only those with a comma, quote, CR or LF, quotes doubled', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvRow(['a', 'b,c']), 'a,"b,c"\r\n');
    assert.equal(
      statementCsvFileName('2026-11-SE-v1', 'label.1/x'),
      'statement_2026-11-SE-v1_label1x.csv',
    );
  });

  it('given statement, label and model, then a MessageId free of DSR escapes, one per model', () => {
    assert.equal(
      dsrMessageId('2026-11-SE-v2', 'label-1', 'streamshare'),
      'BB-2026-11-SE-v2-label-1',
    );
    assert.equal(
      dsrMessageId('2026-11-SE-v2', 'lab|el', 'user-centric'),
      'BB-2026-11-SE-v2-lab-el-UC',
    );
  });

  it('given a token bucket of burst 2 and 1/s, then the third request waits, and a second later one passes', () => {
    let t = 1_000_000;
    const b = createTokenBuckets({ ratePerSecond: 1, burst: 2 }, () => t);
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 1);
    assert.equal(b.take('b'), 0, 'per key');
    t += 1000;
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 1);
    t += 60_000;
    b.take('c');
    assert.equal(b.size, 1, 'idle full buckets are dropped');
  });
});
