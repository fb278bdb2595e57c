-- Per-host politeness across all workers: at most `limit` requests in flight to `origin`
-- and at least `gap` ms between request starts. A permit is a member `worker:n` of a ZSET
-- scored by when it lapses (a worker that died without releasing it), and permits of
-- workers that are no longer alive are dropped at once. A worker presumed dead (its own
-- alive: key lapsed) gets no permit until its heartbeat has announced it again, since the
-- next caller would drop that permit at once.
-- ARGV: prefix, me, origin, limit, gap ms, hold ms
-- Returns {0, member} when granted, else {wait ms, ''}.
local P, me, origin = ARGV[1], ARGV[2], ARGV[3]
local limit, gap, hold = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local permits = P .. 'host:' .. origin .. ':permits'
local next_key = P .. 'host:' .. origin .. ':next'

if redis.call('EXISTS', P .. 'alive:' .. me) == 0 then
  return {20, ''}
end

redis.call('ZREMRANGEBYSCORE', permits, '-inf', now)
for _, member in ipairs(redis.call('ZRANGE', permits, 0, -1)) do
  local worker = string.match(member, '^(.*):%d+$')
  if worker == nil or redis.call('EXISTS', P .. 'alive:' .. worker) == 0 then
    redis.call('ZREM', permits, member)
  end
end
if redis.call('ZCARD', permits) >= limit then
  return {20, ''}
end
local next_start = tonumber(redis.call('GET', next_key) or '0')
if now < next_start then
  return {next_start - now, ''}
end
local member = me .. ':' .. redis.call('INCR', P .. 'permit_seq')
redis.call('ZADD', permits, now + hold, member)
redis.call('PEXPIRE', permits, hold)
redis.call('SET', next_key, now + gap, 'PX', gap + 60000)
return {0, member}
