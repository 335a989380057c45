package dev.beacon.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The human summary printed on stdout: one row per figure, a column per server measured (Beacon,
 * the baseline, uWS, an external server), and Beacon's value as a ratio of each other server's.
 */
public final class Table {

  private Table() {}

  public static String render(RunResult result) {
    StringBuilder sb = new StringBuilder();
    RunResult.Machine m = result.machine();
    sb.append(String.format(Locale.ROOT, "%s — %s, %d cores, %.1f GiB, JDK %s, load %s%n",
        result.scenario(), m.cpuModel(), m.cores(), m.memoryBytes() / (1024.0 * 1024 * 1024), m.jdk(),
        m.loadAverage()));
    List<SummaryRow> rows = result.summary();
    List<String> targets = new ArrayList<>(result.targets());
    if (targets.isEmpty()) {
      targets.addAll(List.of("beacon", "baseline"));
    }
    // one ratio per other server; with only Beacon and the baseline, the one column "ratio"
    List<String> ratios = new ArrayList<>();
    if (targets.contains("beacon")) {
      for (String t : targets) {
        if (!t.equals("beacon")) {
          ratios.add(t);
        }
      }
    }
    int width = "figure".length();
    for (SummaryRow r : rows) {
      width = Math.max(width, r.key().length());
    }
    List<String> header = new ArrayList<>(List.of("figure"));
    header.addAll(targets);
    for (String t : ratios) {
      header.add(t.equals("baseline") ? "ratio" : "÷ " + t);
    }
    StringBuilder format = new StringBuilder("%-" + width + "s");
    targets.forEach(t -> format.append("  %14s"));
    ratios.forEach(t -> format.append("  %10s"));
    format.append("%n");
    sb.append(String.format(Locale.ROOT, format.toString(), header.toArray()));
    sb.append("-".repeat(width + 16 * targets.size() + 12 * ratios.size())).append('\n');
    for (SummaryRow r : rows) {
      List<Object> cells = new ArrayList<>(List.of(r.key()));
      for (String t : targets) {
        cells.add(value(r.value(t), r.unit()));
      }
      for (String t : ratios) {
        OptionalDouble ratio = r.ratio(t);
        cells.add(ratio.isPresent() ? String.format(Locale.ROOT, "%.2f", ratio.getAsDouble()) : "");
      }
      sb.append(String.format(Locale.ROOT, format.toString(), cells.toArray()));
    }
    for (TargetRun run : result.runs()) {
      if (run.failed()) {
        sb.append("FAILED ").append(run.target()).append(" #").append(run.repeat()).append(": ")
            .append(run.error()).append('\n');
      }
    }
    return sb.toString();
  }

  static String value(OptionalDouble v, String unit) {
    if (v.isEmpty()) {
      return "-";
    }
    double d = v.getAsDouble();
    String n;
    if (Math.abs(d) >= 100_000) {
      n = String.format(Locale.ROOT, "%,.0f", d);
    } else if (Math.abs(d) >= 100) {
      n = String.format(Locale.ROOT, "%.0f", d);
    } else if (Math.abs(d) >= 1) {
      n = String.format(Locale.ROOT, "%.2f", d);
    } else {
      n = String.format(Locale.ROOT, "%.3f", d);
    }
    return unit.isEmpty() || unit.equals("/s") ? n : n + " " + unit;
  }
}
