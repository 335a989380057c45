-- A room member's new data (rooms:heartbeat data, rooms:setData): ARGV[4] app, [5] the room's
-- channel, [6] user, [7] data JSON, [8] the roomdata signal's body. Kept in pm:{app}:{channel}:d
-- while the user is a member (removed when it stops being one, by member()), so a node that
-- reads the roster later has it too; and told to every node.
local base = P .. 'pm:' .. ARGV[4] .. ':' .. ARGV[5]
if redis.call('HEXISTS', base, ARGV[6]) == 1 then
  redis.call('HSET', base .. ':d', ARGV[6], ARGV[7])
end
signal(ARGV[4], 'roomdata', ARGV[8])
return 1
