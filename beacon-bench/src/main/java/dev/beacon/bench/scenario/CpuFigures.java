package dev.beacon.bench.scenario;

import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.List;

/** Where the machine's CPU went during a phase: the server, the load generator, the rest. */
final class CpuFigures {

  private CpuFigures() {}

  static List<Metric> of(RunContext ctx, String phase) {
    return of(ctx, phase, "");
  }

  /** As {@link #of(RunContext, String)}, each key followed by {@code suffix} (" at 20000/s"). */
  static List<Metric> of(RunContext ctx, String phase, String suffix) {
    var samples = ctx.sampler().samples();
    List<Metric> out = new ArrayList<>();
    double server = IdleScenario.averageCpu(samples, phase);
    if (server >= 0) {
      out.add(Metric.cost("server CPU" + suffix, server, "%"));
    }
    out.add(Metric.cost("load generator CPU" + suffix, IdleScenario.averageClientCpu(samples, phase), "%"));
    out.add(Metric.cost("softirq (loopback TCP) CPU" + suffix, IdleScenario.averageSoftirq(samples, phase), "%"));
    if (server >= 0) {
      out.add(Metric.cost("other processes' CPU" + suffix,
          Math.max(0, IdleScenario.averageOtherCpu(samples, phase)), "%"));
    }
    return out;
  }
}
