-- Queue a URL unless its fingerprint is already in the seen-set: one atomic step, so two
-- workers finding the same link never both queue it.
-- ARGV: prefix, seen bucket, fingerprint member, queue item (JSON)
-- Returns {1 if queued else 0, queue length}.
local P = ARGV[1]
local queued = 0
if redis.call('SADD', P .. 'seen:' .. ARGV[2], ARGV[3]) == 1 then
  redis.call('RPUSH', P .. 'queue', ARGV[4])
  queued = 1
end
return {queued, redis.call('LLEN', P .. 'queue')}
