import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { parseRecsArgs } from './recs.args.js';

const problem = (argv: string[]) => {
  try {
    parseRecsArgs(argv);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return (err.problems as string[])[0]!;
  }
  assert.fail('expected a ConfigError');
};

describe('npm run recs arguments', () => {
  it('given refresh with or without --full, then parsed', () => {
    assert.deepEqual(parseRecsArgs(['refresh']), { command: 'refresh', full: false });
    assert.deepEqual(parseRecsArgs(['refresh', '--full']), { command: 'refresh', full: true });
  });

  it('given no command, an unknown one, an unknown flag or --full twice, then an error naming it', () => {
    assert.match(problem([]), /^name a command: refresh/);
    assert.match(problem(['rebuild']), /^unknown command rebuild/);
    assert.match(problem(['refresh', '--ful']), /^unknown flag --ful/);
    assert.match(problem(['refresh', '--full', '--full']), /^--full given twice/);
  });
});
