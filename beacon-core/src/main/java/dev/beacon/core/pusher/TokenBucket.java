package dev.beacon.core.pusher;

/**
 * A token bucket: up to {@code capacity} events at once, refilled at {@code ratePerSecond}.
 * Confined to one thread.
 */
final class TokenBucket {

  private final double capacity;
  private final double perMilli;
  private double tokens;
  private long last;

  TokenBucket(int ratePerSecond, long nowMillis) {
    this.capacity = ratePerSecond;
    this.perMilli = ratePerSecond / 1000.0;
    this.tokens = ratePerSecond;
    this.last = nowMillis;
  }

  boolean tryTake(long nowMillis) {
    if (nowMillis > last) {
      tokens = Math.min(capacity, tokens + (nowMillis - last) * perMilli);
      last = nowMillis;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
