import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors/backbeat.error.js';
import { configTable, loadConfig, repoRoot, sections } from './app.config.js';

const root = '/srv/backbeat';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, root);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.problems as string[];
  }
  assert.fail('expected the configuration to be rejected');
}

describe('config', () => {
  it('given no environment, when loaded, then every default fits the embedded stack', () => {
    const c = loadConfig({}, root);
    assert.deepEqual(c.kafka.brokers, ['127.0.0.1:19092']);
    assert.equal(c.kafka.local, true);
    assert.equal(c.redis.url, 'redis://127.0.0.1:16379/0');
    assert.equal(c.redis.local, true);
    assert.equal(c.clickhouse.url, 'http://backbeat:backbeat@127.0.0.1:18123');
    assert.equal(c.clickhouse.local, true);
    assert.equal(c.clickhouse.chdbPath, '/srv/backbeat/.data/default/chdb');
    assert.equal(c.stack.dataDir, '/srv/backbeat/.data/default');
    assert.equal(c.ops.metricsPort, 9464);
    assert.equal(c.log.level, 'info');
  });

  it('given external services, when loaded, then the stack will not start them', () => {
    const c = loadConfig(
      {
        KAFKA_BROKERS: 'k1:9092,k2:9092',
        REDIS_URL: 'redis://r:6379/2',
        CLICKHOUSE_URL: 'http://u:p@ch:8123',
      },
      root,
    );
    assert.deepEqual(c.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(c.kafka.local, false);
    assert.equal(c.redis.local, false);
    assert.equal(c.clickhouse.url, 'http://u:p@ch:8123');
    assert.equal(c.clickhouse.local, false);
  });

  it('given a non-numeric port, when loaded, then the error names the variable and the value', () => {
    const [p] = problemsOf({ KAFKA_PORT: 'abc' });
    assert.match(p!, /^KAFKA_PORT must be a TCP port number .*"abc"/);
  });

  it('given an out-of-range port, when loaded, then it is rejected', () => {
    assert.match(
      problemsOf({ REDIS_PORT: '70000' })[0]!,
      /^REDIS_PORT must be between 1 and 65535/,
    );
    assert.match(
      problemsOf({ METRICS_PORT: '65536' })[0]!,
      /^METRICS_PORT must be between 0 and 65535/,
    );
    assert.match(problemsOf({ KAFKA_PORT: '19092.5' })[0]!, /^KAFKA_PORT must be an integer/);
  });

  it('given several bad settings, when loaded, then every one is reported at once', () => {
    const problems = problemsOf({
      LOG_LEVEL: 'loud',
      CLICKHOUSE_URL: 'not a url',
      KAFKA_HEAP_MB: '-5',
      CLICKHOUSE_DATABASE: 'drop table',
    });
    assert.deepEqual(
      problems.map((p) => p.split(' ')[0]),
      ['LOG_LEVEL', 'KAFKA_HEAP_MB', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE'],
    );
    assert.match(problems[0]!, /must be one of fatal, error/);
  });

  it('given malformed broker lists, when loaded, then they are rejected', () => {
    assert.match(
      problemsOf({ KAFKA_BROKERS: 'localhost' })[0]!,
      /^KAFKA_BROKERS must be host:port/,
    );
    assert.match(problemsOf({ KAFKA_BROKERS: 'a:1, b:2' })[0]!, /^KAFKA_BROKERS must be host:port/);
  });

  it('given the same port for broker and controller, when loaded, then it is rejected', () => {
    assert.deepEqual(problemsOf({ KAFKA_PORT: '9000', KAFKA_CONTROLLER_PORT: '9000' }), [
      'KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT',
    ]);
  });

  it('the error message lists every problem under one heading', () => {
    try {
      loadConfig({ REDIS_PORT: 'x', KAFKA_PORT: 'y' }, root);
      assert.fail('expected rejection');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.retriable, false);
      assert.match(err.message, /^Invalid configuration:\n {2}- KAFKA_PORT .*\n {2}- REDIS_PORT /);
    }
  });

  it('given the recommendation settings, then the defaults, and each invalid one is named', () => {
    assert.deepEqual(loadConfig({}, root).recs, {
      refreshIntervalMs: 30_000,
      topK: 20,
      months: 12,
      metric: 'llr',
      fullEveryMs: 3_600_000,
      mixPerArtist: 2,
    });
    assert.equal(loadConfig({ RECS_METRIC: 'cosine' }, root).recs.metric, 'cosine');
    const problems = problemsOf({
      RECS_REFRESH_INTERVAL_MS: '0',
      RECS_TOP_K: '500',
      RECS_MONTHS: 'x',
      RECS_METRIC: 'jaccard',
      RECS_FULL_EVERY_MS: '-1',
      RECS_MIX_PER_ARTIST: '1.5',
    });
    for (const name of [
      'RECS_REFRESH_INTERVAL_MS',
      'RECS_TOP_K',
      'RECS_MONTHS',
      'RECS_METRIC',
      'RECS_FULL_EVERY_MS',
      'RECS_MIX_PER_ARTIST',
    ])
      assert.ok(
        problems.some((p) => p.startsWith(`${name} `)),
        `${name} named in ${problems.join('; ')}`,
      );
    assert.ok(problems.some((p) => p === 'RECS_METRIC must be llr or cosine (got "jaccard")'));
  });

  it('README lists every setting, with the table generated from the definitions', () => {
    const readme = readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
    for (const spec of Object.values(sections)) {
      for (const s of Object.values(spec))
        assert.ok(
          readme.includes(`| \`${s.env}\` |`),
          `README's configuration table lacks ${s.env}`,
        );
    }
    assert.ok(
      readme.includes(configTable()),
      'README configuration table is stale: paste the output of `npm run config:table`',
    );
  });
});
