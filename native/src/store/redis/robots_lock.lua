-- Take the right to fetch `origin`'s robots.txt: free, already `me`'s, or held by a worker
-- that is no longer alive (it died mid-fetch; the others should not wait out the lock's
-- expiry).
-- ARGV: prefix, me, origin, hold ms
-- Returns 1 if `me` now holds the lock, else 0.
local P, me = ARGV[1], ARGV[2]
local lock = P .. 'robots_lock:' .. ARGV[3]
if redis.call('SET', lock, me, 'NX', 'PX', ARGV[4]) then
  return 1
end
local owner = redis.call('GET', lock)
if owner == me then
  return 1
end
if owner and owner ~= me and redis.call('EXISTS', P .. 'alive:' .. owner) == 0 then
  redis.call('SET', lock, me, 'PX', ARGV[4])
  return 1
end
return 0
