-- A finished request: its token reservation corrected to what it used, its slot freed.
-- KEYS, 4 per scope: tokens this minute, day, month, in-flight set. ARGV: ticket id, delta
-- (used - reserved). A counter that has expired (its window is long over) is not re-created.
local ticket = ARGV[1]
local delta = tonumber(ARGV[2])
for s = 0, #KEYS / 4 - 1 do
  for d = 1, 3 do
    local key = KEYS[s * 4 + d]
    if delta ~= 0 and redis.call('EXISTS', key) == 1 then redis.call('INCRBY', key, delta) end
  end
  redis.call('ZREM', KEYS[s * 4 + 4], ticket)
end
return 1
