package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchTokens;
import dev.beacon.bench.client.FunctionCaller;
import dev.beacon.bench.client.SyncSocket;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Live queries over the Convex sync protocol: R rooms, M subscribers each (each its own user,
 * over its own sync WebSocket) watching {@code typing:getTypingInChatroom} of their room, and a
 * typist per room starting and stopping typing over HTTP at a total rate, so that every call is
 * a change. Latency is from the typing call's intended send time to each subscriber's Transition
 * carrying the new result. Beacon only.
 */
final class LiveScenario implements Scenario {

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    if (ctx.target() != TargetKind.BEACON) {
      return List.of();
    }
    ScenarioConfig c = ctx.config();
    int rooms = c.rooms();
    int members = c.members();
    int n = rooms * members;
    AtomicLongArray lastChange = new AtomicLongArray(rooms);
    AtomicInteger subscribed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    LatencyRecorder latency = ctx.latency();
    SyncSocket.Listener listener = new SyncSocket.Listener() {
      @Override
      public void subscribed(SyncSocket socket) {
        subscribed.incrementAndGet();
      }

      @Override
      public void updated(SyncSocket socket) {
        long sent = lastChange.get(socket.index() / members);
        if (sent > 0) {
          latency.recordSince(sent);
          ctx.delivered().increment();
        }
      }

      @Override
      public void failed(SyncSocket socket, Throwable cause) {
        if (failed.incrementAndGet() == 1) {
          System.err.println("live: a sync socket failed: " + cause);
        }
      }
    };
    ctx.sampler().phase("connect");
    List<SyncSocket> sockets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int room = i / members;
      sockets.add(SyncSocket.open(ctx.loops(), ctx.server().endpoint(), i,
          BenchTokens.token(c.appId(), "live" + i), "typing:getTypingInChatroom",
          "{\"chatroomId\":\"r" + room + "\"}", listener));
      while (i - subscribed.get() - failed.get() > c.inFlight()) {
        Thread.sleep(1);
      }
    }
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (subscribed.get() + failed.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (subscribed.get() < n) {
      throw new IllegalStateException("live: " + subscribed.get() + " of " + n + " subscribed, "
          + failed.get() + " failed");
    }
    List<Metric> out = new ArrayList<>();
    try (FunctionCaller typists = FunctionCaller.open(ctx.loops(), ctx.server().endpoint(), 64,
        new LatencyRecorder())) {
      String[] tokens = new String[rooms];
      for (int r = 0; r < rooms; r++) {
        tokens[r] = BenchTokens.token(c.appId(), "typist" + r);
      }
      ctx.sampler().phase("warm-up");
      type(typists, tokens, lastChange, c.rate(), c.warmup().toNanos());
      Thread.sleep(500);
      ctx.sampler().flush();
      latency.reset();
      ctx.sampler().phase("typing");
      long before = ctx.delivered().sum();
      long t0 = System.nanoTime();
      long changes = type(typists, tokens, lastChange, c.rate(), c.duration().toNanos());
      double seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(1000);
      ctx.sampler().flush();
      long got = ctx.delivered().sum() - before;
      Percentiles pc = Percentiles.of(latency.total());
      out.add(Metric.rate("live subscriptions", n, ""));
      out.add(Metric.rate("typing changes/s", changes / seconds, "/s"));
      out.add(Metric.rate("updates delivered/s", got / seconds, "/s"));
      out.add(Metric.rate("delivered of expected", 100.0 * got / Math.max(1, changes * (long) members), "%"));
      out.add(Metric.cost("p50", pc.p50(), "ms"));
      out.add(Metric.cost("p99", pc.p99(), "ms"));
      out.add(Metric.cost("p99.9", pc.p999(), "ms"));
      out.add(Metric.cost("max", pc.max(), "ms"));
      out.add(Metric.cost("failed typing calls", typists.failed(), ""));
      List<Metric> cpu = CpuFigures.of(ctx, "typing");
      out.addAll(cpu);
      cpu.stream().filter(m -> m.key().equals("server CPU")).findFirst().ifPresent(m -> out.add(
          Metric.cost("server CPU per update", m.value() / 100 * 1e6 / Math.max(1, got / seconds), "µs")));
      if (typists.failed() > 0) {
        System.err.println("live: a typing call failed: " + typists.lastFailure());
      }
    } finally {
      sockets.forEach(SyncSocket::close);
    }
    return out;
  }

  /**
   * Alternates startTyping and stopTyping for one room's typist after another, at {@code
   * perSecond} in total, so every call changes that room's result.
   */
  private static long type(FunctionCaller typists, String[] tokens, AtomicLongArray lastChange,
      double perSecond, long nanos) {
    int rooms = tokens.length;
    boolean[] typing = new boolean[rooms];
    long giveUp = System.nanoTime() + nanos + 5_000_000_000L;
    return Pacing.run(perSecond, nanos, (i, due) -> {
      int room = (int) (i % rooms);
      String fn = typing[room] ? "typing:stopTyping" : "typing:startTyping";
      byte[] body = ("{\"path\":\"" + fn + "\",\"args\":{\"chatroomId\":\"r" + room
          + "\"},\"format\":\"json\"}").getBytes(StandardCharsets.UTF_8);
      lastChange.set(room, due);
      // every connection busy: wait for one rather than skip, so each room keeps alternating
      if (!typists.callWhenIdle("mutation", tokens[room], body, due, giveUp)) {
        return false;
      }
      typing[room] = !typing[room];
      return true;
    });
  }
}
