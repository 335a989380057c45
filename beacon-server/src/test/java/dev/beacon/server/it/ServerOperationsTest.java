package dev.beacon.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Health, readiness, metrics, development mode, slow consumers and graceful shutdown. */
class ServerOperationsTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void healthReadyAndMetricsAreServed() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      assertThat(get(server, "/health").body()).isEqualTo("{\"status\":\"UP\"}");
      assertThat(get(server, "/ready").statusCode()).isEqualTo(200);
      Client c = Client.connect(server);
      c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}");
      await().until(() -> c.received.stream().anyMatch(m -> m.contains("subscription_succeeded")));
      String metrics = get(server, "/metrics").body();
      assertThat(metrics).contains("beacon_connections{app=\"app-id\"} 1.0");
      assertThat(metrics).contains("beacon_channels{app=\"app-id\"} 1.0");
      assertThat(metrics).contains("beacon_subscriptions{app=\"app-id\"} 1.0");
      assertThat(metrics).contains("beacon_messages_in_total{app=\"app-id\"}");
      assertThat(metrics).contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void unknownRoutesAnswerJson404() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      HttpResponse<String> r = get(server, "/nowhere");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).startsWith("{\"error\":");
    }
  }

  @Test
  void developmentAuthEndpointSignsPresenceForAnyUser() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(server, "/pusher/auth"))
          .header("content-type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(
              "socket_id=1.2&channel_name=presence-room&user_id=ann")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      String channelData = "{\"user_id\":\"ann\",\"user_info\":{\"name\":\"ann\"}}";
      assertThat(r.body()).contains(PusherSignatures.channelAuth("app-key", "app-secret", "1.2",
          "presence-room", java.util.Optional.of(channelData)));
    }
  }

  @Test
  void productionModeHasNoDevelopmentEndpoints() throws Exception {
    try (BeaconServer server = TestServers.start(Map.of("BEACON_MODE", "production",
        "BEACON_HOST", "127.0.0.1", "BEACON_APPS_0_SECRET", "prod-secret-0123456789"))) {
      // the channel auth route signs only for a user's JWT (by Beacon's rules), never on request
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(server, "/pusher/auth"))
          .POST(HttpRequest.BodyPublishers.ofString("socket_id=1.2&channel_name=private-a")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(uri(server, "/dev/token?user=ann"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(token.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aClientThatStopsReadingIsClosedWith4100() throws Exception {
    try (BeaconServer server = TestServers.start(Map.of(
        "BEACON_WEBSOCKET_MAX_BUFFERED_BYTES", "65536", "BEACON_APPS_0_MAX_BATCH_EVENTS", "100"))) {
      Client stalled = Client.connect(server);
      stalled.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"firehose\"}}");
      await().until(() -> stalled.received.stream().anyMatch(m -> m.contains("subscription_succeeded")));
      stalled.stopReading();
      Client healthy = Client.connect(server);
      healthy.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"other\"}}");
      String payload = "x".repeat(9_000);
      StringBuilder batch = new StringBuilder("{\"batch\":[");
      for (int i = 0; i < 100; i++) {
        batch.append(i == 0 ? "" : ",").append("{\"channel\":\"firehose\",\"name\":\"e\",\"data\":\"")
            .append(payload).append("\"}");
      }
      String body = batch.append("]}").toString();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        post(server, "/apps/app-id/batch_events", body);
        return !occupied(server, "firehose");
      });
      assertThat(get(server, "/metrics").body()).contains("code=\"4100\"");
      // and its socket (with what it would not read) is dropped, not kept until it reads
      await().atMost(Duration.ofSeconds(10)).until(() ->
          get(server, "/metrics").body().contains("beacon_websocket_sockets 1.0"));
      // everyone else carries on
      post(server, "/apps/app-id/events", "{\"name\":\"ping\",\"channel\":\"other\",\"data\":\"1\"}");
      await().until(() -> healthy.received.stream().anyMatch(m -> m.contains("\"ping\"")));
    }
  }

  @Test
  void gracefulShutdownAsksClientsToReconnectWith4200() throws Exception {
    BeaconServer server = TestServers.start();
    Client c = Client.connect(server);
    server.stop();
    assertThat(c.closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(4200);
  }

  // ------------------------------------------------------------------ helpers

  private static boolean occupied(BeaconServer server, String channel) throws Exception {
    return signed(server, "GET", "/apps/app-id/channels/" + channel, "").body().contains("true");
  }

  private static HttpResponse<String> post(BeaconServer server, String path, String body)
      throws Exception {
    return signed(server, "POST", path, body);
  }

  private static HttpResponse<String> signed(BeaconServer server, String method, String path,
      String body) throws Exception {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("auth_key", "app-key");
    q.put("auth_timestamp", Long.toString(System.currentTimeMillis() / 1000));
    q.put("auth_version", "1.0");
    if (!body.isEmpty()) {
      q.put("body_md5", Hmac.md5Hex(body.getBytes(StandardCharsets.UTF_8)));
    }
    q.put("auth_signature", PusherSignatures.requestSignature("app-secret", method, path, q));
    String query = q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("&"));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, path + "?" + query))
        .header("content-type", "application/json");
    b = body.isEmpty() ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(BeaconServer server, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(server, path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(BeaconServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  /** A raw WebSocket client that can stop reading, to play a slow consumer. */
  static final class Client implements WebSocket.Listener {
    final List<String> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile boolean reading = true;
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static Client connect(BeaconServer server) throws Exception {
      Client c = new Client();
      c.ws = HTTP.newWebSocketBuilder().buildAsync(
          URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7"), c).get();
      await().until(() -> c.received.stream().anyMatch(m -> m.contains("connection_established")));
      return c;
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }

    void stopReading() {
      reading = false;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(partial.toString());
        partial.setLength(0);
      }
      if (reading) {
        webSocket.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
