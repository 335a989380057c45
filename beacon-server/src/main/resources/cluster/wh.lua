-- Webhooks: the vacates, member removals and throttled subscription counts whose time has come
-- (at most ARGV[4]), taken off wh:due by this node, which sends them: each is handed to one node
-- only. In due order; a channel's removals come before its vacate (left first, or, due at the
-- same moment, 'r' sorts before 'v'). A count entry is returned with the channel's count now
-- (none if it has emptied meanwhile) and opens the next 5 s window.
local due = redis.call('ZRANGEBYSCORE', P .. 'wh:due', '-inf', whNow(), 'LIMIT', 0, tonumber(ARGV[4]))
local res = {}
for _, e in ipairs(due) do
  redis.call('ZREM', P .. 'wh:due', e)
  if string.sub(e, 1, 2) == 'c\n' then
    local app, ch = string.match(e, '^c\n([^\n]*)\n(.*)$')
    local n = tonumber(redis.call('HGET', P .. 'ch:' .. app, ch) or '0')
    if n > 0 then
      redis.call('SET', P .. 'wh:cnt:' .. app .. ':' .. ch, '1', 'PX', 5000)
      res[#res + 1] = e .. '\n' .. n
    end
  else
    res[#res + 1] = e
  end
end
return res
