package dev.beacon.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import dev.beacon.server.config.ConfigException;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.log.LogSettings;
import dev.beacon.server.log.LogSetup;
import dev.beacon.server.log.Refusals;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log as an operator reads it: plain lines with the date, JSON lines (log.format: json) that
 * parse and carry app, socket id, user, channel and function as fields, and refusals at INFO
 * within a budget a client cannot break.
 */
class LogFormatTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Captures every line the server logs, in {@code format}, at DEBUG for dev.beacon. */
  private static final class Capture implements AutoCloseable {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    final ch.qos.logback.classic.Logger beacon = context.getLogger("dev.beacon");
    final Level before = beacon.getLevel();

    Capture(LogSettings.Format format, Level level) {
      appender.setContext(context);
      appender.setName("capture");
      appender.setEncoder(LogSetup.encoder(format, context));
      appender.setOutputStream(bytes);
      appender.start();
      context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
      beacon.setLevel(level);
    }

    List<String> lines() {
      synchronized (bytes) {
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
      }
    }

    @Override
    public void close() {
      beacon.setLevel(before);
      context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
      appender.stop();
    }
  }

  /** Connects a Pusher WebSocket, subscribes to {@code channel}, waits for the confirmation. */
  private static WebSocket subscribe(BeaconServer server, String channel) throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(
        URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7"),
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frames.add(data.toString());
            socket.request(1);
            return null;
          }
        }).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream()
        .anyMatch(f -> f.contains("pusher:connection_established")));
    ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}", true).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream()
        .anyMatch(f -> f.contains("subscription_succeeded")));
    return ws;
  }

  private static HttpResponse<String> post(BeaconServer server, String path, String auth, String body)
      throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Content-Type", "application/json").header("Authorization", auth)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String token(BeaconServer server, String user) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/dev/token?user=" + user)).build(), HttpResponse.BodyHandlers.ofString()).body();
    return JSON.readTree(body).get("token").asText();
  }

  @Test
  void jsonLinesParseAndCarryTheirFields() throws Exception {
    BeaconServer server = TestServers.start();
    try (Capture capture = new Capture(LogSettings.Format.JSON, Level.DEBUG)) {
      WebSocket ws = subscribe(server, "log-news");
      String token = token(server, "lena");
      assertThat(post(server, "/api/mutation", "Bearer " + token,
          "{\"path\":\"presence:heartbeat\",\"args\":{},\"format\":\"json\"}").body()).contains("success");
      ws.sendClose(1000, "bye").get();
      await().atMost(Duration.ofSeconds(10)).until(() -> capture.lines().stream()
          .anyMatch(l -> l.contains("connection closed")));

      List<JsonNode> lines = new ArrayList<>();
      for (String line : capture.lines()) {
        if (!line.isBlank()) {
          lines.add(JSON.readTree(line)); // every line is one JSON object
        }
      }
      assertThat(lines).allSatisfy(l -> {
        assertThat(l.isObject()).isTrue();
        assertThat(l.path("@timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
        assertThat(l.has("level")).isTrue();
        assertThat(l.has("message")).isTrue();
      });
      JsonNode opened = find(lines, "opened from");
      assertThat(opened.path("app").asText()).isEqualTo("app-id");
      assertThat(opened.path("socket_id").asText()).matches("\\d+\\.\\d+");
      assertThat(opened.path("remote").asText()).contains("127.0.0.1");
      JsonNode subscribed = find(lines, "subscribed");
      assertThat(subscribed.path("channel").asText()).isEqualTo("log-news");
      assertThat(subscribed.path("socket_id").asText()).isEqualTo(opened.path("socket_id").asText());
      JsonNode call = find(lines, "function call");
      assertThat(call.path("function").asText()).isEqualTo("presence:heartbeat");
      assertThat(call.path("user").asText()).isEqualTo("lena");
      assertThat(call.path("app").asText()).isEqualTo("app-id");
      assertThat(call.path("outcome").asText()).isEqualTo("success");
      assertThat(call.path("level").asText()).isEqualTo("DEBUG");
    } finally {
      server.stop();
    }
  }

  private static JsonNode find(List<JsonNode> lines, String message) {
    return lines.stream().filter(l -> l.path("message").asText().contains(message)).findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + message + "' in " + lines));
  }

  @Test
  void plainLinesHaveTheDateAndTheFields() throws Exception {
    BeaconServer server = TestServers.start();
    try (Capture capture = new Capture(LogSettings.Format.PLAIN, Level.DEBUG)) {
      subscribe(server, "plain-news").sendClose(1000, "bye").get();
      await().atMost(Duration.ofSeconds(10)).until(() -> capture.lines().stream()
          .anyMatch(l -> l.contains("subscribed")));
      String datePrefix = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) .*";
      assertThat(capture.lines()).filteredOn(l -> !l.isBlank()).allMatch(l -> l.matches(datePrefix));
      assertThat(capture.lines()).anyMatch(l -> l.matches(datePrefix)
          && l.contains("DEBUG") && l.contains("subscribed") && l.contains("app=\"app-id\"")
          && l.contains("channel=\"plain-news\""));
    } finally {
      server.stop();
    }
  }

  @Test
  void refusalsAreLoggedAtInfoWithinABudgetAClientCannotBreak() throws Exception {
    BeaconServer server = TestServers.start();
    try (Capture capture = new Capture(LogSettings.Format.JSON, Level.INFO)) {
      // 200 calls with a forged token as fast as one client can make them
      for (int i = 0; i < 200; i++) {
        HttpResponse<String> r = post(server, "/api/mutation", "Bearer forged." + i + ".token",
            "{\"path\":\"presence:heartbeat\",\"args\":{},\"format\":\"json\"}");
        assertThat(r.body()).contains("error");
      }
      List<JsonNode> refusals = new ArrayList<>();
      for (String line : capture.lines()) {
        if (!line.isBlank()) {
          JsonNode l = JSON.readTree(line);
          if (l.path("message").asText().contains("refused")) {
            refusals.add(l);
          }
        }
      }
      assertThat(refusals).isNotEmpty();
      assertThat(refusals.get(0).path("level").asText()).isEqualTo("INFO");
      assertThat(refusals.get(0).path("code").asInt()).isEqualTo(401);
      assertThat(refusals.get(0).path("message").asText()).contains("presence:heartbeat")
          .contains("unauthenticated");
      // the budget holds however fast they come (a slow machine may spill into a second window)
      assertThat(refusals.size()).isLessThanOrEqualTo(2 * Refusals.PER_WINDOW);
    } finally {
      server.stop();
    }
  }

  @Test
  void theBudgetSaysHowManyItLeftOut() throws Exception {
    AtomicLong now = new AtomicLong(1_000);
    try (Capture capture = new Capture(LogSettings.Format.JSON, Level.INFO)) {
      Refusals refusals = new Refusals(LoggerFactory.getLogger("dev.beacon.activity"), 3, 10_000, now::get);
      List<Boolean> permits = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        permits.add(refusals.permit());
      }
      assertThat(permits).containsExactly(true, true, true, false, false, false, false, false);
      assertThat(refusals.leftOut()).isEqualTo(5);
      now.addAndGet(9_999);
      assertThat(refusals.permit()).isFalse();
      now.addAndGet(1);
      assertThat(refusals.permit()).isTrue(); // a new window, which first says what was left out
      JsonNode summary = JSON.readTree(capture.lines().stream().filter(l -> l.contains("left_out"))
          .findFirst().orElseThrow());
      assertThat(summary.path("left_out").asInt()).isEqualTo(6);
      assertThat(summary.path("level").asText()).isEqualTo("INFO");
    }
  }

  @Test
  void logFormatAndLevelAreConfigKeys() {
    Map<String, String> env = Map.of("BEACON_LOG_FORMAT", "json", "BEACON_LOG_LEVEL", "debug");
    LogSettings settings = ConfigLoader.load(Optional.empty(), env).log();
    assertThat(settings).isEqualTo(new LogSettings(LogSettings.Format.JSON, "DEBUG"));
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).log()).isEqualTo(LogSettings.DEFAULTS);
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_LOG_FORMAT", "xml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.format").hasMessageContaining("xml");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("BEACON_LOG_LEVEL", "loud")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.level");
  }

  @Test
  void applyingJsonSwapsTheStandardErrorEncoder() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    var appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME)
        .getAppender("STDERR");
    try {
      LogSetup.apply(new LogSettings(LogSettings.Format.JSON, "INFO"));
      assertThat(appender.getEncoder()).isInstanceOf(net.logstash.logback.encoder.LogstashEncoder.class);
      assertThat(appender.isStarted()).isTrue();
    } finally {
      LogSetup.apply(LogSettings.DEFAULTS);
    }
    assertThat(appender.getEncoder()).isInstanceOf(ch.qos.logback.classic.encoder.PatternLayoutEncoder.class);
  }
}
