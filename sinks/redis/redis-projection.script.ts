/**
 * Applies one planned batch of a Redis projection and the partition offsets that produced it,
 * atomically. Refuses (returns 0, changes nothing) unless each partition's batch starts right
 * after its stored offset: a redelivery, another instance owning it now, or a swapped-in rebuild.
 * Each event's operations run only the first time its event_id is seen (SET NX with a TTL),
 * so a duplicated event (same event_id, another offset) is counted once.
 *
 * KEYS: one stored-offset key per partition range.
 * ARGV: nRanges, (from, to) * nRanges, keyPrefix, seenPrefix, seenTtl, nEvents,
 *       then per event: eventId, nOps, and per op: opcode, nArgs, args...
 */
export const APPLY_BATCH_LUA = `
local nr = tonumber(ARGV[1])
for r = 1, nr do
  local stored = redis.call('GET', KEYS[r])
  -- offsets must continue exactly where the stored one ends (Kafka offsets of Backbeat's
  -- topics are contiguous): anything else means another writer moved it, so refuse.
  if stored and tonumber(stored) ~= tonumber(ARGV[2 + (r - 1) * 2]) - 1 then
    return 0
  end
end
local i = 2 + nr * 2
local prefix = ARGV[i]
local seenPrefix = ARGV[i + 1]
local ttl = tonumber(ARGV[i + 2])
local ne = tonumber(ARGV[i + 3])
i = i + 4
local applied = 0
for _ = 1, ne do
  local id = ARGV[i]
  local nops = tonumber(ARGV[i + 1])
  i = i + 2
  local fresh = redis.call('SET', seenPrefix .. id, '1', 'NX', 'EX', ttl)
  if fresh then applied = applied + 1 end
  for _ = 1, nops do
    local op = ARGV[i]
    local na = tonumber(ARGV[i + 1])
    local a = i + 2
    if fresh then
      local key = prefix .. ARGV[a]
      if op == 'hincrby' then
        redis.call('HINCRBY', key, ARGV[a + 1], ARGV[a + 2])
      elseif op == 'zincrby' then
        redis.call('ZINCRBY', key, ARGV[a + 1], ARGV[a + 2])
      elseif op == 'incrby' then
        redis.call('INCRBY', key, ARGV[a + 1])
      elseif op == 'hset' then
        redis.call('HSET', key, ARGV[a + 1], ARGV[a + 2])
      elseif op == 'hsetlww' then
        -- keep the value with the latest timestamp: stored as "<ts>|<value>"
        local cur = redis.call('HGET', key, ARGV[a + 1])
        local ts = tonumber(ARGV[a + 3])
        if (not cur) or tonumber(string.match(cur, '^(%d+)|')) <= ts then
          redis.call('HSET', key, ARGV[a + 1], ARGV[a + 3] .. '|' .. ARGV[a + 2])
        end
      elseif op == 'zaddcap' then
        redis.call('ZADD', key, ARGV[a + 1], ARGV[a + 2])
        redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[a + 3]) + 1))
      elseif op == 'zadd' then
        redis.call('ZADD', key, ARGV[a + 1], ARGV[a + 2])
      elseif op == 'zrem' then
        redis.call('ZREM', key, ARGV[a + 1])
      elseif op == 'sadd' then
        redis.call('SADD', key, ARGV[a + 1])
      elseif op == 'srem' then
        redis.call('SREM', key, ARGV[a + 1])
      elseif op == 'set' then
        if tonumber(ARGV[a + 2]) > 0 then
          redis.call('SET', key, ARGV[a + 1], 'EX', ARGV[a + 2])
        else
          redis.call('SET', key, ARGV[a + 1])
        end
      else
        return redis.error_reply('unknown op ' .. op)
      end
    end
    i = a + na
  end
end
for r = 1, nr do
  redis.call('SET', KEYS[r], ARGV[3 + (r - 1) * 2])
end
return { 1, applied }
`;
