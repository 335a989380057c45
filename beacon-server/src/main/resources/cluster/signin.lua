-- ARGV[4] app, [5] user, [6] 1 (signed in on NODE) or -1 (not any more)
signedIn(ARGV[4], ARGV[5], tonumber(ARGV[6]))
return out
