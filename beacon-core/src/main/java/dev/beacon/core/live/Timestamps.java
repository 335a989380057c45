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
  /** Above every timestamp given before this process started. */
  private final long startReserve;

  /** Starts above the stored reserve. Blocking (reads the store). */
  public Timestamps(Store store, DurableWrites writes, java.util.function.LongSupplier wallNanos) {
    this.store = store;
    this.writes = writes;
    this.wallNanos = wallNanos;
    this.startReserve = store.load();
    long start = Math.max(startReserve, wallNanos.getAsLong());
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
   * A client saw {@code ts}: never answer it with anything lower. Every timestamp given before
   * this process started is below the reserve it loaded, and every one since is within the wall
   * clock plus {@link #MAX_AHEAD_NANOS} (or below that reserve), so a claim above both was not
   * given by this server and is ignored: a client cannot push every client's clock (and the
   * stored reserve) ahead, however often it claims.
   *
   * @return whether the claim was taken into account
   */
  public boolean observe(long ts) {
    // the reserve as loaded at start, not the live one: a claim accepted now raises the live
    // reserve, which must not widen what the next claim may be
    long bound = Math.max(startReserve, wallNanos.getAsLong() + MAX_AHEAD_NANOS);
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
