package dev.beacon.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.BenchTokens;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.client.SyncSocket;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.protocol.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The stored conversations the {@code messages} and {@code stream} scenarios work in: R
 * conversations of M members (users {@code c<run>-<r>-<k>}, each with its own token), created
 * through {@code conversations:create}, and every member watching its conversation twice: a
 * Pusher socket subscribed to {@code private-conversation-{id}} and a Convex sync socket with a
 * live query. Ids carry a random run tag, so a server measured again keeps working.
 */
final class Conversations implements AutoCloseable {

  final int rooms;
  final int members;
  final String[] ids;
  /** {@code tokens[r][k]}: member k of conversation r. */
  final String[][] tokens;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final RunContext ctx;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<SyncSocket> syncSockets = new ArrayList<>();
  private Population pusher;

  /**
   * @param members the members who watch (members 0 … M-1)
   * @param author whether each conversation has one more member, {@code tokens[r][members]},
   *     who writes and does not watch
   */
  Conversations(RunContext ctx, int rooms, int members, boolean author) {
    this.ctx = ctx;
    this.rooms = rooms;
    this.members = members;
    ids = new String[rooms];
    int all = members + (author ? 1 : 0);
    tokens = new String[rooms][all];
    for (int r = 0; r < rooms; r++) {
      ids[r] = "bc-" + run + "-" + r;
      for (int k = 0; k < all; k++) {
        tokens[r][k] = BenchTokens.token(ctx.config().appId(), user(r, k));
      }
    }
  }

  String user(int r, int k) {
    return "c" + run + "-" + r + "-" + k;
  }

  static String channel(String id) {
    return "private-conversation-" + id;
  }

  /** Creates every conversation (member 0 creates it with the others), 16 calls at a time. */
  void create() throws Exception {
    List<CompletableFuture<JsonNode>> inFlight = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      StringBuilder memberIds = new StringBuilder();
      for (int k = 1; k < tokens[r].length; k++) {
        memberIds.append(k == 1 ? "" : ",").append('"').append(user(r, k)).append('"');
      }
      inFlight.add(callAsync(tokens[r][0], "mutation", "conversations:create",
          "{\"conversationId\":\"" + ids[r] + "\",\"title\":\"bench " + r + "\",\"memberIds\":["
              + memberIds + "]}"));
      if (inFlight.size() >= 16) {
        for (CompletableFuture<JsonNode> f : inFlight) {
          f.get();
        }
        inFlight.clear();
      }
    }
    for (CompletableFuture<JsonNode> f : inFlight) {
      f.get();
    }
  }

  /** Calls a function as a member; the value, or an exception naming the error. */
  JsonNode call(String token, String kind, String path, String argsJson) throws Exception {
    try {
      return callAsync(token, kind, path, argsJson).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  CompletableFuture<JsonNode> callAsync(String token, String kind, String path, String argsJson) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + ctx.server().endpoint()
            + "/api/" + kind))
        .timeout(Duration.ofSeconds(60))
        .header("content-type", "application/json")
        .header("authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"" + path + "\",\"args\":" + argsJson
            + ",\"format\":\"json\"}"))
        .build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
      JsonNode body = Json.parse(res.body());
      if (res.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
        throw new IllegalStateException(path + " failed: " + res.statusCode() + " " + res.body());
      }
      return body.get("value");
    });
  }

  /**
   * Opens a Pusher socket per member subscribed to its conversation's channel (signed with the
   * app's secret, as an app's backend signs), and waits until all are subscribed. Every timed
   * event is counted in {@code delivered} and {@code latency}, and in the run's totals.
   */
  void openPusher(LongAdder delivered, LatencyRecorder latency) throws InterruptedException {
    SocketListener timed = new SocketListener() {
      @Override
      public void event(BenchSocket socket, long sentNanos) {
        if (sentNanos > 0) {
          delivered.increment();
          latency.recordSince(sentNanos);
          ctx.delivered().increment();
          ctx.latency().recordSince(sentNanos);
        }
      }
    };
    pusher = ctx.population(s -> s.subscribePrivate(ctx.app(), channel(ids[s.index() / members])),
        timed);
    int n = rooms * members;
    pusher.open(0, n, 0);
    if (!pusher.awaitSubscribed(n, 300_000)) {
      throw new IllegalStateException("conversations: Pusher sockets did not all subscribe: "
          + pusher.status());
    }
  }

  /**
   * Opens a sync socket per member with the live query {@code udfPath} on its conversation
   * ({@code argsJson} with {@code %s} for the id; the socket's index is r * members + k), and
   * waits until every query has its first result.
   */
  void openSync(String udfPath, String argsJson, SyncSocket.Listener listener) throws InterruptedException {
    AtomicInteger subscribed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    SyncSocket.Listener counting = new SyncSocket.Listener() {
      @Override
      public void subscribed(SyncSocket socket) {
        subscribed.incrementAndGet();
      }

      @Override
      public void updated(SyncSocket socket) {
        listener.updated(socket);
      }

      @Override
      public void updated(SyncSocket socket, io.netty.buffer.ByteBuf frame) {
        listener.updated(socket, frame);
      }

      @Override
      public void failed(SyncSocket socket, Throwable cause) {
        if (failed.incrementAndGet() == 1) {
          System.err.println("conversations: a sync socket failed: " + cause);
        }
      }
    };
    int n = rooms * members;
    for (int i = 0; i < n; i++) {
      int r = i / members;
      syncSockets.add(SyncSocket.open(ctx.loops(), ctx.server().endpoint(), i,
          tokens[r][i % members], udfPath, argsJson.formatted(ids[r]), counting));
      while (i - subscribed.get() - failed.get() > ctx.config().inFlight()) {
        Thread.sleep(1);
      }
    }
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (subscribed.get() + failed.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (subscribed.get() < n) {
      throw new IllegalStateException("conversations: " + subscribed.get() + " of " + n
          + " live queries subscribed, " + failed.get() + " failed");
    }
  }

  @Override
  public void close() {
    syncSockets.forEach(SyncSocket::close);
    if (pusher != null) {
      pusher.close();
    }
  }
}
