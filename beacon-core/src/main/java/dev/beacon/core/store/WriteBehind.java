package dev.beacon.core.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DurableWrites} made by one thread of its own, in the order their keys were first
 * queued. Nothing is dropped: under load, writes to the same key coalesce (only the latest is
 * made), so what is held is bounded by the number of distinct keys — the users, rooms and visits
 * the server knows — not by the rate of changes. A write that fails (the database is away) is
 * kept and tried again after a pause, unless a newer write for its key has arrived meanwhile.
 * {@link #close()} makes every write still pending before it returns.
 */
public final class WriteBehind implements DurableWrites, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WriteBehind.class);

  private final ConcurrentHashMap<String, Runnable> pending = new ConcurrentHashMap<>();
  /** Keys with a pending write, each at most once. */
  private final LinkedBlockingQueue<String> order = new LinkedBlockingQueue<>();
  private final long retryMillis;
  private final Thread thread;
  private final AtomicLong made = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean closing;
  private volatile boolean stopped;

  /**
   * @param name the thread's name
   * @param retryMillis the pause after a failed write before the next attempt
   */
  public WriteBehind(String name, long retryMillis) {
    this.retryMillis = retryMillis;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void write(String key, Runnable write) {
    if (closing && !thread.isAlive()) {
      write.run(); // after close: nothing left to order it behind
      return;
    }
    if (pending.put(key, write) == null) {
      order.add(key);
    } else {
      coalesced.incrementAndGet();
    }
  }

  /** Writes waiting to be made. */
  public int pending() {
    return pending.size();
  }

  /** Writes made so far. */
  public long made() {
    return made.get();
  }

  /** Writes replaced by a newer one for the same key before they were made. */
  public long coalesced() {
    return coalesced.get();
  }

  /** Failed attempts (each is tried again). */
  public long failures() {
    return failures.get();
  }

  private void run() {
    while (!stopped) {
      String key;
      try {
        key = order.poll(closing ? 1 : 100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        if (closing && pending.isEmpty()) {
          return;
        }
        continue;
      }
      if (!makeOne(key)) {
        pause();
      }
    }
  }

  /** Makes the pending write for {@code key}; on failure puts it back unless replaced. */
  private boolean makeOne(String key) {
    Runnable write = pending.remove(key);
    if (write == null) {
      return true;
    }
    try {
      write.run();
      made.incrementAndGet();
      return true;
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      LOG.warn("durable write {} failed, will retry: {}", key, e.toString());
      if (pending.putIfAbsent(key, write) == null) {
        order.add(key);
      }
      return false;
    }
  }

  /** Waits {@code retryMillis} after a failure (a tenth of it when closing). */
  private void pause() {
    try {
      Thread.sleep(closing ? Math.max(1, retryMillis / 10) : retryMillis);
    } catch (InterruptedException e) {
      stopped = true;
    }
  }

  /**
   * Makes every pending write (waiting up to {@code timeoutMillis}), then stops the thread. A
   * write that keeps failing is given up on when the time is out, with an error logged.
   */
  public void close(long timeoutMillis) {
    closing = true;
    try {
      thread.join(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      stopped = true;
      LOG.error("{} durable writes not made at shutdown (the store keeps failing)", pending.size());
    }
  }

  @Override
  public void close() {
    close(10_000);
  }
}
