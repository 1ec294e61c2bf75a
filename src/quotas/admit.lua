-- One admission, atomic in Redis: the twin of checks.ts failedChecks. Every key of one call
-- carries the same {account} hash tag, so they share a slot and Redis Cluster runs it too.
-- KEYS, 5 per scope: requests this minute, tokens this minute, day, month, in-flight set.
-- ARGV: now, ticket id, ticket expiry, reserved tokens, the TTLs (ms) of minute, day, month
-- counters and of the in-flight set, then 5 limits per scope in the same order (-1: none).
-- Returns {admitted (1|0), then 5 counts per scope}: after admission, or as they stood.
local now = tonumber(ARGV[1])
local ticket = ARGV[2]
local expires = tonumber(ARGV[3])
local reserve = tonumber(ARGV[4])
local ttl = { tonumber(ARGV[5]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]) }
local inflight_ttl = tonumber(ARGV[8])
local scopes = #KEYS / 5
local adding = { 1, reserve, reserve, reserve, 1 }
local counts = {}
local admitted = 1

for s = 0, scopes - 1 do
  for d = 1, 4 do
    counts[s * 5 + d] = tonumber(redis.call('GET', KEYS[s * 5 + d]) or '0')
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[s * 5 + 5], '-inf', now)
  counts[s * 5 + 5] = redis.call('ZCARD', KEYS[s * 5 + 5])
  for d = 1, 5 do
    local limit = tonumber(ARGV[8 + s * 5 + d])
    if limit >= 0 and counts[s * 5 + d] + adding[d] > limit then admitted = 0 end
  end
end

if admitted == 1 then
  for s = 0, scopes - 1 do
    for d = 1, 4 do
      local key = KEYS[s * 5 + d]
      counts[s * 5 + d] = redis.call('INCRBY', key, adding[d])
      redis.call('PEXPIRE', key, ttl[d])
    end
    local set = KEYS[s * 5 + 5]
    redis.call('ZADD', set, expires, ticket)
    redis.call('PEXPIRE', set, inflight_ttl)
    counts[s * 5 + 5] = counts[s * 5 + 5] + 1
  end
end

local reply = { admitted }
for i = 1, scopes * 5 do reply[i + 1] = counts[i] end
return reply
