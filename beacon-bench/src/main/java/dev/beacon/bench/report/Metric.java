package dev.beacon.bench.report;

/**
 * One figure a scenario measured on one server, e.g. {@code http 64B deliveries/s}. Figures with
 * the same key on Beacon and the baseline are reported as a ratio.
 *
 * @param higherIsBetter whether a larger value is the better one (throughput), or a smaller one
 *     (latency, memory)
 */
public record Metric(String key, double value, String unit, boolean higherIsBetter) {

  public static Metric rate(String key, double value, String unit) {
    return new Metric(key, value, unit, true);
  }

  public static Metric cost(String key, double value, String unit) {
    return new Metric(key, value, unit, false);
  }
}
