package dev.beacon.core.time;

/**
 * A hashed timer wheel: O(1) schedule and cancel, and work per tick proportional to the timers due
 * (plus one pass over a bucket per revolution). Confined to one thread, which calls {@link
 * #advance(long)} with the time from its {@link Clock}.
 *
 * <p>Timers fire at or after their deadline, never before, with a lateness of at most one tick
 * plus however late {@code advance} is called.
 */
public final class TimerWheel {

  private final long tickMillis;
  private final Bucket[] buckets;
  private final int mask;
  private final long originMillis;
  private long currentTick;
  private int size;

  /**
   * @param tickMillis the resolution
   * @param wheelSize buckets per revolution; rounded up to a power of two
   * @param nowMillis the time the wheel starts at
   */
  public TimerWheel(long tickMillis, int wheelSize, long nowMillis) {
    if (tickMillis <= 0) {
      throw new IllegalArgumentException("tickMillis must be positive: " + tickMillis);
    }
    if (wheelSize <= 0 || wheelSize > (1 << 20)) {
      throw new IllegalArgumentException("wheelSize must be in 1..2^20: " + wheelSize);
    }
    int n = 1;
    while (n < wheelSize) {
      n <<= 1;
    }
    this.tickMillis = tickMillis;
    this.buckets = new Bucket[n];
    for (int i = 0; i < n; i++) {
      buckets[i] = new Bucket();
    }
    this.mask = n - 1;
    this.originMillis = nowMillis;
    this.currentTick = 0;
  }

  /** Schedules {@code task} to run once at or after {@code deadlineMillis}. */
  public Timeout schedule(long deadlineMillis, Runnable task) {
    long tick = Math.max(ceilTick(deadlineMillis), currentTick + 1);
    Timeout t = new Timeout(this, deadlineMillis, task);
    t.tick = tick;
    Bucket bucket = buckets[(int) (tick & mask)];
    bucket.add(t);
    size++;
    return t;
  }

  /** Runs every timer whose deadline is at or before {@code nowMillis}. */
  public void advance(long nowMillis) {
    long target = floorTick(nowMillis);
    while (currentTick < target) {
      currentTick++;
      Bucket bucket = buckets[(int) (currentTick & mask)];
      Timeout t = bucket.head;
      while (t != null) {
        Timeout next = t.next;
        // a timer shares its bucket with those due whole revolutions later; and a task run here
        // may append a timer to this very bucket, due a revolution later: compare ticks
        if (t.tick <= currentTick) {
          bucket.remove(t);
          size--;
          t.state = Timeout.FIRED;
          t.task.run();
          if (next != null && next.bucket != bucket) {
            next = bucket.head; // the task cancelled the next timer: rescan what is left
          }
        }
        t = next;
      }
    }
  }

  /** How many timers are pending. */
  public int size() {
    return size;
  }

  private long ceilTick(long millis) {
    long delta = millis - originMillis;
    return delta <= 0 ? 0 : (delta + tickMillis - 1) / tickMillis;
  }

  private long floorTick(long millis) {
    long delta = millis - originMillis;
    return delta <= 0 ? 0 : delta / tickMillis;
  }

  /** A scheduled task; cancelling one that has run or was cancelled does nothing. */
  public static final class Timeout {
    static final int PENDING = 0;
    static final int FIRED = 1;
    static final int CANCELLED = 2;

    private final TimerWheel wheel;
    private final long deadline;
    private final Runnable task;
    private long tick;
    private int state;
    private Timeout prev;
    private Timeout next;
    private Bucket bucket;

    Timeout(TimerWheel wheel, long deadline, Runnable task) {
      this.wheel = wheel;
      this.deadline = deadline;
      this.task = task;
    }

    public long deadline() {
      return deadline;
    }

    public boolean isPending() {
      return state == PENDING;
    }

    public void cancel() {
      if (state == PENDING) {
        state = CANCELLED;
        bucket.remove(this);
        wheel.size--;
      }
    }
  }

  private static final class Bucket {
    Timeout head;
    Timeout tail;

    void add(Timeout t) {
      t.bucket = this;
      t.prev = tail;
      t.next = null;
      if (tail == null) {
        head = t;
      } else {
        tail.next = t;
      }
      tail = t;
    }

    void remove(Timeout t) {
      if (t.prev == null) {
        head = t.next;
      } else {
        t.prev.next = t.next;
      }
      if (t.next == null) {
        tail = t.prev;
      } else {
        t.next.prev = t.prev;
      }
      t.prev = null;
      t.next = null;
      t.bucket = null;
    }
  }
}
