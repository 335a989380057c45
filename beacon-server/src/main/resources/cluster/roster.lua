-- One presence roster as of its version, read at once: ARGV[4] app, [5] channel.
-- Answers {version, {user, user_info, ...}, {user, latest data, ...}} (the data of room members
-- whose data changed since they joined).
local base = P .. 'pm:' .. ARGV[4] .. ':' .. ARGV[5]
return {tonumber(redis.call('GET', base .. ':v') or '0'), redis.call('HGETALL', base .. ':i'),
    redis.call('HGETALL', base .. ':d')}
