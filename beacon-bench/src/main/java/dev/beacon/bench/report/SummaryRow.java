package dev.beacon.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One line of the report: a figure's median over the repeats on each server measured ({@code
 * values}, by target label in the order the servers ran), and Beacon's value as a ratio of the
 * baseline's. The JSON keeps {@code beacon}, {@code baseline} and {@code ratio} as before, and
 * {@code values} names every server (uWS, an external server).
 */
public record SummaryRow(String key, String unit, Map<String, Double> values,
    boolean higherIsBetter) {

  public SummaryRow {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The median on {@code target}, if it measured this figure. */
  public OptionalDouble value(String target) {
    Double v = values.get(target);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  @JsonProperty("beacon")
  public OptionalDouble beacon() {
    return value("beacon");
  }

  @JsonProperty("baseline")
  public OptionalDouble baseline() {
    return value("baseline");
  }

  /** Beacon divided by the baseline, when both are known and the baseline is not zero. */
  @JsonProperty("ratio")
  public OptionalDouble ratio() {
    return ratio("baseline");
  }

  /** Beacon divided by {@code target}, when both are known and {@code target}'s is not zero. */
  public OptionalDouble ratio(String target) {
    OptionalDouble beacon = beacon();
    OptionalDouble other = value(target);
    if (beacon.isEmpty() || other.isEmpty() || other.getAsDouble() == 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(beacon.getAsDouble() / other.getAsDouble());
  }
}
