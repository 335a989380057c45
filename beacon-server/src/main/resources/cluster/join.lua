-- ARGV[4] app, [5] channel, [6] user, [7] user_info JSON, [8] max members, [9] member_added frame
local base = P .. 'pm:' .. ARGV[4] .. ':' .. ARGV[5]
if redis.call('HEXISTS', base, ARGV[6]) == 0 and redis.call('HLEN', base) >= tonumber(ARGV[8]) then
  return {0}
end
member(ARGV[4], ARGV[5], ARGV[6], ARGV[7], 1, ARGV[9])
local v = tonumber(redis.call('GET', base .. ':v') or '0')
return {1, v, redis.call('HGETALL', base .. ':i'), out}
