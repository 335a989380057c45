package dev.beacon.bench.metrics;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records delivery latencies from any number of event-loop threads without locks (HdrHistogram's
 * {@link Recorder}), in microseconds from 1 µs to 10 minutes at 3 significant digits. A sampler
 * takes the interval since the last sample once a second; {@link #total} is every interval added
 * up since the last {@link #reset}.
 */
public final class LatencyRecorder {

  static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final Recorder recorder = new Recorder(MAX_MICROS, 3);
  private final Histogram total = new Histogram(MAX_MICROS, 3);
  private Histogram interval;

  /** Records one delivery stamped {@code sentNanos}, received now. Safe from any thread. */
  public void recordSince(long sentNanos) {
    record(System.nanoTime() - sentNanos);
  }

  /** Records a latency in nanoseconds; values are clamped into the histogram's range. */
  public void record(long nanos) {
    long micros = Math.max(1, Math.min(MAX_MICROS, nanos / 1000));
    recorder.recordValue(micros);
  }

  /** The latencies recorded since the last sample (added to the total). One sampler at a time. */
  public synchronized Histogram sample() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    return interval.copy();
  }

  /** Everything recorded since the last reset, up to the last sample. */
  public synchronized Histogram total() {
    return total.copy();
  }

  /** Drops what was recorded (at a phase boundary). */
  public synchronized void reset() {
    interval = recorder.getIntervalHistogram(interval);
    total.reset();
  }

  /** An empty histogram with the recorder's range, for merging. */
  public static Histogram emptyHistogram() {
    return new Histogram(MAX_MICROS, 3);
  }
}
