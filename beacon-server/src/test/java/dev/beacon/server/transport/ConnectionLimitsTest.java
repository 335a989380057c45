package dev.beacon.server.transport;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 items 1-3 and 10 on real sockets: request deadlines, keep-alive idle, pending
 * connections per address, slow consumers dropped, invalid UTF-8, and 426 for a WebSocket path
 * asked for without an upgrade.
 */
class ConnectionLimitsTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static BeaconServer server(Map<String, String> env) {
    return TestServers.start(env);
  }

  @Test
  void silentPartialAndDrippingConnectionsAreClosedAtTheRequestDeadline() throws Exception {
    try (BeaconServer server = server(Map.of("BEACON_HTTP_REQUEST_TIMEOUT_SECONDS", "1"))) {
      try (RawClient silent = RawClient.connect(server.port());
          RawClient partialHead = RawClient.connect(server.port());
          RawClient noKey = RawClient.connect(server.port());
          RawClient partialBody = RawClient.connect(server.port());
          RawClient dripping = RawClient.connect(server.port())) {
        partialHead.write("GET /health HTTP/1.1\r\nHost: x\r\n");
        noKey.write("GET /app/app-key?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
        partialBody.write("POST /api/mutation HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            + "content-length: 100\r\n\r\n{\"path\":");
        // a byte at a time, each one well within the deadline, never finishing the head
        dripping.write("GET /health HTTP/1.1\r\n");
        Thread drip = new Thread(() -> {
          try {
            for (int i = 0; i < 200; i++) {
              dripping.write("X-Slow: " .substring(i % 8, i % 8 + 1));
              Thread.sleep(100);
            }
          } catch (Exception e) {
            // closed by the server, as expected
          }
        });
        drip.setDaemon(true);
        drip.start();
        for (RawClient c : List.of(silent, partialHead, noKey, partialBody, dripping)) {
          assertThat(c.millisUntilClosed(10_000, false)).isLessThan(10_000);
        }
      }
    }
  }

  @Test
  void keepAliveConnectionsCloseWhenIdleButWebSocketsStay() throws Exception {
    try (BeaconServer server = server(Map.of("BEACON_HTTP_REQUEST_TIMEOUT_SECONDS", "1",
        "BEACON_HTTP_IDLE_TIMEOUT_SECONDS", "1"))) {
      try (RawClient ws = RawClient.webSocket(server.port(), "/app/app-key?protocol=7", 0);
          RawClient keepAlive = RawClient.connect(server.port())) {
        ws.readUntil("connection_established");
        keepAlive.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        keepAlive.readUntil("UP");
        // the idle keep-alive connection is closed: the marker that the timeouts have passed
        assertThat(keepAlive.millisUntilClosed(10_000, false)).isLessThan(10_000);
        // the WebSocket, older than both timeouts, still answers
        ws.text("{\"event\":\"pusher:ping\",\"data\":{}}");
        ws.readUntil("pusher:pong");
      }
    }
  }

  @Test
  void connectionsWaitingForTheirFirstRequestAreCappedPerAddress() throws Exception {
    try (BeaconServer server = server(Map.of("BEACON_HTTP_MAX_PENDING_PER_ADDRESS", "3"))) {
      List<RawClient> pending = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          pending.add(RawClient.connect(server.port()));
        }
        // the three are accepted by the server before the fourth (one event loop per connection,
        // so wait until a request on the fourth is refused rather than assume an order)
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          try (RawClient fourth = RawClient.connect(server.port())) {
            fourth.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            return fourth.readUntil("\r\n").startsWith("HTTP/1.1 429");
          }
        });
        // one of the three sends its request: it no longer counts, so a new connection is served
        pending.get(0).write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        pending.get(0).readUntil("UP");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          try (RawClient next = RawClient.connect(server.port())) {
            next.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            return next.readUntil("\r\n").startsWith("HTTP/1.1 200");
          }
        });
      } finally {
        for (RawClient c : pending) {
          c.close();
        }
      }
    }
  }

  @Test
  void aPusherClientThatStopsReadingLosesItsTcpConnectionWithinFiveSeconds() throws Exception {
    try (BeaconServer server = server(Map.of("BEACON_WEBSOCKET_MAX_BUFFERED_BYTES", "65536",
        "BEACON_APPS_0_MAX_BATCH_EVENTS", "100"))) {
      RawClient stalled = RawClient.webSocket(server.port(), "/app/app-key?protocol=7", 8192);
      stalled.readUntil("connection_established");
      stalled.text("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"firehose\"}}");
      stalled.readUntil("subscription_succeeded");
      // from here on the client reads nothing
      String payload = "x".repeat(9_000);
      StringBuilder batch = new StringBuilder("{\"batch\":[");
      for (int i = 0; i < 100; i++) {
        batch.append(i == 0 ? "" : ",").append("{\"channel\":\"firehose\",\"name\":\"e\",\"data\":\"")
            .append(payload).append("\"}");
      }
      String body = batch.append("]}").toString();
      // publish until the server decides (the channel loses its only subscriber) ...
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        signed(server, "POST", "/apps/app-id/batch_events", body);
        return !signed(server, "GET", "/apps/app-id/channels/firehose", "").body().contains("true");
      });
      // ... and from that decision, the TCP connection is gone within 5 s
      assertThat(stalled.millisUntilClosed(5_000, false)).isLessThan(5_000);
      await().atMost(Duration.ofSeconds(5)).until(() ->
          get(server, "/metrics").body().contains("beacon_websocket_sockets 0.0"));
    }
  }

  @Test
  void aSyncClientThatStopsReadingLosesItsTcpConnectionWithinFiveSeconds() throws Exception {
    try (BeaconServer server = server(Map.of("BEACON_WEBSOCKET_MAX_BUFFERED_BYTES", "65536"))) {
      String body = get(server, "/dev/token?user=stalled").body();
      String token = body.substring(body.indexOf(":\"") + 2, body.lastIndexOf('"'));
      RawClient stalled = RawClient.webSocket(server.port(), "/api/sync", 8192);
      stalled.text("{\"type\":\"Connect\",\"sessionId\":\"00000000-0000-4000-8000-000000000001\","
          + "\"connectionCount\":0,\"lastCloseReason\":null,\"maxObservedTimestamp\":null}");
      stalled.text("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"" + token
          + "\",\"baseVersion\":0}");
      // 900 subscriptions to one room's member list, then the member's data changed again and
      // again (2 KB each time, so each change is a transition of about 2 MB), none of it read
      StringBuilder modify = new StringBuilder(
          "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,\"modifications\":[");
      for (int q = 0; q < 900; q++) {
        modify.append(q == 0 ? "" : ",").append("{\"type\":\"Add\",\"queryId\":").append(q)
            .append(",\"udfPath\":\"rooms:list\",\"args\":[{\"roomId\":\"slow-room\"}]}");
      }
      stalled.text(modify.append("]}").toString());
      // keep changing it until the server decides: changes made while a transition is computed
      // are coalesced into the next one, so on a loaded machine 200 changes may make only a few
      // transitions, all of which the kernel's socket buffers can still absorb
      int[] request = {0};
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        for (int i = 0; i < 5; i++, request[0]++) {
          try {
            stalled.text("{\"type\":\"Mutation\",\"requestId\":" + request[0]
                + ",\"udfPath\":\"rooms:heartbeat\",\"args\":[{\"roomId\":\"slow-room\",\"data\":{\"n\":"
                + request[0] + ",\"pad\":\"" + "x".repeat(1900) + "\"}}]}");
          } catch (java.io.IOException e) {
            break; // already dropped
          }
        }
        return metric(server, "beacon_sync_connections") == 0;
      });
      assertThat(stalled.millisUntilClosed(5_000, false)).isLessThan(5_000);
      await().atMost(Duration.ofSeconds(5)).until(() -> metric(server, "beacon_websocket_sockets") == 0);
    }
  }

  @Test
  void textFramesOfInvalidUtf8CloseTheWebSocketWith1007() throws Exception {
    try (BeaconServer server = server(Map.of())) {
      for (String path : List.of("/app/app-key?protocol=7", "/api/sync")) {
        for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3, 0x28},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})) {
          try (RawClient ws = RawClient.webSocket(server.port(), path, 0)) {
            ws.frame(0x81, concat("{\"event\":\"".getBytes(StandardCharsets.UTF_8), bad,
                "\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(ws.awaitCloseCode(10_000)).as(path + " " + java.util.HexFormat.of().formatHex(bad))
                .isEqualTo(1007);
          }
        }
        // the same bytes split over two frames of one message
        try (RawClient ws = RawClient.webSocket(server.port(), path, 0)) {
          ws.frame(0x01, new byte[] {'"', (byte) 0xc3});
          ws.frame(0x80, new byte[] {0x28, '"'});
          assertThat(ws.awaitCloseCode(10_000)).as(path + " fragmented").isEqualTo(1007);
        }
      }
    }
  }

  @Test
  void stoppingClosesSyncSocketsWith1001AndPusherSocketsWith4200() throws Exception {
    BeaconServer server = server(Map.of());
    try (RawClient syncSocket = RawClient.webSocket(server.port(), "/api/sync", 0);
        RawClient pusherSocket = RawClient.webSocket(server.port(), "/app/app-key?protocol=7", 0)) {
      syncSocket.text("{\"type\":\"Connect\",\"sessionId\":\"00000000-0000-4000-8000-000000000002\","
          + "\"connectionCount\":0,\"lastCloseReason\":null,\"maxObservedTimestamp\":null}");
      pusherSocket.readUntil("connection_established");
      await().atMost(Duration.ofSeconds(10)).until(() -> server.sync().connections() == 1);
      Thread stop = new Thread(server::stop);
      stop.start();
      assertThat(syncSocket.awaitCloseCode(15_000)).isEqualTo(1001);
      assertThat(pusherSocket.awaitCloseCode(15_000)).isEqualTo(4200);
      stop.join();
    } finally {
      server.stop();
    }
  }

  @Test
  void aWebSocketPathWithoutAnUpgradeIs426() throws Exception {
    try (BeaconServer server = server(Map.of())) {
      for (String path : List.of("/app/app-key", "/app/app-key?protocol=7", "/api/sync", "/api/1.9.1/sync")) {
        HttpResponse<String> r = get(server, path);
        assertThat(r.statusCode()).as(path).isEqualTo(426);
        assertThat(r.headers().firstValue("upgrade")).as(path).hasValue("websocket");
        assertThat(r.body()).as(path).startsWith("{\"error\":");
      }
    }
  }

  @Test
  void httpBodiesOfInvalidUtf8AreRefusedWith400() throws Exception {
    try (BeaconServer server = server(Map.of())) {
      for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3, 0x28},
          new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})) {
        byte[] body = concat("{\"path\":\"x\",\"args\":{\"a\":\"".getBytes(StandardCharsets.UTF_8), bad,
            "\"}}".getBytes(StandardCharsets.UTF_8));
        for (String path : List.of("/api/mutation", "/apps/app-id/events")) {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(server, path))
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(path).isEqualTo(400);
          assertThat(r.body()).as(path).contains("UTF-8");
        }
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static double metric(BeaconServer server, String name) throws Exception {
    for (String line : get(server, "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no metric " + name);
  }

  static HttpResponse<String> signed(BeaconServer server, String method, String path, String body)
      throws Exception {
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

  static HttpResponse<String> get(BeaconServer server, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(server, path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(BeaconServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
