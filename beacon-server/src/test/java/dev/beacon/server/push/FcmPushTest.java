package dev.beacon.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.core.functions.Caller;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FCM HTTP v1 against a local OAuth token endpoint, which checks the service account's signed
 * JWT as Google's would (RS256 by the account's key, issuer, scope, audience), and a local send
 * endpoint, which checks the access token and answers as FCM does: 200, 404 UNREGISTERED, 500.
 * The server stores on the PostgreSQL of this machine (a schema of its own), so the outbox's
 * claims, retries and removals run on PostgreSQL here (on SQLite in the APNs and Node tests).
 */
class FcmPushTest {

  static final String PROJECT = "beacon-test-project";
  static final String EMAIL = "beacon@beacon-test-project.iam.gserviceaccount.com";
  // commits are not waited for on disk (the tests kill Beacon, never PostgreSQL)
  static final String PG_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff";
  static final String SCHEMA = "beacon_fcm_" + java.util.UUID.randomUUID().toString()
      .replace("-", "").substring(0, 12);

  static HttpServer google;
  static BeaconServer server;
  static KeyPair account;
  static String tokenUrl;
  static final List<JsonNode> sent = new CopyOnWriteArrayList<>();
  static final List<String> tokenRequestFailures = new CopyOnWriteArrayList<>();
  static final AtomicInteger tokensIssued = new AtomicInteger();
  /** Per device token: how many sends to fail with 500 before accepting. */
  static final Map<String, AtomicInteger> failFirst = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    account = TestKeys.rsa();
    google = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String base = "http://127.0.0.1:" + google.getAddress().getPort();
    tokenUrl = base + "/token";
    google.createContext("/token", FcmPushTest::token);
    google.createContext("/v1/projects/" + PROJECT + "/messages:send", FcmPushTest::send);
    google.start();
    Path dir = Files.createTempDirectory("beacon-fcm");
    Path sa = TestKeys.write(dir, "sa.json", "{\"type\":\"service_account\",\"project_id\":\""
        + PROJECT + "\",\"private_key_id\":\"k1\",\"private_key\":" + Json.quote(TestKeys.pem(
            "PRIVATE KEY", account.getPrivate().getEncoded())) + ",\"client_email\":\"" + EMAIL
        + "\",\"token_uri\":\"" + tokenUrl + "\"}");
    server = TestServers.start(Map.of(
        "BEACON_DB_URL", PG_URL, "BEACON_DB_USER", "postgres", "BEACON_DB_SCHEMA", SCHEMA,
        "BEACON_APPS_0_PUSH_FCM_SERVICE_ACCOUNT_FILE", sa.toString(),
        "BEACON_APPS_0_PUSH_FCM_ENDPOINT", base));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    if (google != null) {
      google.stop(0);
    }
    try (var c = java.sql.DriverManager.getConnection(PG_URL, "postgres", "");
        var st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    }
  }

  private static void token(HttpExchange ex) throws IOException {
    String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> fields = new java.util.HashMap<>();
    for (String pair : form.split("&")) {
      String[] kv = pair.split("=", 2);
      fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    try {
      if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(fields.get("grant_type"))) {
        throw new IllegalStateException("grant_type " + fields.get("grant_type"));
      }
      SignedJWT jwt = SignedJWT.parse(fields.get("assertion"));
      if (!jwt.verify(new RSASSAVerifier((RSAPublicKey) account.getPublic()))) {
        throw new IllegalStateException("bad signature");
      }
      var claims = jwt.getJWTClaimsSet();
      if (!EMAIL.equals(claims.getIssuer())
          || !"https://www.googleapis.com/auth/firebase.messaging".equals(claims.getStringClaim("scope"))
          || !claims.getAudience().contains(tokenUrl)
          || claims.getExpirationTime().getTime() - claims.getIssueTime().getTime() > 3_600_000) {
        throw new IllegalStateException("claims " + claims);
      }
    } catch (Exception e) {
      tokenRequestFailures.add(e.toString());
      reply(ex, 400, "{\"error\":\"invalid_grant\"}");
      return;
    }
    reply(ex, 200, "{\"access_token\":\"ya29.token-" + tokensIssued.incrementAndGet()
        + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
  }

  private static void send(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ya29.token-")) {
      reply(ex, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
      return;
    }
    JsonNode body = Json.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String token = body.at("/message/token").asText();
    if (token.startsWith("dead")) {
      reply(ex, 404, "{\"error\":{\"code\":404,\"message\":\"Requested entity was not found.\","
          + "\"status\":\"NOT_FOUND\",\"details\":[{\"@type\":"
          + "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"UNREGISTERED\"}]}}");
      return;
    }
    AtomicInteger failures = failFirst.get(token);
    if (failures != null && failures.getAndDecrement() > 0) {
      reply(ex, 500, "{\"error\":{\"code\":500,\"status\":\"INTERNAL\"}}");
      return;
    }
    sent.add(body);
    reply(ex, 200, "{\"name\":\"projects/" + PROJECT + "/messages/" + sent.size() + "\"}");
  }

  private static void reply(HttpExchange ex, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  static JsonNode call(Caller caller, String path, String args) {
    return new Calls(server).call(caller, path, args);
  }

  static Caller user(String id) {
    return new Calls(server).user(id);
  }

  static Caller backend() {
    return new Calls(server).backend();
  }

  static List<JsonNode> sentTo(String token) {
    return sent.stream().filter(m -> m.at("/message/token").asText().equals(token)).toList();
  }

  static String fcmToken(String name) {
    return name + ":APA91b" + "x".repeat(40);
  }

  @Test
  void aUserWithTwoDevicesGetsTwoPushesWithCollapseKeysAndOneOAuthToken() {
    call(user("dan"), "push:register", "{\"kind\":\"fcm\",\"token\":\"" + fcmToken("phone") + "\"}");
    call(user("dan"), "push:register", "{\"kind\":\"fcm\",\"token\":\"" + fcmToken("tablet") + "\"}");
    String id = call(backend(), "notifications:pushNotification",
        "{\"userId\":\"dan\",\"type\":\"like\",\"title\":\"New like\",\"body\":\"Eve liked it\","
            + "\"data\":{\"post\":7}}").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> sentTo(fcmToken("phone")).size() == 1
        && sentTo(fcmToken("tablet")).size() == 1);
    JsonNode m = sentTo(fcmToken("phone")).get(0).get("message");
    assertThat(m.at("/notification/title").asText()).isEqualTo("New like");
    assertThat(m.at("/notification/body").asText()).isEqualTo("Eve liked it");
    assertThat(Json.parse(m.at("/data/data").asText()).get("post").asInt()).isEqualTo(7);
    assertThat(m.at("/data/id").asText()).isEqualTo(id);
    assertThat(m.at("/android/collapse_key").asText()).isEqualTo(id);
    assertThat(m.at("/apns/headers/apns-collapse-id").asText()).isEqualTo(id);
    assertThat(m.at("/webpush/headers/Topic").asText()).isEqualTo(id);
    assertThat(tokenRequestFailures).isEmpty();
    assertThat(tokensIssued.get()).isEqualTo(1);
  }

  @Test
  void aServerErrorTwiceThenSuccessDeliversOnce() {
    String token = fcmToken("flaky");
    failFirst.put(token, new AtomicInteger(2));
    call(user("fay"), "push:register", "{\"kind\":\"fcm\",\"token\":\"" + token + "\"}");
    call(backend(), "push:send", "{\"userId\":\"fay\",\"title\":\"Eventually\"}");
    await().atMost(Duration.ofSeconds(30)).until(() -> sentTo(token).size() == 1);
    assertThat(failFirst.get(token).get()).isLessThan(0); // two 500s were answered, then the 200
    // a later push to the same device is the marker: once it is through, the first was not
    // sent again
    call(backend(), "push:send", "{\"userId\":\"fay\",\"title\":\"Marker\"}");
    await().atMost(Duration.ofSeconds(20)).until(() -> sentTo(token).size() == 2);
    assertThat(sentTo(token)).extracting(m -> m.at("/message/notification/title").asText())
        .containsExactly("Eventually", "Marker");
    assertThat(server.metrics().scrape())
        .contains("beacon_push_retries_total{app=\"app-id\",service=\"fcm\"} 2.0");
  }

  @Test
  void anUnregisteredTokenIsRemoved() {
    call(user("gus"), "push:register", "{\"kind\":\"fcm\",\"token\":\"" + fcmToken("dead") + "\"}");
    call(user("gus"), "push:register", "{\"kind\":\"fcm\",\"token\":\"" + fcmToken("alive") + "\"}");
    call(backend(), "push:send", "{\"userId\":\"gus\",\"title\":\"Hi\"}");
    await().atMost(Duration.ofSeconds(20)).until(() ->
        call(user("gus"), "push:listMine", "{}").size() == 1);
    assertThat(call(user("gus"), "push:listMine", "{}").get(0).get("token").asText())
        .isEqualTo(fcmToken("alive"));
  }
}
