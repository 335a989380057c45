package dev.beacon.server;

import dev.beacon.core.store.WriteBehind;
import dev.beacon.core.time.Clock;
import dev.beacon.core.time.ExpiryScheduler;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that are not event loops: one that ticks the expiry wheel and runs periodic jobs,
 * a small bounded pool for loads and notifications no caller waits for, and the durable writes
 * no caller waits for (last-seen times, statuses, room visits, the timestamp reserve). When the
 * pool's queue is full, new pool work is shed with a warning rather than blocking an event loop;
 * durable writes are never shed (they coalesce per key, see {@link WriteBehind}).
 */
final class BackgroundWork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundWork.class);
  static final long TICK_MILLIS = 50;

  private final ScheduledExecutorService scheduler;
  private final ThreadPoolExecutor pool;
  private final ExpiryScheduler expiry;
  private final WriteBehind writes = new WriteBehind("beacon-writes", 1000);

  BackgroundWork(Clock clock, int queue) {
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("beacon-expiry"));
    this.pool = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
        daemon("beacon-background"),
        (r, p) -> LOG.warn("background queue full ({} tasks): shedding a task", p.getQueue().size()));
    this.expiry = new ExpiryScheduler(clock, TICK_MILLIS);
    scheduler.scheduleAtFixedRate(expiry::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  ExpiryScheduler expiry() {
    return expiry;
  }

  Executor pool() {
    return pool;
  }

  WriteBehind writes() {
    return writes;
  }

  /** Runs {@code job} on the pool every {@code minutes}, first after one minute. */
  void every(long minutes, Runnable job) {
    scheduler.scheduleWithFixedDelay(() -> pool.execute(job), 1, minutes, TimeUnit.MINUTES);
  }

  /**
   * Runs a short job on the timer thread every {@code millis}; a failure is logged and the job
   * runs again next time.
   */
  void everyMillis(long millis, Runnable job) {
    scheduler.scheduleAtFixedRate(() -> {
      try {
        job.run();
      } catch (RuntimeException e) {
        LOG.warn("periodic job failed: {}", e.toString());
      }
    }, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** Stops the timers, finishes the tasks already queued and makes every pending durable write. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    pool.shutdown();
    try {
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("{} background tasks left unfinished", pool.getQueue().size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writes.close();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
