package dev.beacon.bench.report;

import java.util.List;

/** One scenario run against one server: its figures and its time series. */
public record TargetRun(String target, int repeat, List<Metric> metrics, List<Sample> samples,
    String error) {

  public TargetRun {
    metrics = List.copyOf(metrics);
    samples = List.copyOf(samples);
  }

  public boolean failed() {
    return !error.isEmpty();
  }
}
