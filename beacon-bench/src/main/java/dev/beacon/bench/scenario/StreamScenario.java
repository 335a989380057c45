package dev.beacon.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Streamed messages (issue 15): R conversations, each with a writer and M watchers; every
 * writer streams one message ({@code messages:startStream}, then {@code appendStream} chunks
 * over HTTP keep-alive, {@code --rate} chunks a second in total, then {@code finishStream}).
 * Each watcher follows over both protocols: {@code message-chunk} events on {@code
 * private-conversation-{id}} (each chunk timed from its intended send time, which is its text),
 * and the live query {@code messages:getStreaming} (coalesced to at most one update per 50 ms per
 * message; each update timed from the send of the newest chunk it shows). Beacon only.
 */
final class StreamScenario implements Scenario {

  /** What a stream's text starts with: no digits, so only chunks carry timestamps. */
  private static final String OPENING = "stream:";

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    if (ctx.target() != TargetKind.BEACON) {
      return List.of();
    }
    ScenarioConfig c = ctx.config();
    int rooms = c.rooms();
    int members = c.members();
    LatencyRecorder chunkLatency = new LatencyRecorder();
    LatencyRecorder updateLatency = new LatencyRecorder();
    LatencyRecorder appendLatency = new LatencyRecorder();
    LongAdder chunksDelivered = new LongAdder();
    LongAdder updates = new LongAdder();
    List<Metric> out = new ArrayList<>();
    try (Conversations conv = new Conversations(ctx, rooms, members, true)) {
      ctx.sampler().phase("connect");
      conv.create();
      conv.openPusher(chunksDelivered, chunkLatency);
      conv.openSync("messages:getStreaming", "{\"conversationId\":\"%s\"}", new SyncSocket.Listener() {
        @Override
        public void subscribed(SyncSocket socket) {}

        @Override
        public void updated(SyncSocket socket) {}

        @Override
        public void updated(SyncSocket socket, ByteBuf frame) {
          long sent = Payloads.lastStampInString(frame, Payloads.CONTENT_FIELD);
          if (sent > 0) {
            updates.increment();
            updateLatency.recordSince(sent);
          }
        }

        @Override
        public void failed(SyncSocket socket, Throwable cause) {}
      });
      try (FunctionCaller writers = FunctionCaller.open(ctx.loops(), ctx.server().endpoint(), 64,
          appendLatency)) {
        ctx.sampler().phase("warm-up");
        stream(conv, writers, c.rate(), c.warmup().toNanos());
        Thread.sleep(500);
        ctx.sampler().flush();

        MessagesScenario.reset(ctx, chunkLatency, updateLatency, appendLatency);
        long chunks0 = chunksDelivered.sum();
        long updates0 = updates.sum();
        long failed0 = writers.failed();
        ctx.sampler().phase("streaming");
        Cpu cpu0 = Cpu.now(ctx);
        long t0 = System.nanoTime();
        long[] sent = new long[1];
        Runnable finish = stream(conv, writers, c.rate(), c.duration().toNanos(), sent);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1000);
        Cpu cpu1 = Cpu.now(ctx);
        ctx.sampler().flush();
        long got = chunksDelivered.sum() - chunks0;
        long shown = updates.sum() - updates0;
        Percentiles p = MessagesScenario.percentiles(chunkLatency);
        Percentiles s = MessagesScenario.percentiles(updateLatency);
        double chunkRate = sent[0] / seconds;
        out.add(Metric.rate("streams × watchers", rooms * (double) members, ""));
        out.add(Metric.rate("chunks appended/s", chunkRate, "/s"));
        out.add(Metric.cost("appendStream call p99", MessagesScenario.percentiles(appendLatency).p99(), "ms"));
        out.add(Metric.cost("failed calls", writers.failed() - failed0, ""));
        out.add(Metric.rate("message-chunk deliveries/s", got / seconds, "/s"));
        out.add(Metric.rate("message-chunk delivered of expected", 100.0 * got / Math.max(1, sent[0] * (long) members), "%"));
        out.add(Metric.cost("message-chunk p50", p.p50(), "ms"));
        out.add(Metric.cost("message-chunk p99", p.p99(), "ms"));
        out.add(Metric.cost("message-chunk p99.9", p.p999(), "ms"));
        out.add(Metric.cost("message-chunk max", p.max(), "ms"));
        out.add(Metric.rate("live-query updates/s", shown / seconds, "/s"));
        out.add(Metric.rate("live-query updates per watcher per stream per second",
            shown / seconds / Math.max(1, rooms * (double) members), "/s"));
        out.add(Metric.cost("live-query update p50 (newest chunk shown)", s.p50(), "ms"));
        out.add(Metric.cost("live-query update p99 (newest chunk shown)", s.p99(), "ms"));
        out.add(Metric.cost("live-query update p99.9 (newest chunk shown)", s.p999(), "ms"));
        out.add(Metric.cost("live-query update max (newest chunk shown)", s.max(), "ms"));
        List<Metric> cpu = CpuFigures.of(ctx, "streaming");
        out.addAll(cpu);
        cpu.stream().filter(m -> m.key().equals("server CPU")).findFirst().ifPresent(m -> out.add(
            Metric.cost("server CPU per chunk", m.value() / 100 * 1e6 / Math.max(1, chunkRate), "µs")));
        out.addAll(cpu1.perChunk(cpu0, sent[0], got + shown));
        finish.run();
        if (writers.failed() > 0) {
          System.err.println("stream: a call failed: " + writers.lastFailure());
        }
      }
    }
    return out;
  }

  /**
   * CPU times read at the start and the end of the measured phase (from its start until a second
   * after the last chunk was answered, so the deliveries of the last chunks count): the server's
   * and its JIT compiler threads', and the load generator's and its compilers'; -1 where unknown.
   */
  record Cpu(double serverSeconds, long serverJitTicks, long generatorNanos, long generatorJitTicks) {

    static Cpu now(RunContext ctx) {
      return new Cpu(ctx.serverCpuSeconds().orElse(-1), ConnectScenario.serverJitTicks(ctx),
          ConnectScenario.generatorCpuNanos(), ConnectScenario.generatorJitTicks());
    }

    /**
     * Per chunk appended since {@code start}: the server's CPU without its JIT compilers (a
     * server that compiles during the phase, as a fresh one does in the first seconds of a short
     * warm-up, would otherwise look slower per chunk), its JIT's, and the load generator's without
     * its JIT, also per frame it received ({@code message-chunk} events and live-query updates).
     */
    List<Metric> perChunk(Cpu start, long chunks, long frames) {
      List<Metric> out = new ArrayList<>();
      double n = Math.max(1, chunks);
      if (serverSeconds >= 0 && start.serverSeconds >= 0 && serverJitTicks >= 0
          && start.serverJitTicks >= 0) {
        double jit = (serverJitTicks - start.serverJitTicks) / 100.0;
        out.add(Metric.cost("server CPU per chunk without the JIT",
            (serverSeconds - start.serverSeconds - jit) * 1e6 / n, "µs"));
        out.add(Metric.cost("server JIT CPU per chunk", jit * 1e6 / n, "µs"));
      }
      if (generatorNanos >= 0 && start.generatorNanos >= 0) {
        double jit = generatorJitTicks >= 0 && start.generatorJitTicks >= 0
            ? (generatorJitTicks - start.generatorJitTicks) / 100.0 : 0;
        double seconds = (generatorNanos - start.generatorNanos) / 1e9 - jit;
        out.add(Metric.cost("load generator CPU per chunk without the JIT", seconds * 1e6 / n, "µs"));
        out.add(Metric.cost("load generator CPU per frame received", seconds * 1e6 / Math.max(1, frames),
            "µs"));
      }
      return out;
    }
  }

  /** Streams one message per conversation for {@code nanos} and finishes them. */
  private static void stream(Conversations conv, FunctionCaller writers, double perSecond, long nanos)
      throws Exception {
    stream(conv, writers, perSecond, nanos, new long[1]).run();
  }

  /**
   * Starts a stream per conversation, appends chunks to them in turn at {@code perSecond} in
   * total for {@code nanos} (each chunk's text its intended send time and a {@code ;}), and
   * returns what finishes them.
   */
  private static Runnable stream(Conversations conv, FunctionCaller writers, double perSecond,
      long nanos, long[] sent) throws Exception {
    int rooms = conv.rooms;
    String[] author = new String[rooms];
    List<CompletableFuture<JsonNode>> started = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      author[r] = conv.tokens[r][conv.members];
      started.add(conv.callAsync(author[r], "mutation", "messages:startStream",
          "{\"conversationId\":\"" + conv.ids[r] + "\",\"content\":\"" + OPENING + "\"}"));
    }
    String[] messageIds = new String[rooms];
    for (int r = 0; r < rooms; r++) {
      messageIds[r] = started.get(r).get().get("_id").asText();
    }
    long answeredBefore = writers.succeeded() + writers.failed();
    long giveUp = System.nanoTime() + nanos + 5_000_000_000L;
    sent[0] = Pacing.run(perSecond, nanos, (i, due) -> {
      int r = (int) (i % rooms);
      byte[] body = ("{\"path\":\"messages:appendStream\",\"args\":{\"messageId\":\"" + messageIds[r]
          + "\",\"text\":\"" + due + ";\"},\"format\":\"json\"}").getBytes(StandardCharsets.UTF_8);
      return writers.callWhenIdle("mutation", author[r], body, due, giveUp);
    });
    // the last chunks answered before the streams end (a chunk after the end is refused)
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (writers.succeeded() + writers.failed() < answeredBefore + sent[0]
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return () -> {
      List<CompletableFuture<JsonNode>> done = new ArrayList<>();
      for (int r = 0; r < rooms; r++) {
        done.add(conv.callAsync(author[r], "mutation", "messages:finishStream",
            "{\"messageId\":\"" + messageIds[r] + "\",\"status\":\"done\"}"));
      }
      done.forEach(CompletableFuture::join);
    };
  }
}
