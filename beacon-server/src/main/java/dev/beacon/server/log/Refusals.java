package dev.beacon.server.log;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The budget of the INFO lines for refused calls and failed authentications, so that a client
 * cannot flood the log by failing on purpose: at most {@code perWindow} lines each {@code
 * windowMillis}, for all clients together. What is left out is counted and said in one line when
 * the next window's first refusal is logged. Thread-safe.
 */
public final class Refusals {

  /** The server's budget: 20 lines every 10 seconds. */
  public static final int PER_WINDOW = 20;
  public static final long WINDOW_MILLIS = 10_000;

  private final Logger log;
  private final int perWindow;
  private final long windowMillis;
  private final LongSupplier clock;
  private long windowStart = Long.MIN_VALUE;
  private int used;
  private long leftOut;
  private long leftOutTotal;

  /** @param log where the line about what was left out goes */
  public Refusals(Logger log, int perWindow, long windowMillis, LongSupplier clock) {
    this.log = log;
    this.perWindow = perWindow;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  public static Refusals standard(Logger log) {
    return new Refusals(log, PER_WINDOW, WINDOW_MILLIS, System::currentTimeMillis);
  }

  /**
   * Whether a refusal may be logged now; if not it is counted. When a new window opens, the count
   * of those left out in the last one is logged first.
   */
  public boolean permit() {
    long skipped;
    synchronized (this) {
      long now = clock.getAsLong();
      if (windowStart == Long.MIN_VALUE || now - windowStart >= windowMillis) {
        windowStart = now;
        used = 0;
        skipped = leftOut;
        leftOut = 0;
      } else {
        skipped = 0;
      }
      if (used >= perWindow) {
        leftOut++;
        leftOutTotal++;
        return false;
      }
      used++;
    }
    if (skipped > 0) {
      log.atInfo().addKeyValue("left_out", skipped)
          .log("{} more refused calls were not logged in the last {} s (at most {} lines each {} s)",
              skipped, windowMillis / 1000, perWindow, windowMillis / 1000);
    }
    return true;
  }

  /** Refusals not logged since the start. */
  public synchronized long leftOut() {
    return leftOutTotal;
  }
}
