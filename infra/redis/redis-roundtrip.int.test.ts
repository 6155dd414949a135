import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { useStack } from '../../test/helpers/stack.helper.js';

let redis: Redis;
before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
});
after(() => redis.disconnect());

describe('Redis round trip (real redis-server)', () => {
  it('writes and reads back a hash, a sorted set and a pipelined batch', async () => {
    const ns = `test:${randomUUID()}`;
    await redis.hset(`${ns}:h`, { a: '1', b: 'two' });
    assert.deepEqual(await redis.hgetall(`${ns}:h`), { a: '1', b: 'two' });

    await redis.zadd(`${ns}:z`, 3, 'c', 1, 'a', 2, 'b');
    assert.deepEqual(await redis.zrevrange(`${ns}:z`, 0, -1), ['c', 'b', 'a']);

    const pipe = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipe.incrby(`${ns}:n`, i);
    await pipe.exec();
    assert.equal(await redis.get(`${ns}:n`), String((999 * 1000) / 2));
  });

  it('runs a Lua script atomically (the sinks apply batches this way)', async () => {
    const key = `test:${randomUUID()}`;
    const script =
      "if tonumber(redis.call('GET', KEYS[1]) or '-1') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end return 0";
    assert.equal(await redis.eval(script, 1, key, '5'), 1);
    assert.equal(await redis.eval(script, 1, key, '5'), 0);
    assert.equal(await redis.eval(script, 1, key, '4'), 0);
    assert.equal(await redis.get(key), '5');
  });
});
