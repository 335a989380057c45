package dev.beacon.core.time;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one timer wheel that the domain's expiries run on (presence sessions, room heartbeats,
 * typing): schedulable from any thread, advanced by one thread that calls {@link #tick()}
 * periodically; tasks run on that thread. No table is ever swept: each expiring item has one
 * timer, re-armed lazily when its deadline has moved.
 */
public final class ExpiryScheduler {

  private final Clock clock;
  private final TimerWheel wheel;
  private final ConcurrentLinkedQueue<Pending> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger scheduled = new AtomicInteger();

  public ExpiryScheduler(Clock clock, long tickMillis) {
    this.clock = clock;
    this.wheel = new TimerWheel(tickMillis, 4096, clock.millis());
  }

  public Clock clock() {
    return clock;
  }

  /** Runs {@code task} on the ticking thread at or after {@code deadlineMillis}. */
  public Handle schedule(long deadlineMillis, Runnable task) {
    Pending p = new Pending(deadlineMillis, task);
    scheduled.incrementAndGet();
    inbox.offer(p);
    return p;
  }

  /** Moves the wheel to the clock's time and runs what is due. Ticking thread only. */
  public void tick() {
    Pending p;
    while ((p = inbox.poll()) != null) {
      Pending pending = p;
      if (!pending.cancelled) {
        wheel.schedule(pending.deadline, () -> {
          scheduled.decrementAndGet();
          if (!pending.cancelled) {
            try {
              pending.task.run();
            } catch (RuntimeException e) {
              org.slf4j.LoggerFactory.getLogger(ExpiryScheduler.class).error("expiry task failed", e);
            }
          }
        });
      } else {
        scheduled.decrementAndGet();
      }
    }
    wheel.advance(clock.millis());
  }

  /** Timers waiting to fire. */
  public int size() {
    return scheduled.get();
  }

  /** A scheduled expiry; cancel is safe from any thread. */
  public interface Handle {
    void cancel();
  }

  private static final class Pending implements Handle {
    final long deadline;
    final Runnable task;
    volatile boolean cancelled;

    Pending(long deadline, Runnable task) {
      this.deadline = deadline;
      this.task = task;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }
}
