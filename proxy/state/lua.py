"""The Lua scripts behind the redis backend: one script per primitive, each atomic.

Redis runs a script without interleaving any other command, so a limiter decision is one
round trip and cannot race across gateway instances. Scripts that need the time read it with
``TIME`` on the server, never from the caller, so instances with skewed clocks agree.
Times inside the scripts are microseconds. Floats go back to the client as strings formatted
``%.17g``, because redis truncates Lua numbers to integers in replies.

Every key a script touches is passed in ``KEYS`` and shares one hash tag, so each script is
Redis Cluster safe.
"""

from __future__ import annotations

_PRELUDE = """
local function fmt(x) return string.format('%.17g', x) end
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
"""

# KEYS[1] tat; ARGV: interval (us), burst, cost. Port of proxy/state/gcra.py:gcra_step.
GCRA = (
    _PRELUDE
    + """
local now = now_us()
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local eps = 1e-9
local limit = burst + 1
local tolerance = interval * limit
local base = now
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat and tat > now then base = tat end
local left = math.max(0, math.floor((now - (base - tolerance)) / interval + eps))
if cost > limit then
  return {0, left, '-1', fmt(base - now)}
end
local new_tat = base + interval * cost
local allow_at = new_tat - tolerance
if allow_at - now > interval * eps then
  return {0, left, fmt(allow_at - now), fmt(base - now)}
end
if cost > 0 then
  redis.call('SET', KEYS[1], fmt(new_tat), 'PX', math.max(1, math.ceil((new_tat - now) / 1000)))
end
local remaining = math.min(limit, math.floor((now - allow_at) / interval + eps))
return {1, remaining, '0', fmt(new_tat - now)}
"""
)

# KEYS[1] counter; ARGV: amount, ttl (ms). The ttl applies when the counter is created.
INCR = """
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"""

# KEYS[1] counter; ARGV: amount, limit, ttl (ms). Returns {ok, value}.
RESERVE = (
    _PRELUDE
    + """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, fmt(cur)} end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, v}
"""
)

# KEYS[1] counter; ARGV: delta, ttl (ms). Clamped at zero so a refund never becomes credit.
ADJUST = (
    _PRELUDE
    + """
local cur = redis.call('GET', KEYS[1])
local v = tonumber(cur or '0') + tonumber(ARGV[1])
if v < 0 then v = 0 end
if cur then
  redis.call('SET', KEYS[1], fmt(v), 'KEEPTTL')
else
  redis.call('SET', KEYS[1], fmt(v), 'PX', ARGV[2])
end
return fmt(v)
"""
)

# KEYS[1] zset of event times, KEYS[2] member sequence; ARGV: window (us). Returns the count.
HIT = (
    _PRELUDE
    + """
local now = now_us()
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - window))
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], fmt(now), seq)
local ms = math.ceil(window / 1000) + 1
redis.call('PEXPIRE', KEYS[1], ms)
redis.call('PEXPIRE', KEYS[2], ms)
return redis.call('ZCARD', KEYS[1])
"""
)

# KEYS[1] lock; ARGV: token. Deletes only our own lock, never a successor's.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
