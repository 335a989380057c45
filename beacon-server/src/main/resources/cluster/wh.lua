-- Webhooks: the vacates and member removals whose grace period is over (at most ARGV[4]),
-- taken off wh:due by this node, which sends them: each is handed to one node only. In due
-- order; a channel's removals come before its vacate (left first, or, due at the same moment,
-- 'r' sorts before 'v').
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', P .. 'wh:due', '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, e in ipairs(due) do
  redis.call('ZREM', P .. 'wh:due', e)
end
return due
