package dev.beacon.core.hub;

import dev.beacon.core.time.Clock;
import dev.beacon.core.time.TimerWheel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event loop's share of the connections, and the only thread that touches them.
 *
 * <p>Work for a lane's connections that starts elsewhere (a publication from another connection
 * or an HTTP request) is {@linkplain #submit queued} and run in batches; writes made during a
 * batch are flushed once per connection at its end, so a burst of events to one connection costs
 * one system call rather than one each. The queue is bounded: when it holds {@code maxPending}
 * tasks, {@link #submit} refuses more and the publisher is told the server is overloaded.
 *
 * <p>Each lane also owns a {@link TimerWheel} for its connections' timers (activity checks,
 * sign-in timeouts), advanced by the transport's periodic {@link #tick()}.
 *
 * <p>What is marked "lane thread only" checks it with {@link #assertOnLane()} when assertions are
 * enabled (the tests run with {@code -ea}); without them the check costs nothing.
 */
public final class Lane {

  /** Tasks run per batch before flushing and yielding the thread to I/O. */
  static final int BATCH = 256;

  /**
   * Frames written per batch before flushing: a batch of publications to large channels stops
   * here, so the first subscriber's frame does not wait behind every other subscriber's for many
   * publications (latency), while each flush still carries several frames per connection
   * (throughput). 65,536 lets about 13 publications to a 5,000-subscriber lane share a flush (3-4
   * frames per connection per system call at 16,384); measured in docs/BENCHMARKS.md ("the lane's
   * frame budget"). The system property {@code beacon.laneWriteBudget} overrides it.
   */
  static final int WRITE_BUDGET = Math.max(1, Integer.getInteger("beacon.laneWriteBudget", 65536));

  private final int index;
  private final LaneExecutor executor;
  private final Clock clock;
  private final int maxPending;
  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ArrayList<Flushable> dirty = new ArrayList<>();
  private final Set<Attached> attached = new LinkedHashSet<>();
  private final TimerWheel timers;
  private final Runnable drain = this::drain;
  private int writesThisBatch;

  public Lane(int index, LaneExecutor executor, Clock clock, int maxPending) {
    if (maxPending <= 0) {
      throw new IllegalArgumentException("maxPending must be positive: " + maxPending);
    }
    this.index = index;
    this.executor = executor;
    this.clock = clock;
    this.maxPending = maxPending;
    this.timers = new TimerWheel(100, 1024, clock.millis());
  }

  public int index() {
    return index;
  }

  public Clock clock() {
    return clock;
  }

  /** Whether the calling thread is this lane's. Safe from any thread. */
  public boolean inLane() {
    return executor.inExecutorThread();
  }

  /**
   * Checks, when assertions are enabled, that the caller runs on this lane's thread: the first
   * line of every method that is confined to a lane.
   *
   * @throws AssertionError naming the lane and the calling thread, if it is another thread
   */
  public void assertOnLane() {
    assert inLane() : this + " used from thread " + Thread.currentThread().getName()
        + ", not from its own (" + executor + ")";
  }

  /**
   * Queues a task to run on this lane. Safe from any thread.
   *
   * @return false if the lane's queue is full and the task was not queued
   */
  public boolean submit(Runnable task) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      return false;
    }
    inbox.offer(task);
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(drain);
    }
    return true;
  }

  /**
   * Queues a control task (shutdown, termination) that must not be refused; it counts towards the
   * bound, so publications back off while it waits.
   */
  public void submitControl(Runnable task) {
    pending.incrementAndGet();
    inbox.offer(task);
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(drain);
    }
  }

  /** Whether the queue is at its bound. */
  public boolean isFull() {
    return pending.get() >= maxPending;
  }

  /** Tasks waiting to run. */
  public int pending() {
    return pending.get();
  }

  private void drain() {
    assertOnLane();
    writesThisBatch = 0;
    try {
      for (int i = 0; i < BATCH && writesThisBatch < WRITE_BUDGET; i++) {
        Runnable task = inbox.poll();
        if (task == null) {
          break;
        }
        pending.decrementAndGet();
        try {
          task.run();
        } catch (RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(Lane.class).error("lane {} task failed", index, e);
        }
      }
      flushDirty();
    } finally {
      scheduled.set(false);
      if (!inbox.isEmpty() && scheduled.compareAndSet(false, true)) {
        executor.execute(drain);
      }
    }
  }

  /** Counts frames written by the current batch, against {@link #WRITE_BUDGET}. Lane thread only. */
  public void wrote(int frames) {
    assertOnLane();
    writesThisBatch += frames;
  }

  /** Remembers a connection to flush at the end of the current batch. Lane thread only. */
  public void markDirty(Flushable connection) {
    assertOnLane();
    dirty.add(connection);
  }

  /** Flushes every connection written to since the last flush. Lane thread only. */
  public void flushDirty() {
    assertOnLane();
    int n = dirty.size();
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      dirty.get(i).flush();
    }
    dirty.clear();
  }

  /** The lane's timers. Lane thread only. */
  public TimerWheel timers() {
    assertOnLane();
    return timers;
  }

  /** Runs due timers and flushes what they wrote. Called periodically on the lane thread. */
  public void tick() {
    assertOnLane();
    timers.advance(clock.millis());
    flushDirty();
  }

  /** Registers a connection as living on this lane. Lane thread only. */
  public void attach(Attached connection) {
    assertOnLane();
    attached.add(connection);
  }

  /** Forgets a connection. Lane thread only. */
  public void detach(Attached connection) {
    assertOnLane();
    attached.remove(connection);
  }

  /** A copy of the connections on this lane. Lane thread only. */
  public List<Attached> attached() {
    assertOnLane();
    return attached.isEmpty() ? Collections.emptyList() : new ArrayList<>(attached);
  }

  @Override
  public String toString() {
    return "lane-" + index;
  }
}
