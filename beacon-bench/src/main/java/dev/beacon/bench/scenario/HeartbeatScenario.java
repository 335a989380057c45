package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchTokens;
import dev.beacon.bench.client.FunctionCaller;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * {@code presence:heartbeat} over HTTP keep-alive, as many users' HTTP-only clients send it: the
 * rate a closed loop sustains (saturation), then latency percentiles at a fixed rate, measured
 * from when each call was meant to go out. Beacon only: the baseline has no functions.
 */
final class HeartbeatScenario implements Scenario {

  private static final byte[] BODY =
      "{\"path\":\"presence:heartbeat\",\"args\":{},\"format\":\"json\"}".getBytes(StandardCharsets.UTF_8);

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    if (ctx.target() != TargetKind.BEACON) {
      return List.of();
    }
    ScenarioConfig c = ctx.config();
    String[] tokens = new String[c.users()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = BenchTokens.token(c.appId(), "hb" + i);
    }
    List<Metric> out = new ArrayList<>();
    try (FunctionCaller caller = FunctionCaller.open(ctx.loops(), ctx.server().endpoint(),
        c.connections(), ctx.latency())) {
      AtomicInteger next = new AtomicInteger();
      Supplier<FunctionCaller.Call> calls = () -> new FunctionCaller.Call("mutation",
          tokens[Math.floorMod(next.getAndIncrement(), tokens.length)], BODY);
      ctx.sampler().phase("warm-up");
      caller.closedLoop(calls, c.warmup().toNanos());
      ctx.sampler().flush();
      ctx.latency().reset();
      ctx.sampler().phase("saturation");
      long before = caller.succeeded();
      long t0 = System.nanoTime();
      caller.closedLoop(calls, c.duration().toNanos());
      double seconds = (System.nanoTime() - t0) / 1e9;
      ctx.sampler().flush();
      Percentiles sat = Percentiles.of(ctx.latency().total());
      double saturation = (caller.succeeded() - before) / seconds;
      out.add(Metric.rate("heartbeats/s at saturation", saturation, "/s"));
      out.add(Metric.cost("p50 at saturation", sat.p50(), "ms"));
      out.add(Metric.cost("p99 at saturation", sat.p99(), "ms"));
      List<Metric> cpu = CpuFigures.of(ctx, "saturation", " at saturation");
      out.addAll(cpu);
      perCall(cpu, saturation, out);
      double rate = c.rate() > 0 ? c.rate() : saturation * c.fraction();
      ctx.latency().reset();
      ctx.sampler().phase("paced");
      before = caller.succeeded();
      t0 = System.nanoTime();
      long late = caller.paced(calls, rate, c.duration().toNanos());
      seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(500);
      ctx.sampler().flush();
      Percentiles paced = Percentiles.of(ctx.latency().total());
      double pacedRate = (caller.succeeded() - before) / seconds;
      out.add(Metric.rate("paced heartbeats/s", pacedRate, "/s"));
      out.add(Metric.cost("p50 at " + Math.round(rate) + "/s", paced.p50(), "ms"));
      out.add(Metric.cost("p99 at " + Math.round(rate) + "/s", paced.p99(), "ms"));
      out.add(Metric.cost("p99.9 at " + Math.round(rate) + "/s", paced.p999(), "ms"));
      out.add(Metric.cost("max at " + Math.round(rate) + "/s", paced.max(), "ms"));
      out.add(Metric.cost("calls sent late (all connections busy)", late, ""));
      out.add(Metric.cost("failed calls", caller.failed(), ""));
      cpu = CpuFigures.of(ctx, "paced", " at " + Math.round(rate) + "/s");
      out.addAll(cpu);
      perCall(cpu, pacedRate, out);
      if (caller.failed() > 0) {
        System.err.println("heartbeat: a call failed: " + caller.lastFailure());
      }
    }
    return out;
  }

  /** Server CPU time per heartbeat, from the phase's server CPU figure (the first metric). */
  private static void perCall(List<Metric> cpu, double callsPerSecond, List<Metric> out) {
    cpu.stream().filter(m -> m.key().startsWith("server CPU")).findFirst().ifPresent(m -> out.add(
        Metric.cost(m.key().replace("server CPU", "server CPU per call"),
            m.value() / 100 * 1e6 / Math.max(1, callsPerSecond), "µs")));
  }
}
