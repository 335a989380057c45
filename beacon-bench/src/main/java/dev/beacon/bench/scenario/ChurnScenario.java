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

/**
 * C presence channels of M stable members, and a few churning connections per channel (20) that
 * join and leave them in turn at a total rate of joins plus leaves per second, so a channel holds
 * about M + 10 members throughout. Each join or leave is a {@code member_added} or {@code
 * member_removed} to the M stable members; its latency runs from the churner's subscribe or
 * unsubscribe to each delivery. Every join uses a new user id (a sequence number), so each
 * member event is matched to its own send time however fast the churners cycle.
 */
final class ChurnScenario implements Scenario {

  /** Churner user ids start here, above any stable member's. */
  static final int CHURNER_BASE = 10_000_000;
  /** Churning connections per channel. */
  static final int CHURNERS_PER_CHANNEL = 20;
  /** Send times kept, by join sequence number modulo this: minutes of joins at any sane rate. */
  static final int RING = 1 << 20;

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    ScenarioConfig c = ctx.config();
    int channels = c.rooms();
    int members = c.members();
    int stable = channels * members;
    int churners = channels * CHURNERS_PER_CHANNEL;
    AtomicLongArray joinedAt = new AtomicLongArray(RING);
    AtomicLongArray leftAt = new AtomicLongArray(RING);
    LatencyRecorder added = new LatencyRecorder();
    LatencyRecorder removed = new LatencyRecorder();
    LongAdder addedCount = new LongAdder();
    LongAdder removedCount = new LongAdder();
    SocketListener listener = new SocketListener() {
      @Override
      public void memberAdded(BenchSocket socket, long number) {
        record(number, joinedAt, added, addedCount);
      }

      @Override
      public void memberRemoved(BenchSocket socket, long number) {
        record(number, leftAt, removed, removedCount);
      }

      private void record(long number, AtomicLongArray sentAt, LatencyRecorder which,
          LongAdder count) {
        long seq = number - CHURNER_BASE;
        if (seq < 0) {
          return; // a stable member
        }
        long latency = System.nanoTime() - sentAt.get((int) (seq % RING));
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
      long[] member = new long[churners];
      java.util.Arrays.fill(member, -1);
      long[] nextSeq = {0};
      ctx.sampler().phase("warm-up");
      churn(ctx, sockets, member, nextSeq, joinedAt, leftAt, channels, c.rate(), c.warmup().toNanos());
      Thread.sleep(300);
      ctx.sampler().flush();
      ctx.latency().reset();
      added.reset();
      removed.reset();
      ctx.sampler().phase("churn");
      long before = ctx.delivered().sum();
      long t0 = System.nanoTime();
      long ops = churn(ctx, sockets, member, nextSeq, joinedAt, leftAt, channels, c.rate(),
          c.duration().toNanos());
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

  /**
   * Toggles churners in turn at {@code perSecond} joins plus leaves; {@code member[k]} is the
   * sequence number churner k is in its channel as, or -1 when it is out.
   */
  private static long churn(RunContext ctx, List<BenchSocket> sockets, long[] member,
      long[] nextSeq, AtomicLongArray joinedAt, AtomicLongArray leftAt, int channels,
      double perSecond, long nanos) {
    return Pacing.run(perSecond, nanos, (i, due) -> {
      BenchSocket s = sockets.get((int) (i % sockets.size()));
      int k = s.index() - CHURNER_BASE;
      String channel = channel(k % channels);
      if (member[k] >= 0) {
        leftAt.set((int) (member[k] % RING), due);
        if (s.unsubscribe(channel)) {
          member[k] = -1;
          return true;
        }
        return false;
      }
      long seq = nextSeq[0]++;
      joinedAt.set((int) (seq % RING), due);
      if (s.subscribePresence(ctx.app(), channel, CHURNER_BASE + seq, "{}")) {
        member[k] = seq;
        return true;
      }
      return false;
    });
  }
}
