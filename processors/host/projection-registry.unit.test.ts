import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../common/config/app.config.js';
import { PROJECTION_NAMES, PROJECTIONS } from './projection-registry.js';

describe('projection registry', () => {
  it('given the default configuration, then a processors process runs every registered projection', () => {
    assert.deepEqual(loadConfig({}).processors.enabled, [...PROJECTION_NAMES]);
  });

  it('given PROCESSORS naming every projection, then it validates; an unknown name stops start-up naming it', () => {
    assert.deepEqual(loadConfig({ PROCESSORS: PROJECTION_NAMES.join(',') }).processors.enabled, [
      ...PROJECTION_NAMES,
    ]);
    assert.throws(() => loadConfig({ PROCESSORS: 'user-state,playlists-x' }), /PROCESSORS/);
  });

  it('every entry is named as registered', () => {
    for (const name of PROJECTION_NAMES) assert.equal(PROJECTIONS[name].name, name);
  });
});
