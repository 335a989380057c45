package dev.beacon.core.live;

import dev.beacon.core.store.DurableWrites;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Convex timestamps: nanoseconds, strictly increasing, below 2^63, and never going backwards —
 * not when the wall clock steps back, not across a restart (a reserve is stored ahead of use and
 * the next process starts above it), and not behind a timestamp a client has seen (clients report
 * their highest on reconnect).
 */
public final class Timestamps {

  /** Where the reserve is kept between runs. */
  public interface Store {
    long load();

    void save(long reserve);
  }

  static final long RESERVE_NANOS = 60_000_000_000L;
  /** How far ahead of the wall clock a client's observed timestamp may be (clocks differ). */
  static final long MAX_AHEAD_NANOS = 600_000_000_000L;

  private final AtomicLong last;
  private final AtomicLong reserved;
  private final Store store;
  private final DurableWrites writes;
  private final java.util.function.LongSupplier wallNanos;

  /** Starts above the stored reserve. Blocking (reads the store). */
  public Timestamps(Store store, DurableWrites writes, java.util.function.LongSupplier wallNanos) {
    this.store = store;
    this.writes = writes;
    this.wallNanos = wallNanos;
    long start = Math.max(store.load(), wallNanos.getAsLong());
    this.last = new AtomicLong(start);
    this.reserved = new AtomicLong(start);
    reserve(start);
  }

  /** A new timestamp, greater than every one given or observed before. */
  public long next() {
    long wall = wallNanos.getAsLong();
    long ts = last.updateAndGet(prev -> Math.max(prev + 1, wall));
    if (ts > reserved.get() - RESERVE_NANOS / 2) {
      reserve(ts);
    }
    return ts;
  }

  /** The latest timestamp given. */
  public long current() {
    return last.get();
  }

  /**
   * A client saw {@code ts}: never answer it with anything lower. Every timestamp this server has
   * given is below its stored reserve, so a claim above both the reserve and the wall clock plus
   * {@link #MAX_AHEAD_NANOS} was not given by it and is ignored: one client cannot push every
   * client's clock (and the stored reserve) ahead.
   *
   * @return whether the claim was taken into account
   */
  public boolean observe(long ts) {
    long bound = Math.max(reserved.get(), wallNanos.getAsLong() + MAX_AHEAD_NANOS);
    if (ts <= 0 || ts > bound) {
      return false;
    }
    last.accumulateAndGet(ts, Math::max);
    return true;
  }

  private void reserve(long from) {
    long target = from + RESERVE_NANOS;
    long before = reserved.getAndAccumulate(target, Math::max);
    if (target > before || before == from) {
      writes.write("timestamp-reserve", () -> store.save(reserved.get()));
    }
  }
}
