package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection storm: N connections opened as fast as {@code in-flight} (and optionally a rate)
 * allow, each subscribing to its own private channel. Reports connections established per second,
 * the time until every one is subscribed, and per-connection time to established and subscribed
 * (time to established is measured in this process only when {@code --processes} is above 1).
 */
final class ConnectScenario implements Scenario {

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int n = c.connections();
    LatencyRecorder toEstablished = new LatencyRecorder();
    AtomicLong lastEstablished = new AtomicLong();
    AtomicLong lastSubscribed = new AtomicLong();
    SocketListener listener = new SocketListener() {
      @Override
      public void established(BenchSocket socket) {
        long now = System.nanoTime();
        toEstablished.record(now - socket.openedAt());
        lastEstablished.accumulateAndGet(now, Math::max);
      }

      @Override
      public void subscribed(BenchSocket socket) {
        long now = System.nanoTime();
        ctx.delivered().increment();
        ctx.latency().record(now - socket.openedAt());
        lastSubscribed.accumulateAndGet(now, Math::max);
      }
    };
    ctx.sampler().phase("storm");
    long t0 = System.nanoTime();
    try (Crowd p = new Crowd(ctx, "storm", n, listener)) {
      p.open(c.rate());
      if (!p.awaitSubscribed(n, 300_000)) {
        throw new IllegalStateException("connect: connections did not all subscribe: " + p.status());
      }
      ctx.sampler().flush();
      toEstablished.sample();
      double established = (p.lastEstablished(lastEstablished.get()) - t0) / 1e9;
      double subscribed = (p.lastSubscribed(lastSubscribed.get()) - t0) / 1e9;
      Percentiles e = Percentiles.of(toEstablished.total());
      org.HdrHistogram.Histogram all = ctx.latency().total();
      all.add(p.remoteHistogram());
      Percentiles s = Percentiles.of(all);
      List<Metric> out = new ArrayList<>();
      out.add(Metric.rate("connections established/s", n / established, "/s"));
      out.add(Metric.cost("time until all established", established, "s"));
      out.add(Metric.cost("time until all subscribed", subscribed, "s"));
      out.add(Metric.cost("connect p50", e.p50(), "ms"));
      out.add(Metric.cost("connect p99", e.p99(), "ms"));
      out.add(Metric.cost("connect+subscribe p99", s.p99(), "ms"));
      out.add(Metric.cost("connect+subscribe max", s.max(), "ms"));
      out.add(Metric.cost("failed connections", p.failed(), ""));
      ctx.sampler().phase("close");
      return out;
    }
  }
}
