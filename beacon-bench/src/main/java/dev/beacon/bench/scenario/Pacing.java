package dev.beacon.bench.scenario;

import java.util.concurrent.locks.LockSupport;

/**
 * An open loop on the calling thread: step {@code i} is due at {@code start + i / perSecond} and
 * is handed its due time (to stamp into the payload, so a step that runs late shows as latency).
 */
final class Pacing {

  /** One paced step; {@code true} if it sent something. */
  interface Step {
    boolean send(long i, long dueNanos);
  }

  private Pacing() {}

  /** Runs steps at {@code perSecond} for {@code nanos}; returns how many sent something. */
  static long run(double perSecond, long nanos, Step step) {
    long start = System.nanoTime();
    long end = start + nanos;
    double interval = 1e9 / perSecond;
    long sent = 0;
    for (long i = 0; ; i++) {
      long due = start + (long) (i * interval);
      if (due >= end) {
        return sent;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (step.send(i, due)) {
        sent++;
      }
    }
  }
}
