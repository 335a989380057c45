-- A per-user rate limit counted for the whole cluster: a token bucket (as each node's own,
-- RateLimiter) of ARGV[7] tokens refilled at ARGV[7] per second, on Redis's clock, for user
-- ARGV[6]'s limit ARGV[5] in app ARGV[4]. Answers 1 when a token was taken, 0 when it is empty.
-- The key lapses once the bucket would be full again (after one second unused).
local key = P .. 'rl:' .. ARGV[4] .. ':' .. ARGV[5] .. ':' .. ARGV[6]
local rate = tonumber(ARGV[7])
local now = whNow()
local b = redis.call('HMGET', key, 't', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if not tokens or not at then
  tokens, at = rate, now
end
if now > at then
  tokens = math.min(rate, tokens + (now - at) * rate / 1000)
  at = now
end
local took = 0
if tokens >= 1 then
  tokens = tokens - 1
  took = 1
end
redis.call('HSET', key, 't', string.format('%.6f', tokens), 'at', string.format('%d', at))
redis.call('PEXPIRE', key, 2000)
return took
