package dev.beacon.bench.scenario;

import dev.beacon.bench.client.FunctionCaller;
import dev.beacon.bench.client.Payloads;
import dev.beacon.bench.client.SyncSocket;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Stored messages (issue 15): R conversations of M members, each member watching its
 * conversation over both protocols (pusher-js's way: {@code new-message} on {@code
 * private-conversation-{id}}; Convex's way: a live {@code messages:list} page), and members
 * sending {@code messages:send} over HTTP keep-alive. First a closed loop finds the send rate the
 * server sustains; then sends are paced at {@code --rate} (0: {@code --fraction} of saturation)
 * and each delivery is timed from the send's intended time, carried in the message's content:
 * per Pusher event, and per live-query update (the newest message on the page; messages that
 * arrive together may share one update). Beacon only.
 */
final class MessagesScenario implements Scenario {

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    if (ctx.target() != TargetKind.BEACON) {
      return List.of();
    }
    ScenarioConfig c = ctx.config();
    int rooms = c.rooms();
    int members = c.members();
    LatencyRecorder pusherLatency = new LatencyRecorder();
    LatencyRecorder syncLatency = new LatencyRecorder();
    LatencyRecorder sendLatency = new LatencyRecorder();
    LongAdder pusherDelivered = new LongAdder();
    LongAdder syncUpdates = new LongAdder();
    List<Metric> out = new ArrayList<>();
    try (Conversations conv = new Conversations(ctx, rooms, members, false)) {
      ctx.sampler().phase("connect");
      conv.create();
      conv.openPusher(pusherDelivered, pusherLatency);
      conv.openSync("messages:list",
          "{\"conversationId\":\"%s\",\"paginationOpts\":{\"numItems\":5,\"cursor\":null}}",
          new SyncSocket.Listener() {
            @Override
            public void subscribed(SyncSocket socket) {}

            @Override
            public void updated(SyncSocket socket) {}

            @Override
            public void updated(SyncSocket socket, ByteBuf frame) {
              long sent = Payloads.stampAfter(frame, Payloads.CONTENT_FIELD, frame.readerIndex());
              if (sent > 0) {
                syncUpdates.increment();
                syncLatency.recordSince(sent);
                ctx.delivered().increment();
                ctx.latency().recordSince(sent);
              }
            }

            @Override
            public void failed(SyncSocket socket, Throwable cause) {}
          });
      try (FunctionCaller senders = FunctionCaller.open(ctx.loops(), ctx.server().endpoint(), 64,
          sendLatency)) {
        AtomicLong next = new AtomicLong();
        // senders take turns: conversation after conversation, member after member
        Supplier<FunctionCaller.Call> closed = () -> {
          long i = next.getAndIncrement();
          int r = (int) (i % rooms);
          int k = (int) ((i / rooms) % members);
          return new FunctionCaller.Call("mutation", conv.tokens[r][k],
              send(conv.ids[r], System.nanoTime()));
        };
        ctx.sampler().phase("warm-up");
        senders.closedLoop(closed, c.warmup().toNanos());
        Thread.sleep(500);
        ctx.sampler().flush();

        // saturation: every sender connection busy
        reset(ctx, pusherLatency, syncLatency, sendLatency);
        ctx.sampler().phase("saturation");
        long sends0 = senders.succeeded();
        long pusher0 = pusherDelivered.sum();
        long sync0 = syncUpdates.sum();
        long t0 = System.nanoTime();
        senders.closedLoop(closed, c.duration().toNanos());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1000);
        ctx.sampler().flush();
        double saturation = (senders.succeeded() - sends0) / seconds;
        out.add(Metric.rate("conversations × members", rooms * (double) members, ""));
        out.add(Metric.rate("sends/s at saturation", saturation, "/s"));
        out.add(Metric.rate("Pusher deliveries/s at saturation", (pusherDelivered.sum() - pusher0) / seconds, "/s"));
        out.add(Metric.rate("live-query updates/s at saturation", (syncUpdates.sum() - sync0) / seconds, "/s"));
        out.add(Metric.cost("send call p99 at saturation", MessagesScenario.percentiles(sendLatency).p99(), "ms"));
        List<Metric> cpu = CpuFigures.of(ctx, "saturation", " at saturation");
        out.addAll(cpu);
        perSend(cpu, saturation, out);

        // paced: latency at a fixed rate
        double rate = c.rate() > 0 ? c.rate() : saturation * c.fraction();
        String at = " at " + Math.round(rate) + "/s";
        reset(ctx, pusherLatency, syncLatency, sendLatency);
        ctx.sampler().phase("paced");
        pusher0 = pusherDelivered.sum();
        sync0 = syncUpdates.sum();
        long giveUp = System.nanoTime() + c.duration().toNanos() + 5_000_000_000L;
        t0 = System.nanoTime();
        long sent = Pacing.run(rate, c.duration().toNanos(), (i, due) -> {
          int r = (int) (i % rooms);
          int k = (int) ((i / rooms) % members);
          byte[] body = send(conv.ids[r], due);
          return senders.callWhenIdle("mutation", conv.tokens[r][k], body, due, giveUp);
        });
        seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1500);
        ctx.sampler().flush();
        long pusherGot = pusherDelivered.sum() - pusher0;
        long syncGot = syncUpdates.sum() - sync0;
        long expected = Math.max(1, sent * (long) members);
        Percentiles p = MessagesScenario.percentiles(pusherLatency);
        Percentiles s = MessagesScenario.percentiles(syncLatency);
        out.add(Metric.rate("paced sends/s", sent / seconds, "/s"));
        out.add(Metric.rate("Pusher new-message delivered of expected" + at, 100.0 * pusherGot / expected, "%"));
        out.add(Metric.cost("Pusher p50" + at, p.p50(), "ms"));
        out.add(Metric.cost("Pusher p99" + at, p.p99(), "ms"));
        out.add(Metric.cost("Pusher p99.9" + at, p.p999(), "ms"));
        out.add(Metric.cost("Pusher max" + at, p.max(), "ms"));
        out.add(Metric.rate("live-query updates of sends × members" + at, 100.0 * syncGot / expected, "%"));
        out.add(Metric.cost("live query p50" + at, s.p50(), "ms"));
        out.add(Metric.cost("live query p99" + at, s.p99(), "ms"));
        out.add(Metric.cost("live query p99.9" + at, s.p999(), "ms"));
        out.add(Metric.cost("live query max" + at, s.max(), "ms"));
        out.add(Metric.cost("send call p99" + at, MessagesScenario.percentiles(sendLatency).p99(), "ms"));
        out.add(Metric.cost("failed sends", senders.failed(), ""));
        cpu = CpuFigures.of(ctx, "paced", at);
        out.addAll(cpu);
        perSend(cpu, sent / seconds, out);
        if (senders.failed() > 0) {
          System.err.println("messages: a send failed: " + senders.lastFailure());
        }
      }
    }
    return out;
  }

  /** A {@code messages:send} body whose content starts with the send's intended time. */
  static byte[] send(String conversationId, long stamp) {
    return ("{\"path\":\"messages:send\",\"args\":{\"conversationId\":\"" + conversationId
        + "\",\"content\":\"" + Payloads.stamped(stamp, 64) + "\"},\"format\":\"json\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Everything a recorder of the scenario's own (not sampled each second) holds now. */
  static Percentiles percentiles(LatencyRecorder r) {
    r.sample();
    return Percentiles.of(r.total());
  }

  static void reset(RunContext ctx, LatencyRecorder... recorders) {
    ctx.latency().reset();
    for (LatencyRecorder r : recorders) {
      r.reset();
    }
  }

  /** Server CPU time per call, from the phase's server CPU figure. */
  static void perSend(List<Metric> cpu, double perSecond, List<Metric> out) {
    cpu.stream().filter(m -> m.key().startsWith("server CPU")).findFirst().ifPresent(m -> out.add(
        Metric.cost(m.key().replace("server CPU", "server CPU per call"),
            m.value() / 100 * 1e6 / Math.max(1, perSecond), "µs")));
  }
}
