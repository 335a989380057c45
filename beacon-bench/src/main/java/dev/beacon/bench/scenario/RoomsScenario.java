package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.Payloads;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * R presence rooms of M members; members send {@code client-typing} events at a total rate, each
 * delivered to the M-1 others: end-to-end latency from sender to every receiver.
 */
final class RoomsScenario implements Scenario {

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int rooms = c.rooms();
    int members = c.members();
    int n = rooms * members;
    SocketListener counting = new SocketListener() {
      @Override
      public void event(BenchSocket socket, long sentNanos) {
        ctx.delivered().increment();
        if (sentNanos > 0) {
          ctx.latency().recordSince(sentNanos);
        }
      }
    };
    ctx.sampler().phase("connect");
    try (Population p = ctx.population(s -> s.subscribePresence(ctx.app(),
        room(s.index() / members), s.index(), "{\"name\":\"member " + s.index() + "\"}"), counting)) {
      p.open(0, n, 0);
      if (!p.awaitSubscribed(n, 300_000)) {
        throw new IllegalStateException("rooms: members did not all subscribe: " + p.status());
      }
      List<BenchSocket> sockets = new ArrayList<>(p.sockets());
      sockets.sort(java.util.Comparator.comparingInt(BenchSocket::index));
      ctx.sampler().phase("warm-up");
      type(sockets, members, c.rate(), c.warmup().toNanos());
      ctx.sampler().flush();
      ctx.latency().reset();
      ctx.sampler().phase("typing");
      long before = ctx.delivered().sum();
      long t0 = System.nanoTime();
      long sent = type(sockets, members, c.rate(), c.duration().toNanos());
      double sendSeconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(500);
      ctx.sampler().flush();
      long got = ctx.delivered().sum() - before;
      Percentiles pc = Percentiles.of(ctx.latency().total());
      List<Metric> out = new ArrayList<>();
      out.add(Metric.rate("typing events sent/s", sent / sendSeconds, "/s"));
      out.add(Metric.rate("deliveries/s", got / sendSeconds, "/s"));
      out.add(Metric.rate("delivered of expected", 100.0 * got / Math.max(1, sent * (long) (members - 1)), "%"));
      out.add(Metric.cost("p50", pc.p50(), "ms"));
      out.add(Metric.cost("p99", pc.p99(), "ms"));
      out.add(Metric.cost("p99.9", pc.p999(), "ms"));
      out.add(Metric.cost("max", pc.max(), "ms"));
      out.addAll(CpuFigures.of(ctx, "typing"));
      return out;
    }
  }

  static String room(int i) {
    return "presence-room-" + i;
  }

  /** Sends typing events from random members at {@code perSecond} for {@code nanos}. */
  private static long type(List<BenchSocket> sockets, int members, double perSecond, long nanos) {
    SplittableRandom random = new SplittableRandom(42);
    return Pacing.run(perSecond, nanos, (i, due) -> {
      BenchSocket s = sockets.get(random.nextInt(sockets.size()));
      return s.clientEvent(room(s.index() / members), "client-typing", Payloads.stamped(due, 64));
    });
  }
}
