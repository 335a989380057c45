-- Shared by every Beacon cluster script (docs/CLUSTER.md lists the keys).
-- ARGV[1] key prefix, ARGV[2] the pub/sub channel of the bus, ARGV[3] the node whose holdings
-- change. Member events are published from here, in the order the roster changes, numbered by
-- the channel's roster version; what changed cluster-wide is returned in `out` (4 fields each:
-- kind '+' member added, '-' member removed, 'o' channel occupied, 'v' channel vacated).
local P, BUS, NODE = ARGV[1], ARGV[2], ARGV[3]
local out = {}

local function note(kind, app, ch, user)
  out[#out + 1] = kind
  out[#out + 1] = app
  out[#out + 1] = ch
  out[#out + 1] = user
end

-- versions only grow, also across a Redis restart: a new counter starts from the clock
local function nextVersion(key)
  local v = redis.call('INCR', key)
  if v == 1 then
    local t = redis.call('TIME')
    v = tonumber(t[1]) * 1000000 + tonumber(t[2])
    redis.call('SET', key, v)
  end
  return v
end

-- Webhooks (docs/WEBHOOKS.md): an app with webhooks has its grace period (ms) in wh:grace. A
-- vacate or a member removal then waits in the sorted set wh:due until its grace period is
-- over (wh.lua hands each to one node); a return within it takes the entry back, and the return
-- is noted in upper case ('O', 'A'), which is no event.
local function whGrace(app)
  local g = redis.call('HGET', P .. 'wh:grace', app)
  return g and tonumber(g)
end

local function whNow()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function whLeft(app, entry)
  local g = whGrace(app)
  if g then
    redis.call('ZADD', P .. 'wh:due', whNow() + g, entry)
  end
end

local function whBack(app, entry)
  return whGrace(app) ~= nil and redis.call('ZREM', P .. 'wh:due', entry) == 1
end

local function publish(app, ch, v, frame)
  redis.call('PUBLISH', BUS, 'm\n' .. NODE .. '\n' .. app .. '\n' .. ch .. '\n' .. string.format('%d', v) .. '\n' .. frame)
end

local function addedFrame(ch, user, info)
  local data = '{"user_id":' .. cjson.encode(user) .. ',"user_info":' .. info .. '}'
  return '{"event":"pusher_internal:member_added","channel":' .. cjson.encode(ch) .. ',"data":' .. cjson.encode(data) .. '}'
end

local function removedFrame(ch, user)
  local data = '{"user_id":' .. cjson.encode(user) .. '}'
  return '{"event":"pusher_internal:member_removed","channel":' .. cjson.encode(ch) .. ',"data":' .. cjson.encode(data) .. '}'
end

-- NODE's connections (or sessions) to presence channel ch as user change by delta
local function member(app, ch, user, info, delta, frame)
  local nodeKey = P .. 'node:' .. NODE .. ':pm'
  local field = app .. '\n' .. ch .. '\n' .. user
  local held = tonumber(redis.call('HGET', nodeKey, field) or '0')
  if held + delta < 0 then delta = -held end
  if delta == 0 then return end
  if held + delta == 0 then
    redis.call('HDEL', nodeKey, field)
  else
    redis.call('HINCRBY', nodeKey, field, delta)
  end
  local base = P .. 'pm:' .. app .. ':' .. ch
  local c = redis.call('HINCRBY', base, user, delta)
  if c <= 0 then
    redis.call('HDEL', base, user)
    redis.call('HDEL', base .. ':i', user)
    redis.call('HDEL', base .. ':d', user)
    publish(app, ch, nextVersion(base .. ':v'), frame or removedFrame(ch, user))
    whLeft(app, 'r\n' .. app .. '\n' .. ch .. '\n' .. user)
    note('-', app, ch, user)
  elseif c == delta then
    redis.call('HSET', base .. ':i', user, info)
    redis.call('HDEL', base .. ':d', user)
    publish(app, ch, nextVersion(base .. ':v'), frame or addedFrame(ch, user, info))
    note(whBack(app, 'r\n' .. app .. '\n' .. ch .. '\n' .. user) and 'A' or '+', app, ch, user)
  end
end

-- subscription_count for an app in wh:counts (not presence channels): a 'c' entry in wh:due,
-- due at once while the channel has at most 100 subscriptions, else when the 5 s window of the
-- last count sent (wh:cnt:{app}:{channel}) ends; wh.lua sends the count current then, so changes
-- close together become one count, and counts go out in the order they are taken.
local function whCount(app, ch, c)
  if string.sub(ch, 1, 9) == 'presence-' or redis.call('HEXISTS', P .. 'wh:counts', app) == 0 then
    return
  end
  local at = whNow()
  if c > 100 then
    local left = redis.call('PTTL', P .. 'wh:cnt:' .. app .. ':' .. ch)
    if left > 0 then at = at + left end
  end
  redis.call('ZADD', P .. 'wh:due', 'LT', at, 'c\n' .. app .. '\n' .. ch)
end

-- NODE's subscriptions to channel ch change by delta
local function channel(app, ch, delta)
  local nodeKey = P .. 'node:' .. NODE .. ':ch'
  local field = app .. '\n' .. ch
  local held = tonumber(redis.call('HGET', nodeKey, field) or '0')
  if held + delta < 0 then delta = -held end
  if delta == 0 then return end
  if held + delta == 0 then
    redis.call('HDEL', nodeKey, field)
  else
    redis.call('HINCRBY', nodeKey, field, delta)
  end
  local key = P .. 'ch:' .. app
  local c = redis.call('HINCRBY', key, ch, delta)
  if c <= 0 then
    redis.call('HDEL', key, ch)
    whLeft(app, 'v\n' .. app .. '\n' .. ch)
    note('v', app, ch, '')
  elseif c == delta then
    note(whBack(app, 'v\n' .. app .. '\n' .. ch) and 'O' or 'o', app, ch, '')
  end
  if c > 0 then
    whCount(app, ch, c)
  end
  -- apps whose clients get pusher_internal:subscription_count: every node hears the new count
  if string.sub(ch, 1, 9) ~= 'presence-' and redis.call('HEXISTS', P .. 'sc', app) == 1 then
    redis.call('PUBLISH', BUS, 'c\n' .. NODE .. '\n' .. app .. '\n' .. ch .. '\n' .. string.format('%d', math.max(c, 0)) .. '\n')
  end
end

-- NODE holds the user (kind 'us': live, a session or a connection; kind 'si': signed in with
-- pusher:signin) from now on (delta 1), or no more (-1); the cluster's count is of nodes.
-- Crossing zero is told to every node as a signal of the topic (payload '1' or '0', then the
-- user) and noted for the caller (up / down).
local function nodeHolds(kind, topic, up, down, app, user, delta)
  local nodeKey = P .. 'node:' .. NODE .. ':' .. kind
  local field = app .. '\n' .. user
  local held = redis.call('HEXISTS', nodeKey, field)
  if (delta > 0 and held == 1) or (delta < 0 and held == 0) then return end
  if delta > 0 then
    redis.call('HSET', nodeKey, field, '1')
  else
    redis.call('HDEL', nodeKey, field)
  end
  local key = P .. kind .. ':' .. app
  local c = redis.call('HINCRBY', key, user, delta)
  if c <= 0 then
    redis.call('HDEL', key, user)
    redis.call('PUBLISH', BUS, 's\n' .. NODE .. '\n' .. app .. '\n' .. topic .. '\n\n0' .. user)
    note(down, app, '', user)
  elseif c == 1 and delta > 0 then
    redis.call('PUBLISH', BUS, 's\n' .. NODE .. '\n' .. app .. '\n' .. topic .. '\n\n1' .. user)
    note(up, app, '', user)
  end
end

local function userLive(app, user, delta)
  nodeHolds('us', 'presence', 'U', 'D', app, user, delta)
end

local function signedIn(app, user, delta)
  nodeHolds('si', 'watch', 'I', 'Q', app, user, delta)
end

-- A signal of the topic to every node (the body as given), as RedisClusterBus.signal sends it.
local function signal(app, topic, body)
  redis.call('PUBLISH', BUS, 's\n' .. NODE .. '\n' .. app .. '\n' .. topic .. '\n\n' .. body)
end
