package dev.beacon.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.Channel;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Validity;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks from a running server to local receivers, caused by pusher-java-client connections,
 * every request verified with pusher-http-java's {@code validateWebhookSignature}.
 */
class WebhookDeliveryTest {

  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<Pusher> clients = new ArrayList<>();
  private BeaconServer server;
  private final com.pusher.rest.Pusher sdk =
      new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");

  @AfterEach
  void stop() throws Exception {
    clients.forEach(Pusher::disconnect);
    if (server != null) {
      server.stop();
    }
    for (AutoCloseable c : open) {
      c.close();
    }
    sdk.close();
  }

  private Receiver receiver(Integer... statuses) {
    Receiver r = new Receiver(statuses);
    open.add(r);
    return r;
  }

  private void start(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("BEACON_APPS_0_WEBHOOK_GRACE_MS", "0");
    server = TestServers.start(all);
  }

  private Pusher client(String userId) {
    PusherOptions options = new PusherOptions().setHost("127.0.0.1").setWsPort(server.port())
        .setUseTLS(false).setChannelAuthorizer((channel, socketId) -> channel.startsWith("presence-")
            ? sdk.authenticate(socketId, channel, new PresenceUser(userId, Map.of("name", userId)))
            : sdk.authenticate(socketId, channel));
    Pusher pusher = new Pusher("app-key", options);
    clients.add(pusher);
    pusher.connect();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> pusher.getConnection().getState() == ConnectionState.CONNECTED);
    return pusher;
  }

  /** Every request is a signed Pusher webhook the official SDK accepts. */
  private void assertAllValid(Receiver r) {
    assertThat(r.requests).isNotEmpty();
    for (Receiver.Request q : r.requests) {
      assertThat(q.header("Content-Type")).isEqualTo("application/json");
      assertThat(q.header("X-Pusher-Key")).isEqualTo("app-key");
      assertThat(sdk.validateWebhookSignature(q.header("X-Pusher-Key"),
          q.header("X-Pusher-Signature"), q.body())).isEqualTo(Validity.VALID);
      assertThat(q.json().path("time_ms").isIntegralNumber()).isTrue();
    }
  }

  /** The dashboard's webhook panel for the app, as its page reads it. */
  private JsonNode dashboardWebhooks() throws Exception {
    String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
        .newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/dashboard/api/stats"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    return dev.beacon.protocol.json.Json.parse(body).path("webhooks");
  }

  private double count(String name, String... tags) {
    return server.metrics().registry().find(name).tags(tags).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  @Test
  void eachEndpointGetsOnlyItsEventsSignedForItAndItsHeadersNeverReplaceOurs() {
    Receiver presence = receiver();
    Receiver all = receiver();
    start(Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", presence.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "member_added,channel_occupied",
        "BEACON_APPS_0_WEBHOOKS_0_FILTER_CHANNEL_NAME_STARTS_WITH", "presence-",
        "BEACON_APPS_0_WEBHOOKS_1_URL", all.url(),
        "BEACON_APPS_0_WEBHOOKS_1_EVENT_TYPES", "channel_occupied,member_added",
        "BEACON_APPS_0_WEBHOOKS_1_HEADERS",
        "{\"X-Env\":\"staging\",\"X-Pusher-Key\":\"forged\",\"content-type\":\"text/plain\"}"));
    Pusher ann = client("ann");
    Channel news = ann.subscribe("news");
    await().until(news::isSubscribed);
    ann.subscribePresence("presence-room");
    await().atMost(Duration.ofSeconds(10)).until(() -> all.events().size() == 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> presence.events().size() == 2);
    assertThat(all.events()).containsExactly("channel_occupied news",
        "channel_occupied presence-room", "member_added presence-room ann");
    assertThat(presence.events()).containsExactly("channel_occupied presence-room",
        "member_added presence-room ann");
    assertAllValid(presence);
    assertAllValid(all);
    assertThat(all.requests.get(0).header("X-Env")).isEqualTo("staging");
    assertThat(presence.requests.get(0).header("X-Env")).isNull();
  }

  @Test
  void aReceiverFailingTwiceGetsTheRequestOnceMoreWithBackoff() {
    Receiver r = receiver(500, 503, 200);
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied",
        "BEACON_APPS_0_WEBHOOK_FIRST_RETRY_MS", "300"));
    Pusher ann = client("ann");
    ann.subscribe("news");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> count("beacon_webhook_requests", "app", "app-id", "outcome", "delivered") == 1);
    assertThat(r.requests).hasSize(3);
    // the same signed body each time, delivered once
    assertThat(r.requests).extracting(Receiver.Request::body).containsOnly(r.requests.get(0).body());
    assertAllValid(r);
    long firstGap = (r.requests.get(1).nanos() - r.requests.get(0).nanos()) / 1_000_000;
    long secondGap = (r.requests.get(2).nanos() - r.requests.get(1).nanos()) / 1_000_000;
    assertThat(firstGap).isGreaterThanOrEqualTo(300);
    assertThat(secondGap).isGreaterThanOrEqualTo(600);
    assertThat(count("beacon_webhook_retries", "app", "app-id")).isEqualTo(2);
    assertThat(count("beacon_webhook_requests", "app", "app-id", "outcome", "failed")).isZero();
  }

  @Test
  void requestTimeoutTooManyRequestsAndNetworkErrorsAreRetriedToo() throws Exception {
    Receiver r = receiver(408, 429, 200);
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort(); // nothing listens there once it is closed: connection refused
    }
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied",
        "BEACON_APPS_0_WEBHOOKS_1_URL", "http://127.0.0.1:" + closed + "/hooks",
        "BEACON_APPS_0_WEBHOOKS_1_EVENT_TYPES", "channel_occupied",
        "BEACON_APPS_0_WEBHOOK_FIRST_RETRY_MS", "100",
        "BEACON_APPS_0_WEBHOOK_RETRY_SECONDS", "2"));
    client("ann").subscribe("news");
    await().atMost(Duration.ofSeconds(15)).until(() ->
        count("beacon_webhook_requests", "app", "app-id", "outcome", "delivered") == 1
            && count("beacon_webhook_requests", "app", "app-id", "outcome", "failed") == 1);
    // 408 and 429 were tried again, with the same signed body, and then delivered
    assertThat(r.requests).hasSize(3);
    assertThat(r.requests).extracting(Receiver.Request::body).containsOnly(r.requests.get(0).body());
    assertThat(r.events()).containsOnly("channel_occupied news");
    assertAllValid(r);
    // the refused connection was tried again until the retry time ran out (100, 200, 400, 800
    // ms apart: at least once more within 2 s, however loaded the machine), then given up
    assertThat(count("beacon_webhook_retries", "app", "app-id")).isGreaterThanOrEqualTo(3);
    // and shown as failed among the dashboard's recent deliveries
    JsonNode stats = dashboardWebhooks();
    JsonNode failed = null;
    for (JsonNode d : stats.path("recent")) {
      if (d.path("outcome").asText().equals("failed")) {
        failed = d;
      }
    }
    assertThat(failed).as("the failed request among the recent deliveries: " + stats).isNotNull();
    assertThat(failed.path("url").asText()).endsWith(":" + closed + "/hooks");
    assertThat(failed.path("attempts").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(failed.path("answer").asText()).contains("given up after");
  }

  @Test
  void aFinalRefusalIsNotRetried() {
    Receiver r = receiver(404);
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied"));
    Pusher ann = client("ann");
    ann.subscribe("one");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> count("beacon_webhook_requests", "app", "app-id", "outcome", "failed") == 1);
    // a later event arrives after it: the refused one was not tried again meanwhile
    ann.subscribe("two");
    await().atMost(Duration.ofSeconds(10)).until(() -> r.requests.size() == 2);
    assertThat(r.events()).containsExactly("channel_occupied one", "channel_occupied two");
    assertThat(count("beacon_webhook_retries", "app", "app-id")).isZero();
  }

  @Test
  void aHangingReceiverIsRetriedUntilTheRetryTimeEndsAndTheQueueIsBounded() throws Exception {
    Receiver r = receiver().hangForever();
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied",
        "BEACON_APPS_0_WEBHOOK_TIMEOUT_MS", "300",
        "BEACON_APPS_0_WEBHOOK_FIRST_RETRY_MS", "200",
        "BEACON_APPS_0_WEBHOOK_RETRY_SECONDS", "1",
        "BEACON_APPS_0_WEBHOOK_QUEUE", "3"));
    Pusher ann = client("ann");
    List<Channel> channels = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      channels.add(ann.subscribe("room-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> channels.stream().allMatch(Channel::isSubscribed));
    // three queued, seven dropped and counted, and shown on the dashboard; the WebSocket path
    // did not wait for any of it (all ten subscriptions were answered while the receiver hung)
    assertThat(count("beacon_webhook_dropped", "app", "app-id")).isEqualTo(7);
    assertThat(dashboardWebhooks().path("dropped").asLong()).isEqualTo(7);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> count("beacon_webhook_requests", "app", "app-id", "outcome", "failed") == 3);
    assertThat(server.metrics().registry().find("beacon_webhook_queue").tag("app", "app-id")
        .gauge().value()).isZero();
    // each was tried more than once, and a bounded number of times
    assertThat(count("beacon_webhook_retries", "app", "app-id")).isBetween(3.0, 9.0);
    assertThat(r.requests.size()).isBetween(6, 12);
    assertAllValid(r);
  }

  @Test
  void batchingSendsUpToTwentyEventsPerRequest() {
    Receiver r = receiver();
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied",
        "BEACON_APPS_0_WEBHOOK_BATCHING", "true"));
    Pusher ann = client("ann");
    for (int i = 0; i < 25; i++) {
      ann.subscribe("batch-" + i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 25);
    assertThat(r.requests.size()).isLessThan(25);
    for (Receiver.Request q : r.requests) {
      assertThat(q.events().size()).isBetween(1, 20);
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      expected.add("channel_occupied batch-" + i);
    }
    assertThat(r.events()).containsExactlyInAnyOrderElementsOf(expected);
    assertAllValid(r);
  }

  @Test
  void usersGoOnlineAndOfflineAsThePresenceFunctionsSay() throws Exception {
    Receiver r = receiver();
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "user_online,user_offline",
        // the filter does not hold back events without a channel
        "BEACON_APPS_0_WEBHOOKS_0_FILTER_CHANNEL_NAME_STARTS_WITH", "presence-"));
    // an HTTP-only client: online by heartbeat, offline when it says so
    mutation("presence:heartbeat", "{\"userId\":\"zoe\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 1);
    mutation("presence:setOffline", "{\"userId\":\"zoe\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 2);
    // a WebSocket acting as the user: online while it is open (a presence member here)
    Pusher ann = client("ann");
    ann.subscribePresence("presence-room");
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 3);
    ann.disconnect();
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 4);
    assertThat(r.events()).containsExactly("user_online zoe", "user_offline zoe",
        "user_online ann", "user_offline ann");
    assertAllValid(r);
  }

  private void mutation(String path, String args) throws Exception {
    java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://127.0.0.1:" + server.port() + "/api/mutation"))
            .header("Authorization", "Convex app-secret").header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "{\"path\":\"" + path + "\",\"args\":" + args + ",\"format\":\"json\"}"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).contains("\"status\":\"success\"");
  }

  @Test
  void aGracefulShutdownDeliversWhatIsQueued() {
    Receiver r = receiver();
    r.delayMillis = 300;
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied"));
    Pusher ann = client("ann");
    List<Channel> channels = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      channels.add(ann.subscribe("last-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> channels.stream().allMatch(Channel::isSubscribed));
    server.stop(); // one request at a time, 300 ms each: most are still queued here
    assertThat(r.events()).containsExactly("channel_occupied last-0", "channel_occupied last-1",
        "channel_occupied last-2", "channel_occupied last-3");
  }

  @Test
  void theDashboardShowsDeliveriesAndTheQueue() throws Exception {
    Receiver r = receiver();
    start(Map.of("BEACON_APPS_0_WEBHOOKS_0_URL", r.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES", "channel_occupied"));
    Pusher ann = client("ann");
    ann.subscribe("news");
    await().atMost(Duration.ofSeconds(10)).until(() -> r.requests.size() == 1);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
          "http://127.0.0.1:" + server.port() + "/dashboard/api/stats")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      JsonNode hooks = dev.beacon.protocol.json.Json.parse(body).path("webhooks");
      return hooks.path("delivered").asLong() == 1 && hooks.path("recent").size() == 1
          && hooks.path("recent").get(0).path("outcome").asText().equals("delivered");
    });
    String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + server.port() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("beacon_webhook_dropped_total{app=\"app-id\"}")
        .contains("beacon_webhook_queue{app=\"app-id\"}");
  }
}
