package dev.beacon.bench.report;

import java.util.OptionalDouble;

/**
 * One line of the report: a figure's median over the repeats on Beacon and on the baseline, and
 * Beacon's value as a ratio of the baseline's.
 */
public record SummaryRow(String key, String unit, OptionalDouble beacon, OptionalDouble baseline,
    boolean higherIsBetter) {

  /** Beacon divided by the baseline, when both are known and the baseline is not zero. */
  @com.fasterxml.jackson.annotation.JsonProperty("ratio")
  public OptionalDouble ratio() {
    if (beacon.isEmpty() || baseline.isEmpty() || baseline.getAsDouble() == 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(beacon.getAsDouble() / baseline.getAsDouble());
  }
}
