-- Sets what NODE holds to exactly what it says it holds: on (re)connecting, from its own
-- connections; for a dead node (ARGV[4] = '1', and only while its liveness key is missing),
-- nothing, after which the node is forgotten. Idempotent: a second run finds nothing to change.
-- ARGV[5] n members, then n x (app, channel, user, user_info, count); then m channels, then
-- m x (app, channel, count); then k users live on the node, then k x (app, user); then j users
-- signed in on the node, then j x (app, user).
if ARGV[4] == '1' and redis.call('EXISTS', P .. 'node:' .. NODE .. ':alive') == 1 then
  return {-1, out}
end
local i = 5
local want, wantCh = {}, {}
local n = tonumber(ARGV[i]); i = i + 1
for k = 1, n do
  want[ARGV[i] .. '\n' .. ARGV[i + 1] .. '\n' .. ARGV[i + 2]] =
      {ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])}
  i = i + 5
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
