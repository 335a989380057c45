-- A typist (typing:*): ARGV[4] app, [5] room, [6] user, [7] ms left: > 0 NODE's typist starts
-- or is refreshed, 0 it stopped, < 0 it expired on NODE (its deadline passed; no signal); [8] the
-- typing signal's body. Each node's typists are kept in node:{node}:ty (field app\nroom\nuser,
-- the deadline on Redis's clock), so a node started later reads them (typists.lua); a typist
-- belongs to the node that started or refreshed it last.
local field = ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. ARGV[6]
local mine = P .. 'node:' .. NODE .. ':ty'
local left = tonumber(ARGV[7])
if left < 0 then
  local d = tonumber(redis.call('HGET', mine, field) or '-1')
  if d >= 0 and d <= whNow() + 500 then
    redis.call('HDEL', mine, field)
  end
  return 1
end
for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if n ~= NODE then
    redis.call('HDEL', P .. 'node:' .. n .. ':ty', field)
  end
end
if left > 0 then
  redis.call('HSET', mine, field, string.format('%d', whNow() + left))
else
  redis.call('HDEL', mine, field)
end
signal(ARGV[4], 'typing', ARGV[8])
return 1
