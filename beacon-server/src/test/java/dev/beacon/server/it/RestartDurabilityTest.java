package dev.beacon.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acknowledged writes survive the server being killed: notifications pushed, then {@code kill -9}
 * (no shutdown hook, no flush), then a new process on the same store (SQLite data folder, or
 * PostgreSQL schema) has every one of them, with read state, receipts and the friend graph. Each
 * process binds port 0 and the test reads the port it printed, so no other process can take a
 * port between a probe and the bind.
 */
class RestartDurabilityTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  // commits are not waited for on disk (the tests kill Beacon, never PostgreSQL)
  static final String PG_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff";
  private static final Pattern LISTENING = Pattern.compile("Beacon is listening on \\S*:(\\d+)");

  /** A server process and the port it bound. */
  record Server(Process process, int port) {}

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void everyAcknowledgedWriteSurvivesKillMinus9(String store) throws Exception {
    Path data = Files.createTempDirectory("beacon-durable");
    Map<String, String> env = new HashMap<>();
    String schema = "beacon_durable_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    if (store.equals("postgresql")) {
      env.putAll(Map.of("BEACON_DB_URL", PG_URL, "BEACON_DB_USER", "postgres",
          "BEACON_DB_SCHEMA", schema));
    }
    try {
      killAndRestart(data, env);
    } finally {
      if (store.equals("postgresql")) {
        try (var c = DriverManager.getConnection(PG_URL, "postgres", "");
            var st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    }
  }

  private void killAndRestart(Path data, Map<String, String> env) throws Exception {
    Server first = startServer(data, env);
    int port = first.port();
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        ids.add(call(port, "mutation", "notifications:pushNotification",
            "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"n" + i + "\"}").asText());
      }
      call(port, "mutation", "notifications:markAsRead",
          "{\"userId\":\"ann\",\"notificationId\":\"" + ids.get(0) + "\"}");
      call(port, "mutation", "readReceipts:markMessageRead",
          "{\"userId\":\"ann\",\"chatroomId\":\"r\",\"messageId\":\"m\"}");
      call(port, "mutation", "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\"]}");
    } finally {
      first.process().destroyForcibly(); // SIGKILL
      first.process().waitFor(10, TimeUnit.SECONDS);
    }
    Server second = startServer(data, env);
    port = second.port();
    try {
      JsonNode page = call(port, "query", "notifications:subscribeToNotifications",
          "{\"userId\":\"ann\",\"limit\":100}");
      List<String> titles = page.get("page").findValuesAsText("_id");
      assertThat(titles).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(call(port, "query", "notifications:getUnreadCount", "{\"userId\":\"ann\"}").asInt())
          .isEqualTo(39);
      assertThat(call(port, "query", "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"m\",\"userId\":\"ann\"}").asBoolean()).isTrue();
      assertThat(call(port, "query", "friends:list", "{\"userId\":\"ann\"}").toString())
          .isEqualTo("[\"bob\"]");
    } finally {
      second.process().destroyForcibly();
      second.process().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Last-seen times and statuses are written behind the callers' backs; a graceful stop (SIGTERM)
   * right after hundreds of users went offline still stores every one of them.
   */
  @Test
  void lastSeenTimesAndStatusesWrittenBehindSurviveAGracefulStop() throws Exception {
    Path data = Files.createTempDirectory("beacon-durable-presence");
    int users = 300;
    List<String> before = new ArrayList<>();
    Server firstServer = startServer(data, Map.of());
    Process first = firstServer.process();
    int port = firstServer.port();
    try {
      for (int i = 0; i < users; i++) {
        String user = "{\"userId\":\"u" + i + "\"";
        call(port, "mutation", "presence:heartbeat", user + "}");
        call(port, "mutation", "presence:updatePresence",
            user + ",\"status\":\"away\",\"statusMessage\":\"lunch " + i + "\"}");
        call(port, "mutation", "presence:setOffline", user + ",\"all\":true}");
      }
      for (int i = 0; i < users; i++) {
        before.add(call(port, "query", "presence:getUserPresence", "{\"userId\":\"u" + i + "\"}")
            .toString());
      }
    } finally {
      first.destroy(); // SIGTERM: the shutdown hook stops the server gracefully
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    Server secondServer = startServer(data, Map.of());
    Process second = secondServer.process();
    port = secondServer.port();
    try {
      for (int i = 0; i < users; i++) {
        JsonNode after = call(port, "query", "presence:getUserPresence", "{\"userId\":\"u" + i + "\"}");
        assertThat(after.toString()).isEqualTo(before.get(i));
        assertThat(after.get("statusMessage").asText()).isEqualTo("lunch " + i);
        assertThat(after.get("lastSeen").asLong()).isPositive();
      }
    } finally {
      second.destroyForcibly();
      second.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Server startServer(Path data, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.beacon.server.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().put("BEACON_PORT", "0");
    pb.environment().put("BEACON_DATA_DIR", data.toString());
    pb.environment().put("BEACON_EVENT_LOOPS", "2");
    pb.environment().put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0"); // a SIGTERM closes at once
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    StringBuilder log = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      log.append(line).append('\n');
      Matcher listening = LISTENING.matcher(line);
      if (listening.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return new Server(p, Integer.parseInt(listening.group(1)));
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    p.destroyForcibly();
    throw new AssertionError("server did not start:\n" + log);
  }

  private static JsonNode call(int port, String kind, String path, String args) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/api/" + kind))
        .header("authorization", "Convex app-secret")
        .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"" + path + "\",\"args\":" + args + "}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = Json.parse(r.body());
    assertThat(body.get("status").asText()).as(r.body()).isEqualTo("success");
    return body.get("value");
  }
}
