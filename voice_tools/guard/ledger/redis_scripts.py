"""The Redis ledger's scripts: each check-and-effect as one Lua script, which Redis runs atomically (no other
client's command runs between a script's read of the day's count and its write of the reservation).

KEYS and ARGV are laid out by the ``RedisLedger`` method that runs each script (``redis.py``).
"""

# A reservation reached late is refused before anything else (RESERVE's ARGV[13], RESERVE_BATCH's ARGV[8]: the latest
# moment, in ms of Redis's clock, it may still be made; KEYS[n]: the day's count): see redis.RESERVE_WITHIN_SECONDS.
LATE = """
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[%d]) then
  return {'late', tonumber(redis.call('GET', KEYS[%d]) or '0'), ''}
end
"""

RESERVE = (
    LATE % (13, 3)
    + """
local active = tonumber(redis.call('GET', KEYS[3]) or '0')
if ARGV[12] ~= '' then
  local held = redis.call('GET', KEYS[7])
  if (not held) or cjson.decode(held)['id'] ~= ARGV[12] then return {'identity', active, ''} end
end
if ARGV[2] == '1' then
  local holder = redis.call('GET', KEYS[1])
  if holder then return {'quote_used', active, holder} end
end
local pending = redis.call('GET', KEYS[2])
if pending then return {'subject_pending', active, pending} end
local cap = tonumber(ARGV[3])
if cap >= 0 and active >= cap then return {'cap_reached', active, ''} end
if ARGV[2] == '1' then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[11]))
redis.call('HSET', KEYS[4], 'kind', ARGV[4], 'subject', ARGV[5], 'quote', ARGV[6], 'day', ARGV[7],
           'status', 'sending', 'started_at', ARGV[8], 'details', ARGV[9])
redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1])
redis.call('RPUSH', KEYS[6], ARGV[10])
return {'reserved', active + 1, ''}
"""
)

# KEYS: day, open, audit, identity, then per item: quote key, subject key, attempt key.
# ARGV: n, cap, kind, day, started_at, day TTL, identity ('' : unchecked), latest moment (ms), then per item: id,
# has quote, subject, quote, details, audit.
RESERVE_BATCH = (
    LATE % (8, 1)
    + """
local n, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local active = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[7] ~= '' then
  local held = redis.call('GET', KEYS[4])
  if (not held) or cjson.decode(held)['id'] ~= ARGV[7] then return {'identity', active, ''} end
end
local seen = {}
for i = 0, n - 1 do
  local k, a = 5 + 3 * i, 9 + 6 * i
  local subject = ARGV[a + 2]
  if ARGV[a + 1] == '1' and redis.call('EXISTS', KEYS[k]) == 1 then return {'quote_used', active, subject} end
  if redis.call('EXISTS', KEYS[k + 1]) == 1 or seen[KEYS[k + 1]] then return {'subject_pending', active, subject} end
  seen[KEYS[k + 1]] = true
end
if cap >= 0 and active + n > cap then return {'cap_reached', active, ''} end
for i = 0, n - 1 do
  local k, a = 5 + 3 * i, 9 + 6 * i
  if ARGV[a + 1] == '1' then redis.call('SET', KEYS[k], ARGV[a]) end
  redis.call('SET', KEYS[k + 1], ARGV[a])
  redis.call('HSET', KEYS[k + 2], 'kind', ARGV[3], 'subject', ARGV[a + 2], 'quote', ARGV[a + 3], 'day', ARGV[4],
             'status', 'sending', 'started_at', ARGV[5], 'details', ARGV[a + 4])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[a])
  redis.call('RPUSH', KEYS[3], ARGV[a + 5])
end
redis.call('INCRBY', KEYS[1], n)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return {'reserved', active + n, ''}
"""
)

SETTLE = """
if ARGV[5] ~= '' then
  local f = redis.call('HMGET', KEYS[1], 'kind', 'subject', 'quote', 'day')
  if (f[1] or '') .. '|' .. (f[2] or '') .. '|' .. (f[3] or '') .. '|' .. (f[4] or '') ~= ARGV[5] then return -1 end
end
local current = redis.call('HGET', KEYS[1], 'status')
if (not current) or current == ARGV[2] then return 0 end
if current ~= 'sending' and current ~= 'unknown' and current ~= 'unresolved' then return 0 end
if current == 'unresolved' and ARGV[2] ~= 'purchased' and ARGV[2] ~= 'released' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'settled_at', ARGV[3])
if current == 'unresolved' then redis.call('ZREM', KEYS[7], ARGV[1]) end
if ARGV[2] == 'unresolved' then redis.call('ZADD', KEYS[7], redis.call('HGET', KEYS[1], 'started_at'), ARGV[1]) end
if ARGV[2] ~= 'unknown' then
  if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
  redis.call('ZREM', KEYS[5], ARGV[1])
end
if ARGV[2] == 'not_purchased' or ARGV[2] == 'not_released' then
  if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
  redis.call('DECR', KEYS[4])
end
redis.call('RPUSH', KEYS[6], ARGV[4])
return 1
"""

TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
used = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return used
"""

ISSUE_CODE = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[4]) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[2], 'quote', ARGV[1], 'binding', ARGV[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]))
return 1
"""

REDEEM_CODE = """
local max = tonumber(ARGV[3])
local wrong = tonumber(redis.call('GET', KEYS[1]) or '0')
if wrong >= max then return {'locked', 0} end
local quote = redis.call('HGET', KEYS[2], 'quote')
if quote == ARGV[1] and redis.call('HGET', KEYS[2], 'binding') == ARGV[2] then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], KEYS[2])
  return {'redeemed', max - wrong}
end
local outcome = 'unknown'
if quote == ARGV[1] then outcome = 'mismatch' end
local live = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local left = redis.call('PTTL', key)
  if left > live then live = left end
end
if live <= 0 then return {outcome, max} end
wrong = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], live)
if wrong >= max then
  for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', key) end
  redis.call('DEL', KEYS[3])
  return {'locked', 0}
end
return {outcome, max - wrong}
"""
