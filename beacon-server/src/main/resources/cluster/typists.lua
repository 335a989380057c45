-- Every other node's typists with the time they have left (those past their deadline are
-- removed): answers {node, app\nroom\nuser, ms left, ...}.
local now = whNow()
local res = {}
for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if n ~= NODE then
    local key = P .. 'node:' .. n .. ':ty'
    local all = redis.call('HGETALL', key)
    for j = 1, #all, 2 do
      local left = tonumber(all[j + 1]) - now
      if left > 0 then
        res[#res + 1] = n
        res[#res + 1] = all[j]
        res[#res + 1] = left
      else
        redis.call('HDEL', key, all[j])
      end
    end
  end
end
return res
