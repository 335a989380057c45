package dev.beacon.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/** The human summary printed on stdout: one row per figure, Beacon, baseline and the ratio. */
public final class Table {

  private Table() {}

  public static String render(RunResult result) {
    StringBuilder sb = new StringBuilder();
    RunResult.Machine m = result.machine();
    sb.append(String.format(Locale.ROOT, "%s — %s, %d cores, %.1f GiB, JDK %s, load %s%n",
        result.scenario(), m.cpuModel(), m.cores(), m.memoryBytes() / (1024.0 * 1024 * 1024), m.jdk(),
        m.loadAverage()));
    List<SummaryRow> rows = result.summary();
    int width = "figure".length();
    for (SummaryRow r : rows) {
      width = Math.max(width, r.key().length());
    }
    String format = "%-" + width + "s  %14s  %14s  %8s%n";
    sb.append(String.format(Locale.ROOT, format, "figure", "beacon", "baseline", "ratio"));
    sb.append("-".repeat(width + 44)).append('\n');
    for (SummaryRow r : rows) {
      sb.append(String.format(Locale.ROOT, format, r.key(), value(r.beacon(), r.unit()),
          value(r.baseline(), r.unit()), r.ratio().isPresent()
              ? String.format(Locale.ROOT, "%.2f", r.ratio().getAsDouble()) : ""));
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
