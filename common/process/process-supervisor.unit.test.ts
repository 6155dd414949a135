import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_ENV, childEnv } from './process-supervisor.js';

describe('process supervisor: the environment a service gets', () => {
  it('given secrets in the supervisor environment, when a service is spawned, then it inherits none of them', () => {
    const saved = { ...process.env };
    try {
      process.env.API_TOKEN_SECRET = 'token-secret-for-the-test-0123456789';
      process.env.CLICKHOUSE_PASSWORD = 'pw';
      process.env.CLICKHOUSE_ANALYST_PASSWORD = 'apw';
      process.env.CLICKHOUSE_URL = 'http://u:secret@127.0.0.1:8123';
      process.env.SOME_SETTING = 'kept';
      const env = childEnv({ REDIS_PORT: '1' });
      for (const k of SECRET_ENV) assert.equal(env[k], undefined, k);
      assert.equal(env.CLICKHOUSE_URL, undefined);
      assert.equal(env.SOME_SETTING, 'kept');
      assert.equal(env.REDIS_PORT, '1');
      // A spec that needs one names it itself.
      assert.equal(childEnv({ API_TOKEN_SECRET: 'x'.repeat(16) }).API_TOKEN_SECRET, 'x'.repeat(16));
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
