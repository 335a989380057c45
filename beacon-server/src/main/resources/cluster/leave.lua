-- ARGV[4] app, [5] channel, [6] user, [7] member_removed frame
member(ARGV[4], ARGV[5], ARGV[6], '', -1, ARGV[7])
local base = P .. 'pm:' .. ARGV[4] .. ':' .. ARGV[5]
if redis.call('HLEN', base) == 0 then
  redis.call('DEL', base .. ':v')
end
return out
