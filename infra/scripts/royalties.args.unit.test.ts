import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoyaltiesArgs } from './royalties.args.js';

describe('npm run royalties arguments', () => {
  it('given close with a period and a market, then both are read', () => {
    assert.deepEqual(parseRoyaltiesArgs(['close', '--period', '2026-11', '--market', 'SE']), {
      command: 'close',
      period: '2026-11',
      market: 'SE',
    });
  });

  it('given list, then the period is optional', () => {
    assert.deepEqual(parseRoyaltiesArgs(['list']), { command: 'list' });
  });

  it('given bad input, then a ConfigError names it', () => {
    const cases: [string[], RegExp][] = [
      [[], /name a command/],
      [['open'], /name a command/],
      [['close'], /close needs --period/],
      [['close', '--period', '2026-13'], /--period must be YYYY-MM \(got 2026-13\)/],
      [['close', '--period', '2026-11', '--market', 'se'], /--market must be an ISO 3166-1/],
      [['close', '--period'], /--period needs a value/],
      [['close', '--period', '2026-11', '--force'], /unknown flag --force/],
      [['list', '--market', 'SE'], /unknown flag --market/],
    ];
    for (const [argv, re] of cases)
      assert.throws(
        () => parseRoyaltiesArgs(argv),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.match(e.message, re);
          return true;
        },
      );
  });
});
