package dev.beacon.core.time;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to; for tests and simulations. */
public final class ManualClock implements Clock {

  private final AtomicLong now;

  public ManualClock(long startMillis) {
    this.now = new AtomicLong(startMillis);
  }

  @Override
  public long millis() {
    return now.get();
  }

  /** Moves the clock forward and returns the new time. */
  public long advance(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("a clock does not go back: " + millis + "ms");
    }
    return now.addAndGet(millis);
  }
}
