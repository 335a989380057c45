-- Sets what NODE holds to exactly what it says it holds: on (re)connecting, from its own
-- connections; for a dead node (ARGV[4] = '1', and only while its liveness key is missing),
-- nothing, after which the node is forgotten. Idempotent: a second run finds nothing to change.
-- ARGV[5] n members, then n x (app, channel, user, user_info, count, latest data of a room
-- member or ''); then m channels, then
-- m x (app, channel, count); then k users live on the node, then k x (app, user); then j users
-- signed in on the node, then j x (app, user); then its typists (below).
if ARGV[4] == '1' and redis.call('EXISTS', P .. 'node:' .. NODE .. ':alive') == 1 then
  return {-1, out}
end
local i = 5
local want, wantCh = {}, {}
local n = tonumber(ARGV[i]); i = i + 1
for k = 1, n do
  want[ARGV[i] .. '\n' .. ARGV[i + 1] .. '\n' .. ARGV[i + 2]] =
      {ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]}
  i = i + 6
end
n = tonumber(ARGV[i]); i = i + 1
for k = 1, n do
  wantCh[ARGV[i] .. '\n' .. ARGV[i + 1]] = {ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])}
  i = i + 3
end
local wantUs = {}
n = tonumber(ARGV[i]); i = i + 1
for k = 1, n do
  wantUs[ARGV[i] .. '\n' .. ARGV[i + 1]] = {ARGV[i], ARGV[i + 1]}
  i = i + 2
end
local wantSi = {}
n = tonumber(ARGV[i] or '0'); i = i + 1
for k = 1, n do
  wantSi[ARGV[i] .. '\n' .. ARGV[i + 1]] = {ARGV[i], ARGV[i + 1]}
  i = i + 2
end
-- then t typists NODE holds, then t x (app, room, user, ms left): node:{node}:ty is set to them,
-- and those Redis did not have (it restarted empty) are told to every node again
local tyKey = P .. 'node:' .. NODE .. ':ty'
local wantTy = {}
n = tonumber(ARGV[i] or '0'); i = i + 1
for k = 1, n do
  wantTy[#wantTy + 1] = {ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])}
  i = i + 4
end
local hadTy = {}
local had = redis.call('HGETALL', tyKey)
for j = 1, #had, 2 do
  hadTy[had[j]] = true
end
redis.call('DEL', tyKey)
if #wantTy > 0 then
  local now = whNow()
  for _, t in ipairs(wantTy) do
    local field = t[1] .. '\n' .. t[2] .. '\n' .. t[3]
    redis.call('HSET', tyKey, field, string.format('%d', now + t[4]))
    if not hadTy[field] then
      signal(t[1], 'typing', cjson.encode({t[2], t[3], t[4]}))
    end
  end
end
local pmKey, chKey = P .. 'node:' .. NODE .. ':pm', P .. 'node:' .. NODE .. ':ch'
local usKey, siKey = P .. 'node:' .. NODE .. ':us', P .. 'node:' .. NODE .. ':si'
local have = redis.call('HGETALL', pmKey)
for j = 1, #have, 2 do
  if not want[have[j]] then
    local app, ch, user = string.match(have[j], '^([^\n]*)\n([^\n]*)\n(.*)$')
    member(app, ch, user, '', -tonumber(have[j + 1]), nil)
    if redis.call('HLEN', P .. 'pm:' .. app .. ':' .. ch) == 0 then
      redis.call('DEL', P .. 'pm:' .. app .. ':' .. ch .. ':v')
    end
  end
end
for f, w in pairs(want) do
  local held = tonumber(redis.call('HGET', pmKey, f) or '0')
  member(w[1], w[2], w[3], w[4], w[5] - held, nil)
  -- a room member's latest data as this node knows it, if Redis lost it (or never had it)
  local dataKey = P .. 'pm:' .. w[1] .. ':' .. w[2] .. ':d'
  if w[6] ~= '' and string.sub(w[2], 1, 14) == 'presence-room-'
      and redis.call('HGET', dataKey, w[3]) ~= w[6] then
    redis.call('HSET', dataKey, w[3], w[6])
    signal(w[1], 'roomdata', cjson.encode({string.sub(w[2], 15), w[3], w[6]}))
  end
end
have = redis.call('HGETALL', chKey)
for j = 1, #have, 2 do
  if not wantCh[have[j]] then
    local app, ch = string.match(have[j], '^([^\n]*)\n(.*)$')
    channel(app, ch, -tonumber(have[j + 1]))
  end
end
for f, w in pairs(wantCh) do
  local held = tonumber(redis.call('HGET', chKey, f) or '0')
  channel(w[1], w[2], w[3] - held)
end
have = redis.call('HGETALL', usKey)
for j = 1, #have, 2 do
  if not wantUs[have[j]] then
    local app, user = string.match(have[j], '^([^\n]*)\n(.*)$')
    userLive(app, user, -1)
  end
end
for f, w in pairs(wantUs) do
  userLive(w[1], w[2], 1)
end
have = redis.call('HGETALL', siKey)
for j = 1, #have, 2 do
  if not wantSi[have[j]] then
    local app, user = string.match(have[j], '^([^\n]*)\n(.*)$')
    signedIn(app, user, -1)
  end
end
for f, w in pairs(wantSi) do
  signedIn(w[1], w[2], 1)
end
if ARGV[4] == '1' then
  redis.call('DEL', pmKey, chKey, usKey, siKey)
  redis.call('SREM', P .. 'nodes', NODE)
end
return {1, out}
