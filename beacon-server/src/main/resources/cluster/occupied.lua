-- ARGV[4] app, [5] name prefix: the app's occupied channels with the prefix, as
-- name, subscriptions, users (users counted for presence channels only)
local all = redis.call('HGETALL', P .. 'ch:' .. ARGV[4])
local prefix = ARGV[5]
local res = {}
for j = 1, #all, 2 do
  local name = all[j]
  if string.sub(name, 1, #prefix) == prefix then
    res[#res + 1] = name
    res[#res + 1] = tonumber(all[j + 1])
    if string.sub(name, 1, 9) == 'presence-' then
      res[#res + 1] = redis.call('HLEN', P .. 'pm:' .. ARGV[4] .. ':' .. name)
    else
      res[#res + 1] = 0
    end
  end
end
return res
