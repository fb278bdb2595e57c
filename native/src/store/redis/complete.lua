-- A leased page is done: its record and its new links are committed together, or not at
-- all if `me` no longer holds the lease (it expired and the URL went back to the queue).
-- ARGV: prefix, me, url, record JSON, bytes, error kind ('' if none),
--       then (seen bucket, fingerprint member, queue item) per link, then the call id
--       (the last ARGV, read by the replay wrapper: see link.rs).
-- Returns {1 if accepted else 0, queue length}.
local P, me, url = ARGV[1], ARGV[2], ARGV[3]
local queue = P .. 'queue'
if redis.call('HDEL', P .. 'leases:' .. me, url) == 0 then
  return {0, redis.call('LLEN', queue)}
end
redis.call('SREM', P .. 'started:' .. me, url)
for i = 7, #ARGV - 1, 3 do
  if redis.call('SADD', P .. 'seen:' .. ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('RPUSH', queue, ARGV[i + 2])
  end
end
redis.call('XADD', P .. 'records', '*', 'r', ARGV[4])
local stats = P .. 'stats'
redis.call('HINCRBY', stats, 'pages', 1)
redis.call('HINCRBY', stats, 'bytes', ARGV[5])
if ARGV[6] ~= '' then
  redis.call('HINCRBY', stats, 'errors', 1)
  redis.call('HINCRBY', stats, 'error:' .. ARGV[6], 1)
end
return {1, redis.call('LLEN', queue)}
