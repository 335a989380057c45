-- Cache channels' last events with the time they have left: ARGV[4..] the keys.
-- Answers {key, frame, ms left, ...} for the keys that still exist.
local res = {}
for i = 4, #ARGV do
  local frame = redis.call('GET', ARGV[i])
  if frame then
    res[#res + 1] = ARGV[i]
    res[#res + 1] = frame
    res[#res + 1] = redis.call('PTTL', ARGV[i])
  end
end
return res
