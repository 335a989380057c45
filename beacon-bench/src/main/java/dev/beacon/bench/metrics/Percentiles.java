package dev.beacon.bench.metrics;

import org.HdrHistogram.Histogram;

/** A latency summary in milliseconds: what the report shows of a histogram. */
public record Percentiles(long count, double p50, double p99, double p999, double max) {

  public static final Percentiles EMPTY = new Percentiles(0, 0, 0, 0, 0);

  /** Summarizes a histogram of microseconds. */
  public static Percentiles of(Histogram micros) {
    if (micros.getTotalCount() == 0) {
      return EMPTY;
    }
    return new Percentiles(micros.getTotalCount(),
        micros.getValueAtPercentile(50) / 1000.0,
        micros.getValueAtPercentile(99) / 1000.0,
        micros.getValueAtPercentile(99.9) / 1000.0,
        micros.getMaxValue() / 1000.0);
  }
}
