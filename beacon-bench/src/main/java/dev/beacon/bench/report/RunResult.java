package dev.beacon.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Everything one invocation measured: the machine, the command, every run against every server,
 * and the summary (medians and ratios) built from them.
 */
public record RunResult(String scenario, String command, String startedAt, Machine machine,
    Map<String, Object> settings, List<TargetRun> runs, List<SummaryRow> summary) {

  /** The machine the run was on; the load generator shares its cores with the server. */
  public record Machine(int cores, long memoryBytes, String jdk, String os, String loadAverage,
      String cpuModel) {}

  /** Medians over repeats of each figure, per server, in the order figures first appeared. */
  public static List<SummaryRow> summarize(List<TargetRun> runs) {
    Map<String, Metric> firstSeen = new LinkedHashMap<>();
    Map<String, Map<String, List<Double>>> byTarget = new LinkedHashMap<>();
    for (TargetRun run : runs) {
      Map<String, List<Double>> into =
          byTarget.computeIfAbsent(run.target(), t -> new LinkedHashMap<>());
      for (Metric m : run.metrics()) {
        firstSeen.putIfAbsent(m.key(), m);
        into.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(m.value());
      }
    }
    List<SummaryRow> rows = new ArrayList<>();
    for (Metric m : firstSeen.values()) {
      Map<String, Double> values = new LinkedHashMap<>();
      byTarget.forEach((target, figures) ->
          median(figures.get(m.key())).ifPresent(v -> values.put(target, v)));
      rows.add(new SummaryRow(m.key(), m.unit(), values, m.higherIsBetter()));
    }
    return rows;
  }

  /** The servers measured, in the order they ran. */
  public List<String> targets() {
    List<String> out = new ArrayList<>();
    for (TargetRun r : runs) {
      if (!out.contains(r.target())) {
        out.add(r.target());
      }
    }
    return out;
  }

  static OptionalDouble median(List<Double> values) {
    if (values == null || values.isEmpty()) {
      return OptionalDouble.empty();
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int mid = v.length / 2;
    return OptionalDouble.of(v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2);
  }
}
