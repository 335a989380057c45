package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * C presence channels of M stable members, and a pool of churning connections that join and
 * leave them at a total rate of joins plus leaves per second. Each join or leave is a {@code
 * member_added} or {@code member_removed} to the M stable members; its latency runs from the
 * churner's subscribe or unsubscribe to each delivery.
 */
final class ChurnScenario implements Scenario {

  /** Churner user ids start here, above any stable member's. */
  static final int CHURNER_BASE = 10_000_000;

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int channels = c.rooms();
    int members = c.members();
    int stable = channels * members;
    // enough churners that each one toggles about once a second
    int churners = (int) Math.max(channels, Math.min(20_000, Math.ceil(c.rate())));
    AtomicLongArray sentAt = new AtomicLongArray(churners);
    LatencyRecorder added = new LatencyRecorder();
    LatencyRecorder removed = new LatencyRecorder();
    LongAdder addedCount = new LongAdder();
    LongAdder removedCount = new LongAdder();
    SocketListener listener = new SocketListener() {
      @Override
      public void memberAdded(BenchSocket socket, long number) {
        record(number, added, addedCount);
      }

      @Override
      public void memberRemoved(BenchSocket socket, long number) {
        record(number, removed, removedCount);
      }

      private void record(long number, LatencyRecorder which, LongAdder count) {
        int k = (int) (number - CHURNER_BASE);
        if (k < 0 || k >= churners) {
          return;
        }
        long latency = System.nanoTime() - sentAt.get(k);
        ctx.delivered().increment();
        count.increment();
        ctx.latency().record(latency);
        which.record(latency);
      }
    };
    ctx.sampler().phase("connect");
    try (Population members0 = ctx.population(s -> s.subscribePresence(ctx.app(),
            channel(s.index() / members), s.index(), "{}"), listener);
        Population pool = ctx.population(s -> {}, new SocketListener() {}).readyWhenEstablished()) {
      members0.open(0, stable, 0);
      if (!members0.awaitSubscribed(stable, 300_000)) {
        throw new IllegalStateException("churn: members did not all subscribe: " + members0.status());
      }
      pool.open(CHURNER_BASE, churners, 0);
      long deadline = System.currentTimeMillis() + 120_000;
      while (pool.established() < churners && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      if (pool.established() < churners) {
        throw new IllegalStateException("churn: churners did not all connect: " + pool.status());
      }
      List<BenchSocket> sockets = new ArrayList<>(pool.sockets());
      sockets.sort(Comparator.comparingInt(BenchSocket::index));
      boolean[] in = new boolean[churners];
      ctx.sampler().phase("warm-up");
      churn(ctx, sockets, in, sentAt, channels, c.rate(), c.warmup().toNanos());
      Thread.sleep(300);
      ctx.sampler().flush();
      ctx.latency().reset();
      added.reset();
      removed.reset();
      ctx.sampler().phase("churn");
      long before = ctx.delivered().sum();
      long t0 = System.nanoTime();
      long ops = churn(ctx, sockets, in, sentAt, channels, c.rate(), c.duration().toNanos());
      double seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(500);
      ctx.sampler().flush();
      added.sample();
      removed.sample();
      long got = ctx.delivered().sum() - before;
      Percentiles all = Percentiles.of(ctx.latency().total());
      Percentiles a = Percentiles.of(added.total());
      Percentiles r = Percentiles.of(removed.total());
      List<Metric> out = new ArrayList<>();
      out.add(Metric.rate("joins+leaves issued/s", ops / seconds, "/s"));
      out.add(Metric.rate("joins+leaves delivered/s", got / (double) members / seconds, "/s"));
      out.add(Metric.rate("member events delivered/s", got / seconds, "/s"));
      out.add(Metric.cost("p50", all.p50(), "ms"));
      out.add(Metric.cost("p99", all.p99(), "ms"));
      out.add(Metric.cost("p99.9", all.p999(), "ms"));
      out.add(Metric.cost("max", all.max(), "ms"));
      out.add(Metric.cost("member_added p99", a.p99(), "ms"));
      out.add(Metric.cost("member_removed p99", r.p99(), "ms"));
      out.addAll(CpuFigures.of(ctx, "churn"));
      return out;
    }
  }

  static String channel(int i) {
    return "presence-churn-" + i;
  }

  /** Toggles churners in turn at {@code perSecond} joins plus leaves. */
  private static long churn(RunContext ctx, List<BenchSocket> sockets, boolean[] in,
      AtomicLongArray sentAt, int channels, double perSecond, long nanos) {
    long start = System.nanoTime();
    long end = start + nanos;
    double interval = 1e9 / perSecond;
    long ops = 0;
    int next = 0;
    for (long i = 0; ; i++) {
      long due = start + (long) (i * interval);
      if (due >= end) {
        return ops;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      BenchSocket s = sockets.get(next);
      int k = s.index() - CHURNER_BASE;
      String channel = channel(k % channels);
      sentAt.set(k, due);
      if (in[k]) {
        s.unsubscribe(channel);
      } else {
        s.subscribePresence(ctx.app(), channel, s.index(), "{}");
      }
      in[k] = !in[k];
      ops++;
      next = (next + 1) % sockets.size();
    }
  }
}
