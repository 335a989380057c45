package dev.beacon.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What {@code /metrics} exposes: a few fixed latency buckets, HELP text on every meter. */
class MetricsExpositionTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern BUCKET = Pattern.compile("^(\\w+)_bucket\\{(.*)le=\"([^\"]+)\"(.*)\\} .*$");

  @Test
  void latencyHistogramsHaveTheFixedBucketsAndEveryMeterHasHelpText() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      String token = Json.parse(get(server, "/dev/token?user=ann").body()).get("token").asText();
      // function calls with two outcomes, and HTTP API calls
      call(server, "Bearer " + token, "/api/mutation", "presence:heartbeat");
      call(server, "Bearer " + token, "/api/query", "presence:getMyPresence");
      call(server, null, "/api/query", "presence:getMyPresence");
      signedPost(server, "/apps/app-id/events", "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"1\"}");
      String text = get(server, "/metrics").body();

      // every series of every histogram: the same nine buckets (eight bounds and +Inf)
      Map<String, List<String>> bucketsBySeries = new TreeMap<>();
      for (String line : text.split("\n")) {
        Matcher m = BUCKET.matcher(line);
        if (m.matches()) {
          bucketsBySeries.computeIfAbsent(m.group(1) + "{" + m.group(2) + m.group(4) + "}",
              k -> new ArrayList<>()).add(m.group(3));
        }
      }
      Set<String> histograms = bucketsBySeries.keySet().stream()
          .map(k -> k.substring(0, k.indexOf('{'))).collect(Collectors.toSet());
      assertThat(histograms).contains("beacon_function_calls_seconds", "beacon_http_api_seconds");
      assertThat(bucketsBySeries.keySet().stream().filter(k -> k.startsWith("beacon_function_calls")))
          .hasSizeGreaterThanOrEqualTo(3);
      for (Map.Entry<String, List<String>> e : bucketsBySeries.entrySet()) {
        if (e.getKey().startsWith("beacon_")) {
          assertThat(e.getValue()).as(e.getKey()).containsExactly(
              "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1.0", "5.0", "+Inf");
        }
      }

      // every meter: a TYPE line and a HELP line with text
      Set<String> typed = new LinkedHashSet<>();
      Map<String, String> help = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          typed.add(line.split(" ")[2]);
        } else if (line.startsWith("# HELP ")) {
          String[] parts = line.split(" ", 4);
          help.put(parts[2], parts.length > 3 ? parts[3].trim() : "");
        }
      }
      assertThat(typed).contains("beacon_live_queries", "beacon_websocket_sockets",
          "beacon_sync_connections", "beacon_function_queue", "beacon_connections");
      for (String meter : typed) {
        assertThat(help.get(meter)).as("HELP of " + meter).isNotBlank();
      }
    }
  }

  @Test
  void everyMeterIsDocumentedUnderTheNameItIsExposedAs() throws Exception {
    try (BeaconServer server = TestServers.start()) {
      // traffic that makes the lazily created meters appear: a Pusher connection with a
      // subscription, function calls, an HTTP API event and an unsigned one (401)
      pusherSubscription(server);
      assertThat(HTTP.send(HttpRequest.newBuilder(uri(server, "/apps/app-id/events"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      String token = Json.parse(get(server, "/dev/token?user=ann").body()).get("token").asText();
      call(server, "Bearer " + token, "/api/mutation", "presence:heartbeat");
      call(server, null, "/api/query", "presence:getMyPresence");
      signedPost(server, "/apps/app-id/events", "{\"name\":\"e\",\"channel\":\"c\",\"data\":\"1\"}");
      String text = get(server, "/metrics").body();

      Set<String> exposed = new TreeSet<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE beacon_")) {
          exposed.add(line.split(" ")[2].replaceFirst("_max$", ""));
        }
      }
      assertThat(exposed).contains("beacon_function_calls_seconds", "beacon_errors_total",
          "beacon_messages_in_total", "beacon_messages_out_total", "beacon_api_events_total",
          "beacon_connections_opened_total", "beacon_http_api_seconds");
      String docs = Files.readString(Path.of("../docs/OPERATIONS.md"));
      for (String name : exposed) {
        assertThat(docs).as("docs/OPERATIONS.md names " + name).contains("`" + name + "`");
      }
    }
  }

  /** A Pusher WebSocket that subscribes to a public channel, gets an event there and closes. */
  private static void pusherSubscription(BeaconServer server) throws Exception {
    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(
        URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7"),
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frames.add(data.toString());
            socket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("pusher:connection_established");
    ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"metered\"}}", true)
        .get(10, TimeUnit.SECONDS);
    assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("pusher_internal:subscription_succeeded");
    signedPost(server, "/apps/app-id/events",
        "{\"name\":\"metered-event\",\"channel\":\"metered\",\"data\":\"1\"}");
    assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("metered-event");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
  }

  private static void call(BeaconServer server, String auth, String endpoint, String path)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, endpoint))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"" + path
            + "\",\"format\":\"convex_encoded_json\",\"args\":[{}]}"));
    if (auth != null) {
      b.header("authorization", auth);
    }
    assertThat(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  private static void signedPost(BeaconServer server, String path, String body) throws Exception {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("auth_key", "app-key");
    q.put("auth_timestamp", Long.toString(System.currentTimeMillis() / 1000));
    q.put("auth_version", "1.0");
    q.put("body_md5", Hmac.md5Hex(body.getBytes(StandardCharsets.UTF_8)));
    q.put("auth_signature", PusherSignatures.requestSignature("app-secret", "POST", path, q));
    String query = q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("&"));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(server, path + "?" + query))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> get(BeaconServer server, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(server, path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(BeaconServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
