import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageFormatArgs } from './kafka.service.js';

describe('kafka-storage format arguments', () => {
  it('given a cluster id that starts with a dash, when formatted, then it is bound to its option', () => {
    assert.deepEqual(storageFormatArgs('-CdWCDZIlmWwp_34_z0M7g', '/tmp/x/server.properties'), [
      '--cluster-id=-CdWCDZIlmWwp_34_z0M7g',
      '--config=/tmp/x/server.properties',
    ]);
  });

  it('given any id, when formatted, then no argument stands alone for the parser to misread', () => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', '-AAAAAAAAAAAAAAAAAAAAA', '--AAAAAAAAAAAAAAAAAAAA'])
      for (const arg of storageFormatArgs(id, 'p')) assert.match(arg, /^--[a-z-]+=/);
  });
});
