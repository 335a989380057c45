package dev.beacon.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.beacon.core.functions.Caller;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * APNs through Pushy's own mock APNs server, over TLS with a certificate this test makes, which
 * validates the provider token (ES256, team and key id) against the key this test made and the
 * topic each token belongs to: what Apple would check.
 */
class ApnsPushTest {

  static final String TEAM = "TEAM123456";
  static final String KEY_ID = "KEY1234567";
  static final String TOPIC = "com.example.beacon";
  static final String ANN = "a1".repeat(32);
  static final String BOB = "b2".repeat(32);
  static final String EXPIRED = "cc".repeat(32);
  static final String MALFORMED = "dd".repeat(16);

  static MockApnsServer apns;
  static BeaconServer server;
  static KeyPair signing;
  static final List<Accepted> accepted = new CopyOnWriteArrayList<>();
  static final List<String> rejected = new CopyOnWriteArrayList<>();

  record Accepted(Http2Headers headers, String payload) {}

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("beacon-apns");
    KeyPair tls = TestKeys.ec();
    X509Certificate cert = TestKeys.selfSigned(tls);
    Path certFile = TestKeys.write(dir, "apns-ca.pem", TestKeys.pem("CERTIFICATE", cert.getEncoded()));
    signing = TestKeys.ec();
    Path keyFile = TestKeys.write(dir, "AuthKey.p8", TestKeys.pem("PRIVATE KEY",
        signing.getPrivate().getEncoded()));
    ApnsVerificationKey verification = new ApnsVerificationKey(KEY_ID, TEAM,
        (ECPublicKey) signing.getPublic());
    apns = new MockApnsServerBuilder()
        .setServerCredentials(new X509Certificate[] {cert}, tls.getPrivate(), null)
        .setHandlerFactory(new ValidatingPushNotificationHandlerFactory(
            Map.of(TOPIC, Set.of(ANN, BOB, EXPIRED, MALFORMED)), Map.of(EXPIRED, Instant.now()),
            Map.of(KEY_ID, verification),
            Map.of(verification, Set.of(TOPIC))))
        .setListener(new MockApnsServerListener() {
          @Override
          public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
            accepted.add(new Accepted(headers, payload == null ? ""
                : payload.toString(StandardCharsets.UTF_8)));
          }

          @Override
          public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload,
              RejectionReason reason, Instant timestamp) {
            rejected.add(reason.name());
          }
        })
        .build();
    int port = freePort();
    apns.start(port).get();
    server = TestServers.start(Map.of(
        "BEACON_APPS_0_PUSH_APNS_TEAM_ID", TEAM,
        "BEACON_APPS_0_PUSH_APNS_KEY_ID", KEY_ID,
        "BEACON_APPS_0_PUSH_APNS_KEY_FILE", keyFile.toString(),
        "BEACON_APPS_0_PUSH_APNS_TOPIC", TOPIC,
        "BEACON_APPS_0_PUSH_APNS_ENDPOINT", "127.0.0.1:" + port,
        "BEACON_APPS_0_PUSH_APNS_TRUSTED_CERTIFICATE_FILE", certFile.toString()));
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    if (apns != null) {
      apns.shutdown().get();
    }
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

  static List<String> tokensAccepted() {
    return accepted.stream().map(a -> a.headers().path().toString().replace("/3/device/", "")).toList();
  }

  @Test
  void anOfflineUserGetsAnAuthenticatedPushOnItsTopicAndAConnectedOneNone() throws Exception {
    call(user("ann"), "push:register", "{\"kind\":\"apns\",\"token\":\"" + ANN + "\"}");
    call(user("bob"), "push:register", "{\"kind\":\"apns\",\"token\":\"" + BOB + "\"}");
    call(user("bob"), "presence:heartbeat", "{}"); // bob is online: no push for him
    // presence announces a user first seen once its stored status is loaded (in the background);
    // a read loads it now
    assertThat(call(user("bob"), "presence:getMyPresence", "{}").get("online").asBoolean()).isTrue();
    assertThat(server.builtIns().userPresence().isOnline("app-id", "bob")).isTrue();

    JsonNode forBob = call(backend(), "notifications:pushNotification",
        "{\"userId\":\"bob\",\"type\":\"dm\",\"title\":\"Not for a phone\"}");
    JsonNode forAnn = call(backend(), "notifications:pushNotification",
        "{\"userId\":\"ann\",\"type\":\"dm\",\"title\":\"Hello Ann\",\"body\":\"from Bob\","
            + "\"data\":{\"chat\":\"c1\",\"url\":\"/c/c1\"}}");

    await().atMost(Duration.ofSeconds(20)).until(() -> tokensAccepted().contains(ANN));
    Accepted push = accepted.stream().filter(a -> a.headers().path().toString().endsWith(ANN))
        .findFirst().orElseThrow();
    assertThat(push.headers().get("apns-topic").toString()).isEqualTo(TOPIC);
    assertThat(push.headers().get("apns-collapse-id").toString()).isEqualTo(forAnn.asText());
    assertThat(push.headers().get("apns-push-type").toString()).isEqualTo("alert");
    JsonNode payload = Json.parse(push.payload());
    assertThat(payload.at("/aps/alert/title").asText()).isEqualTo("Hello Ann");
    assertThat(payload.at("/aps/alert/body").asText()).isEqualTo("from Bob");
    assertThat(payload.at("/data/chat").asText()).isEqualTo("c1");
    assertThat(payload.get("url").asText()).isEqualTo("/c/c1");
    assertThat(payload.get("id").asText()).isEqualTo(forAnn.asText());

    // the provider token: ES256 by the .p8 key, naming the team and the key (the mock server
    // has checked it too, or it would have refused the push)
    SignedJWT token = SignedJWT.parse(push.headers().get("authorization").toString()
        .replaceFirst("(?i)^bearer ", ""));
    String[] parts = push.headers().get("authorization").toString().replaceFirst("(?i)^bearer ", "")
        .split("\\.");
    byte[] signature = java.util.Base64.getUrlDecoder().decode(parts[2]);
    java.security.Signature ecdsa = java.security.Signature.getInstance(signature.length == 64
        ? "SHA256withECDSAinP1363Format" : "SHA256withECDSA");
    ecdsa.initVerify(signing.getPublic());
    ecdsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(ecdsa.verify(signature)).as("ES256 by the .p8 key").isTrue();
    assertThat(token.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    assertThat(token.getHeader().getKeyID()).isEqualTo(KEY_ID);
    assertThat(token.getJWTClaimsSet().getIssuer()).isEqualTo(TEAM);

    // bob was online: his notification was stored, but nothing was queued for his phone. The
    // mock server records a push before Beacon has its answer, and Beacon counts a send after
    // it has deleted the outbox row; the dispatcher looks at the outbox again after each settled
    // send. So: wait for Ann's send to be counted, then for an empty outbox at a later look;
    // then nothing (such as a push for Bob, stored before Ann's) is left to be sent, and Ann's
    // is the one push ever sent.
    assertThat(forBob.asText()).isNotEmpty();
    await().atMost(Duration.ofSeconds(20)).until(() -> counter("beacon_push_sent_total") == 1.0);
    await().atMost(Duration.ofSeconds(20)).until(() -> gauge("beacon_push_queue") == 0.0);
    assertThat(counter("beacon_push_sent_total")).isEqualTo(1.0);
    assertThat(tokensAccepted()).containsExactly(ANN);
    assertThat(rejected).isEmpty();
  }

  /** A counter of the app's APNs sends (or removals), as /metrics shows it. */
  static double counter(String name) {
    return value(name + "{app=\"app-id\",service=\"apns\"} ");
  }

  static double gauge(String name) {
    return value(name + " ");
  }

  /** The value of the /metrics line that starts with {@code prefix}; -1 while there is none. */
  private static double value(String prefix) {
    return server.metrics().scrape().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst().orElse(-1);
  }

  @Test
  void unregisteredAndBadDeviceTokensAreRemovedWithTheirPushes() {
    call(user("cat"), "push:register", "{\"kind\":\"apns\",\"token\":\"" + EXPIRED + "\"}");
    call(user("cat"), "push:register", "{\"kind\":\"apns\",\"token\":\"" + MALFORMED + "\"}");
    call(backend(), "push:send", "{\"userId\":\"cat\",\"title\":\"Anyone there?\"}");
    await().atMost(Duration.ofSeconds(20)).until(() ->
        call(user("cat"), "push:listMine", "{}").size() == 0);
    assertThat(rejected).contains("UNREGISTERED", "BAD_DEVICE_TOKEN");
    // a removal is counted just after the device is deleted: wait for the count, then check
    // that it stays at the two devices removed
    await().atMost(Duration.ofSeconds(20)).until(() -> counter("beacon_push_removed_total") >= 2.0);
    assertThat(counter("beacon_push_removed_total")).isEqualTo(2.0);
  }
}
