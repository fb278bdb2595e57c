-- Lease the next queued URL to worker `me`.
-- First the leases of dead workers (whose alive: key expired) go back to the front of the
-- queue; those the dead worker had started (`started:{worker}`) with their attempt count
-- raised, so a URL that kills every worker that fetches it becomes a too_many_attempts
-- record in the engine instead of a poison pill (URLs it only held ahead are not charged).
-- Then the head of the queue moves into leases:{me}, unmarked (a mark left by a worker
-- that lost the URL while paused must not charge its next lease). With the queue empty, the
-- answer is 'later' while any worker still holds a lease (its page may bring links), else
-- 'empty', and the crawl is marked finished. A worker whose own alive: key has lapsed (it
-- was paused for longer than its lease and others took its URLs) gets nothing until its
-- heartbeat has announced it again: a lease granted now would be reaped at once.
-- ARGV: prefix, me
-- Returns {'url', item, queue length} | {'later', 'mine' if `me` holds leases, 'dead' if
-- `me` is presumed dead, else 'others', 0} | {'empty', '', 0}.
local P, me = ARGV[1], ARGV[2]
local queue = P .. 'queue'

for _, worker in ipairs(redis.call('SMEMBERS', P .. 'workers')) do
  if redis.call('EXISTS', P .. 'alive:' .. worker) == 0 then
    local leased = redis.call('HGETALL', P .. 'leases:' .. worker)
    local started = P .. 'started:' .. worker
    for i = 1, #leased, 2 do
      local item = leased[i + 1]
      if redis.call('SISMEMBER', started, leased[i]) == 1 then
        -- Started and never recorded: the item's attempt count `"a":N` goes up (silk
        -- writes "a" first in every item, so it is found in place).
        local n = tonumber(string.match(item, '^{"a":(%d+),')) or 0
        item = string.gsub(item, '^{"a":%d+,', '{', 1)
        item = '{"a":' .. (n + 1) .. ',' .. string.sub(item, 2)
      end
      redis.call('LPUSH', queue, item)
    end
    redis.call('DEL', started)
    if #leased > 0 then
      redis.call('HINCRBY', P .. 'stats', 'reclaimed', #leased / 2)
    end
    redis.call('DEL', P .. 'leases:' .. worker)
    redis.call('SREM', P .. 'workers', worker)
  end
end
if redis.call('EXISTS', P .. 'alive:' .. me) == 0 then
  return {'later', 'dead', 0}
end
redis.call('SADD', P .. 'workers', me)

local item = redis.call('LPOP', queue)
if item then
  local url = cjson.decode(item).u
  redis.call('HSET', P .. 'leases:' .. me, url, item)
  redis.call('SREM', P .. 'started:' .. me, url)
  return {'url', item, redis.call('LLEN', queue)}
end
if redis.call('HLEN', P .. 'leases:' .. me) > 0 then
  return {'later', 'mine', 0}
end
for _, worker in ipairs(redis.call('SMEMBERS', P .. 'workers')) do
  if redis.call('HLEN', P .. 'leases:' .. worker) > 0 then
    return {'later', 'others', 0}
  end
end
redis.call('SET', P .. 'finished', '1')
return {'empty', '', 0}
