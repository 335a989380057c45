package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.HttpPublisher;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One publisher, one channel, N subscribers. For each publisher kind and payload size: first
 * saturation (a closed loop keeping a few publications in flight, deliveries counted at the
 * subscribers), then latency at a fixed fraction of the saturation rate (an open loop paced by
 * the clock, each payload stamped with its intended send time so a stalled publisher shows up as
 * latency rather than hiding it).
 */
final class FanoutScenario implements Scenario {

  static final String CHANNEL = "private-bench-fanout";
  /** The most keep-alive connections an HTTP publisher opens. */
  private static final int MAX_HTTP_CONNECTIONS = 32;

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int n = c.connections();
    SocketListener counting = counting(ctx);
    List<Metric> out = new ArrayList<>();
    ctx.sampler().phase("connect");
    try (Population subscribers = ctx.population(s -> s.subscribePrivate(ctx.app(), CHANNEL), counting)) {
      subscribers.open(0, n, 0);
      if (!subscribers.awaitSubscribed(n, 120_000)) {
        throw new IllegalStateException("fanout: subscribers did not all subscribe: " + subscribers.status());
      }
      for (String kind : c.publishers()) {
        for (int size : c.payloads()) {
          try (Publisher publisher = publisher(ctx, kind, size, CHANNEL)) {
            out.addAll(measure(ctx, publisher, kind + " " + size + "B", n));
          }
        }
      }
    }
    return out;
  }

  /** Counts every event in the context's deliveries and records its latency when stamped. */
  static SocketListener counting(RunContext ctx) {
    return new SocketListener() {
      @Override
      public void event(BenchSocket socket, long sentNanos) {
        ctx.delivered().increment();
        if (sentNanos > 0) {
          ctx.latency().recordSince(sentNanos);
        }
      }
    };
  }

  /** A publisher of {@code kind} ({@code http} or {@code client}) to the context's server. */
  static Publisher publisher(RunContext ctx, String kind, int size, String channel) throws Exception {
    boolean beacon = ctx.protocol() == WireProtocol.PUSHER;
    if (kind.equals("http")) {
      HttpPublisher http = HttpPublisher.open(ctx.loops(), ctx.server().endpoint(),
          Math.min(MAX_HTTP_CONNECTIONS, publicationsInFlight(ctx.config())));
      return beacon ? Publisher.beaconHttp(http, ctx.app(), channel, size)
          : Publisher.baselineHttp(http, channel, size);
    }
    CompletableFuture<BenchSocket> ready = new CompletableFuture<>();
    Population one = ctx.population(s -> s.subscribePrivate(ctx.app(), channel), new SocketListener() {
      @Override
      public void subscribed(BenchSocket socket) {
        ready.complete(socket);
      }
    });
    one.open(1_000_000_000, 1, 0);
    BenchSocket socket = ready.get(30, TimeUnit.SECONDS);
    Publisher inner = beacon ? Publisher.clientEvents(socket, channel, size)
        : Publisher.rawFrames(socket, channel, size);
    return new Publisher() {
      @Override public boolean publish(long nanos) { return inner.publish(nanos); }
      @Override public void close() { one.close(); }
    };
  }

  /**
   * Saturation (unless a rate is set), then latency at a fixed rate, of {@code publisher} to
   * {@code n} subscribers counted in the context's delivery counter and latency recorder.
   */
  static List<Metric> measure(RunContext ctx, Publisher publisher, String label, int n)
      throws InterruptedException {
    ScenarioConfig c = ctx.config();
    double pubRate;
    List<Metric> out = new ArrayList<>();
    if (c.rate() > 0) {
      pubRate = c.rate();
    } else {
      ctx.sampler().phase("warm-up " + label);
      saturate(ctx, publisher, n, publicationsInFlight(c), c.warmup().toNanos());
      ctx.sampler().phase("saturation " + label);
      ctx.sampler().flush();
      ctx.latency().reset();
      long before = ctx.delivered().sum();
      long t0 = System.nanoTime();
      saturate(ctx, publisher, n, publicationsInFlight(c), c.duration().toNanos());
      double seconds = (System.nanoTime() - t0) / 1e9;
      double perSecond = (ctx.delivered().sum() - before) / seconds;
      ctx.sampler().flush();
      Percentiles sat = Percentiles.of(ctx.latency().total());
      out.add(Metric.rate(label + " deliveries/s", perSecond, "/s"));
      out.add(Metric.cost(label + " p99 at saturation", sat.p99(), "ms"));
      double cpu = IdleScenario.averageCpu(ctx.sampler().samples(), "saturation " + label);
      if (cpu >= 0) {
        out.add(Metric.cost(label + " server CPU at saturation", cpu, "%"));
        // the fair comparison when the generator, not the server, bounds the rate (issue 17)
        out.add(Metric.cost(label + " server CPU per delivery at saturation",
            perDeliveryMicros(cpu, perSecond), "µs"));
      }
      out.add(Metric.cost(label + " load generator CPU at saturation",
          IdleScenario.averageClientCpu(ctx.sampler().samples(), "saturation " + label), "%"));
      out.add(Metric.cost(label + " softirq (loopback TCP) CPU at saturation",
          IdleScenario.averageSoftirq(ctx.sampler().samples(), "saturation " + label), "%"));
      if (cpu >= 0) {
        out.add(Metric.cost(label + " other processes' CPU at saturation", Math.max(0,
            IdleScenario.averageOtherCpu(ctx.sampler().samples(), "saturation " + label)), "%"));
      }
      pubRate = perSecond / n * c.fraction();
      drain(ctx, n);
    }
    String at = c.rate() > 0 ? " at " + Math.round(pubRate) + "/s" : " at " + Math.round(c.fraction() * 100) + "%";
    ctx.sampler().phase("paced " + label);
    pace(ctx, publisher, pubRate, Math.min(c.warmup().toNanos(), 2_000_000_000L));
    ctx.sampler().flush();
    ctx.latency().reset();
    long before = ctx.delivered().sum();
    long t0 = System.nanoTime();
    pace(ctx, publisher, pubRate, c.duration().toNanos());
    drain(ctx, n);
    double seconds = (System.nanoTime() - t0) / 1e9;
    ctx.sampler().flush();
    Percentiles p = Percentiles.of(ctx.latency().total());
    double paced = (ctx.delivered().sum() - before) / seconds;
    out.add(Metric.rate(label + " paced deliveries/s" + at, paced, "/s"));
    double pacedCpu = IdleScenario.averageCpu(ctx.sampler().samples(), "paced " + label);
    if (pacedCpu >= 0) {
      out.add(Metric.cost(label + " server CPU" + at, pacedCpu, "%"));
      out.add(Metric.cost(label + " server CPU per delivery" + at,
          perDeliveryMicros(pacedCpu, paced), "µs"));
    }
    out.add(Metric.cost(label + " p50" + at, p.p50(), "ms"));
    out.add(Metric.cost(label + " p99" + at, p.p99(), "ms"));
    out.add(Metric.cost(label + " p99.9" + at, p.p999(), "ms"));
    out.add(Metric.cost(label + " max" + at, p.max(), "ms"));
    return out;
  }

  /** Server CPU time per delivery in µs: CPU in percent of a core ÷ deliveries per second. */
  static double perDeliveryMicros(double cpuPercent, double deliveriesPerSecond) {
    return cpuPercent / 100 * 1e6 / Math.max(1, deliveriesPerSecond);
  }

  /** Publications kept in flight at saturation: the delivery window spread over the subscribers. */
  static int publicationsInFlight(ScenarioConfig c) {
    return Math.max(2, c.window() / c.connections());
  }

  /** Publishes as fast as deliveries keep up, keeping {@code window} publications in flight. */
  private static void saturate(RunContext ctx, Publisher publisher, int n, int window, long nanos) {
    long end = System.nanoTime() + nanos;
    long baseDelivered = ctx.delivered().sum();
    long baseLost = publisher.lost();
    long published = 0;
    long stalledSince = 0;
    while (System.nanoTime() < end) {
      long done = (ctx.delivered().sum() - baseDelivered) / n + (publisher.lost() - baseLost);
      if (published - done < window && publisher.publish(System.nanoTime())) {
        published++;
        stalledSince = 0;
        continue;
      }
      long now = System.nanoTime();
      if (stalledSince == 0) {
        stalledSince = now;
      } else if (now - stalledSince > 2_000_000_000L) {
        published = done; // deliveries were lost (a closed socket): stop waiting for them
        stalledSince = 0;
      }
      LockSupport.parkNanos(100_000);
    }
  }

  /** Publishes at {@code perSecond}, each payload stamped with its intended send time. */
  private static void pace(RunContext ctx, Publisher publisher, double perSecond, long nanos) {
    long start = System.nanoTime();
    long end = start + nanos;
    double interval = 1e9 / Math.max(perSecond, 0.1);
    for (long i = 0; ; i++) {
      long due = start + (long) (i * interval);
      if (due >= end) {
        break;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      while (!publisher.publish(due)) {
        LockSupport.parkNanos(10_000);
        if (System.nanoTime() > end + 10_000_000_000L) {
          return;
        }
      }
    }
  }

  /**
   * Waits (up to 30 s) until no delivery has arrived for 300 ms, so that one phase's backlog does
   * not spill into the next.
   */
  private static void drain(RunContext ctx, int n) throws InterruptedException {
    long last = -1;
    int still = 0;
    for (int i = 0; i < 300 && still < 3; i++) {
      long now = ctx.delivered().sum();
      still = now == last ? still + 1 : 0;
      last = now;
      Thread.sleep(100);
    }
  }
}
