-- Who holds a streamed message (its text so far in memory): P st:{app}:{message} names the node.
-- ARGV[4] op, [5] app, [6] message id, [7] (claim) the holder the caller found not answering,
-- or ''. 'hold': this node started the stream (or took it over). 'end': the stream ended
-- (nobody holds it). 'claim', after no node answered for the stream in time: this node takes it
-- over unless another node holds it, atomically, so that of nodes claiming at the same moment
-- exactly one wins and the others hear its name (and pass their chunks to it). Another node
-- holds it while the key names a node other than this one and other than the one found not
-- answering, whose liveness key exists. A claim answers {holder, epoch}: the epoch (fencing) is
-- handed out to a winner only, from P ste:{app}:{message}, and only grows (a new counter starts
-- from the clock, so also across a Redis restart); 0 to a loser. The others answer the holder.
local key = P .. 'st:' .. ARGV[5] .. ':' .. ARGV[6]
local epochKey = P .. 'ste:' .. ARGV[5] .. ':' .. ARGV[6]
local ttl = 86400
if ARGV[4] == 'end' then
  redis.call('DEL', key, epochKey)
  return ''
end
if ARGV[4] == 'claim' then
  local h = redis.call('GET', key)
  if h and h ~= NODE and h ~= ARGV[7] and redis.call('EXISTS', P .. 'node:' .. h .. ':alive') == 1 then
    return {h, 0}
  end
  redis.call('SET', key, NODE, 'EX', ttl)
  local epoch = nextVersion(epochKey)
  redis.call('EXPIRE', epochKey, ttl)
  return {NODE, epoch}
end
redis.call('SET', key, NODE, 'EX', ttl)
return NODE
