package dev.beacon.core.functions;

import dev.beacon.core.time.ExpiryScheduler;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user token buckets for calls that clients repeat (heartbeats, typing): up to {@code rate}
 * calls at once, refilled at {@code rate} per second. A bucket idle for a minute is dropped by
 * its own timer, so the map holds only active users.
 */
public final class RateLimiter {

  private static final long IDLE_MILLIS = 60_000;

  private final ExpiryScheduler expiry;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(ExpiryScheduler expiry) {
    this.expiry = expiry;
  }

  /**
   * Takes a token for {@code key} at a rate of {@code perSecond}.
   *
   * @throws FunctionException RATE_LIMITED when the bucket is empty
   */
  public void acquire(String key, int perSecond, long now, String what) {
    Bucket bucket = buckets.computeIfAbsent(key, k -> {
      Bucket b = new Bucket(perSecond, now);
      scheduleCleanup(k, b, now);
      return b;
    });
    if (!bucket.tryTake(perSecond, now)) {
      throw FunctionException.rateLimited(what + " at most " + perSecond + " times per second");
    }
  }

  private void scheduleCleanup(String key, Bucket bucket, long from) {
    expiry.schedule(from + IDLE_MILLIS, () -> {
      long last = bucket.lastUsed();
      if (last + IDLE_MILLIS <= expiry.clock().millis()) {
        buckets.remove(key, bucket);
      } else {
        scheduleCleanup(key, bucket, last);
      }
    });
  }

  int size() {
    return buckets.size();
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(int capacity, long now) {
      this.tokens = capacity;
      this.last = now;
    }

    synchronized boolean tryTake(int rate, long now) {
      if (now > last) {
        tokens = Math.min(rate, tokens + (now - last) * rate / 1000.0);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    synchronized long lastUsed() {
      return last;
    }
  }
}
