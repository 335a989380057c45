package dev.beacon.bench.scenario;

import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.report.Metric;
import dev.beacon.bench.report.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * N connections, each alone in its own presence channel, then silence: what a connection costs
 * the server in live heap (after a forced GC) and resident memory, and the CPU it burns doing
 * nothing. The costs are differences from before the connections opened, divided by N. With
 * {@code --processes=P} the connections are spread over P client processes.
 */
final class IdleScenario implements Scenario {

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int n = c.connections();
    List<Metric> out = new ArrayList<>();
    ctx.sampler().phase("before");
    Thread.sleep(1000);
    OptionalLong heap0 = ctx.liveHeapBytes();
    OptionalLong rss0 = ctx.rssBytes();
    ctx.sampler().phase("connect");
    long t0 = System.nanoTime();
    try (Crowd p = new Crowd(ctx, "idle", n, new SocketListener() {})) {
      p.open(0);
      if (!p.awaitSubscribed(n, 300_000)) {
        throw new IllegalStateException("idle: connections did not all subscribe: " + p.status());
      }
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      ctx.sampler().phase("idle");
      long idleStart = System.nanoTime();
      RunContext.pause(c.duration());
      double cpu = averageCpu(ctx.sampler().samples(), "idle");
      double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
      ctx.sampler().phase("measure");
      OptionalLong heap1 = ctx.liveHeapBytes();
      OptionalLong rss1 = ctx.rssBytes();
      out.add(Metric.rate("connections held", p.subscribed(), ""));
      out.add(Metric.cost("time to open and subscribe all", openSeconds, "s"));
      if (heap0.isPresent() && heap1.isPresent()) {
        out.add(Metric.cost("live heap per connection", (heap1.getAsLong() - heap0.getAsLong()) / (double) n, "B"));
        out.add(Metric.cost("live heap total", heap1.getAsLong() / 1048576.0, "MiB"));
      }
      if (rss0.isPresent() && rss1.isPresent()) {
        out.add(Metric.cost("RSS per connection", (rss1.getAsLong() - rss0.getAsLong()) / (double) n, "B"));
        out.add(Metric.cost("RSS total", rss1.getAsLong() / 1048576.0, "MiB"));
      }
      if (cpu >= 0) {
        out.add(Metric.cost("server CPU while idle", cpu, "%"));
        out.add(Metric.cost("other processes' CPU while idle",
            Math.max(0, averageOtherCpu(ctx.sampler().samples(), "idle")), "%"));
      }
      if (p.subscribed() < n) {
        throw new IllegalStateException("idle: " + (n - p.subscribed()) + " connections dropped while idle ("
            + idleSeconds + " s): " + p.status());
      }
    }
    return out;
  }

  /** The server's mean CPU over the samples taken in {@code phase}, or -1 if none knew it. */
  static double averageCpu(List<Sample> samples, String phase) {
    return average(samples, phase, Sample::cpuPercent);
  }

  /** The load generator's mean CPU over the samples taken in {@code phase}. */
  static double averageClientCpu(List<Sample> samples, String phase) {
    return average(samples, phase, Sample::clientCpuPercent);
  }

  /**
   * CPU taken by processes other than the server and the load generator during {@code phase}
   * (software interrupts left out).
   */
  static double averageOtherCpu(List<Sample> samples, String phase) {
    return average(samples, phase, s -> s.cpuPercent() < 0 ? -1
        : s.machineCpuPercent() - s.softirqPercent() - s.cpuPercent() - s.clientCpuPercent());
  }

  /** Software-interrupt CPU (loopback networking) during {@code phase}. */
  static double averageSoftirq(List<Sample> samples, String phase) {
    return average(samples, phase, Sample::softirqPercent);
  }

  static double average(List<Sample> samples, String phase,
      java.util.function.ToDoubleFunction<Sample> value) {
    double sum = 0;
    int count = 0;
    for (Sample s : samples) {
      double v = value.applyAsDouble(s);
      if (s.phase().equals(phase) && v >= 0) {
        sum += v;
        count++;
      }
    }
    return count == 0 ? -1 : sum / count;
  }
}
