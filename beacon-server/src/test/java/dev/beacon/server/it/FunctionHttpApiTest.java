package dev.beacon.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Convex HTTP function API of a running server, spoken as ConvexHttpClient speaks it. */
class FunctionHttpApiTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  static BeaconServer server;
  static String ann;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.start();
    ann = Json.parse(get("/dev/token?user=ann").body()).get("token").asText();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  static HttpResponse<String> post(String endpoint, String authorization, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(endpoint))
        .header("content-type", "application/json").header("convex-client", "npm-1.48.0")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode call(String endpoint, String authorization, String path, String args) throws Exception {
    HttpResponse<String> r = post(endpoint, authorization,
        "{\"path\":\"" + path + "\",\"format\":\"convex_encoded_json\",\"args\":[" + args + "]}");
    assertThat(r.statusCode()).isEqualTo(200);
    return Json.parse(r.body());
  }

  @Test
  void aUserCallsMutationsAndQueriesWithItsToken() throws Exception {
    JsonNode beat = call("/api/mutation", "Bearer " + ann, "presence:heartbeat", "{}");
    assertThat(beat.get("status").asText()).isEqualTo("success");
    assertThat(beat.get("value").get("userId").asText()).isEqualTo("ann");
    assertThat(beat.get("logLines").isArray()).isTrue();
    JsonNode mine = call("/api/query", "Bearer " + ann, "presence:getMyPresence", "{}");
    assertThat(mine.get("value").get("online").asBoolean()).isTrue();
  }

  @Test
  void theBackendActsForAnyUserWithTheAdminKey() throws Exception {
    JsonNode pushed = call("/api/mutation", "Convex app-secret", "notifications:pushNotification",
        "{\"userId\":\"ann\",\"type\":\"hello\",\"title\":\"Hi\"}");
    assertThat(pushed.get("status").asText()).isEqualTo("success");
    JsonNode count = call("/api/query", "Bearer " + ann, "notifications:getUnreadCount", "{}");
    assertThat(count.get("value").asInt()).isGreaterThanOrEqualTo(1);
    // numbers come back as plain JSON numbers
    assertThat(count.get("value").isIntegralNumber()).isTrue();
  }

  @Test
  void integersAreAcceptedWhereNumbersAre() throws Exception {
    JsonNode page = call("/api/query", "Bearer " + ann, "notifications:subscribeToNotifications",
        "{\"limit\":{\"$integer\":\"AgAAAAAAAAA=\"}}");
    assertThat(page.get("status").asText()).isEqualTo("success");
    assertThat(page.get("value").get("page").size()).isLessThanOrEqualTo(2);
  }

  @Test
  void errorsAreClearAndTheServerCarriesOn() throws Exception {
    assertThat(call("/api/query", "Bearer " + ann, "nope:missing", "{}").get("errorMessage").asText())
        .isEqualTo("Could not find public function for 'nope:missing'");
    assertThat(call("/api/mutation", "Bearer " + ann, "presence:getMyPresence", "{}").get("errorMessage")
        .asText()).contains("is a query");
    JsonNode bad = call("/api/mutation", "Bearer " + ann, "typing:startTyping", "{\"chatroomId\":5}");
    assertThat(bad.get("status").asText()).isEqualTo("error");
    assertThat(bad.get("errorMessage").asText()).contains("ArgumentValidationError").contains(".chatroomId");
    JsonNode missing = call("/api/mutation", "Bearer " + ann, "typing:startTyping", "{}");
    assertThat(missing.get("errorMessage").asText()).contains("missing the required field `chatroomId`");
    JsonNode forbidden = call("/api/query", "Bearer " + ann, "friends:list", "{\"userId\":\"ann\"}");
    assertThat(forbidden.get("errorData").get("code").asText()).isEqualTo("FORBIDDEN");
    JsonNode anonymous = call("/api/query", null, "presence:getMyPresence", "{}");
    assertThat(anonymous.get("errorData").get("code").asText()).isEqualTo("UNAUTHENTICATED");
    JsonNode badToken = call("/api/query", "Bearer not.a.jwt", "presence:getMyPresence", "{}");
    assertThat(badToken.get("errorMessage").asText()).startsWith("Unauthenticated:");
    JsonNode action = call("/api/action", "Bearer " + ann, "presence:heartbeat", "{}");
    assertThat(action.get("errorMessage").asText()).contains("no actions");
    HttpResponse<String> garbage = post("/api/query", null, "{not json");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(Json.parse(garbage.body()).get("error").asText()).contains("not valid JSON");
    assertThat(call("/api/query", "Bearer " + ann, "presence:getMyPresence", "{}").get("status").asText())
        .isEqualTo("success");
  }

  @Test
  void modulePathsMayNameTheirFile() throws Exception {
    assertThat(call("/api/query", "Bearer " + ann, "presence.js:getMyPresence", "{}").get("status")
        .asText()).isEqualTo("success");
  }

  @Test
  void corsIsAnsweredAsConvexDoes() throws Exception {
    HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(uri("/api/query"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,convex-client").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isBetween(200, 204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).contains("http://localhost:3000");
    assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("").toLowerCase())
        .contains("authorization").contains("content-type").contains("convex-client");
  }

  @Test
  void queryTimestampsAreEightBytesOfBase64() throws Exception {
    HttpResponse<String> r = post("/api/query_ts", null, "");
    String ts = Json.parse(r.body()).get("ts").asText();
    assertThat(java.util.Base64.getDecoder().decode(ts)).hasSize(8);
  }

  @Test
  void pushedNotificationsReachTheUsersPusherChannel() throws Exception {
    ServerOperationsTest.Client ws = ServerOperationsTest.Client.connect(server);
    String socketId = Json.parse(Json.parse(ws.received.get(0)).get("data").asText()).get("socket_id").asText();
    String auth = PusherSignatures.channelAuth("app-key", "app-secret", socketId, "private-user-bea", Optional.empty());
    ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-user-bea\",\"auth\":\"" + auth + "\"}}");
    await().until(() -> ws.received.stream().anyMatch(m -> m.contains("subscription_succeeded")));
    call("/api/mutation", "Convex app-secret", "notifications:pushNotification",
        "{\"userId\":\"bea\",\"type\":\"mention\",\"title\":\"You were mentioned\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> ws.received.stream()
        .anyMatch(m -> m.contains("\"event\":\"notification\"") && m.contains("You were mentioned")));
  }
}
