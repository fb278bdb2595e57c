-- Claim a redirect target for the page `by`: true if it was unseen (it is now, and the
-- claim is remembered) or was claimed by the same page before (a page fetched again after
-- its worker died must be able to follow its redirect again).
-- ARGV: prefix, seen bucket, fingerprint member, target fingerprint, by fingerprint
-- Returns 1 or 0.
local P = ARGV[1]
local claims = P .. 'claims'
if redis.call('SADD', P .. 'seen:' .. ARGV[2], ARGV[3]) == 1 then
  redis.call('HSET', claims, ARGV[4], ARGV[5])
  return 1
end
if redis.call('HGET', claims, ARGV[4]) == ARGV[5] then
  return 1
end
return 0
