-- A leased URL that gets no record in this run goes back to the front of the queue (not
-- counted as an attempt: this worker gave it back alive).
-- ARGV: prefix, me, url
-- Returns the queue length.
local P, me, url = ARGV[1], ARGV[2], ARGV[3]
local leases = P .. 'leases:' .. me
local item = redis.call('HGET', leases, url)
if item then
  redis.call('HDEL', leases, url)
  redis.call('SREM', P .. 'started:' .. me, url)
  redis.call('LPUSH', P .. 'queue', item)
end
return redis.call('LLEN', P .. 'queue')
