import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../common/config/app.config.js';

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose without an engine, with every role of the stack', () => {
    const file = path.join(repoRoot(), 'docker-compose.yml');
    execFileSync('docker-compose', ['-f', file, 'config', '-q'], { stdio: 'pipe' });
    const services = execFileSync('docker-compose', ['-f', file, 'config', '--services'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(services, [
      'clickhouse',
      'grafana',
      'kafka',
      'prometheus',
      'redis',
      'schema-registry',
    ]);
  });
});
