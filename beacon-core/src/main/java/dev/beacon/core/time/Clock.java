package dev.beacon.core.time;

/**
 * The one source of time in Beacon's domain, so that expiry is tested without sleeping.
 */
@FunctionalInterface
public interface Clock {

  /** Milliseconds since the epoch. */
  long millis();

  /** The wall clock. */
  static Clock system() {
    return System::currentTimeMillis;
  }
}
