-- ARGV[4] app, [5] channel, [6] delta
channel(ARGV[4], ARGV[5], tonumber(ARGV[6]))
return out
