package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.rest.data.Validity;
import dev.beacon.server.webhooks.Receiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks from a three-node cluster (separate JVMs) to one local receiver, every request checked
 * with pusher-http-java: each event is sent by one node, vacates and removals are decided on the
 * cluster's state with the grace period kept in Redis, and survive the death (kill -9) of the node
 * that held the only member.
 */
class ClusterWebhooksTest {

  private static Receiver receiver;
  private static ClusterNodes cluster;

  @BeforeAll
  static void start() throws Exception {
    receiver = new Receiver();
    cluster = ClusterNodes.start(3, Map.of(
        "BEACON_APPS_0_WEBHOOKS_0_URL", receiver.url(),
        "BEACON_APPS_0_WEBHOOKS_0_EVENT_TYPES",
        "channel_occupied,channel_vacated,member_added,member_removed,subscription_count,cache_miss",
        // a cache channel's event (and the cluster's mark of its miss) lasts 10 s
        "BEACON_CACHE_TTL_SECONDS", "10"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  private static List<String> eventsOf(String channel) {
    return receiver.events().stream().filter(e -> e.split(" ")[1].equals(channel))
        .collect(Collectors.toList());
  }

  /**
   * A channel occupied and left on {@code node} now: its vacate comes a grace period later, so
   * anything decided before it (due earlier) has been delivered once it arrives.
   */
  private static void marker(PusherClients clients, ClusterNodes.Node node, String name) {
    Pusher p = clients.connect(node, "marker");
    Channel ch = p.subscribe(name);
    await().atMost(PusherClients.WAIT).until(ch::isSubscribed);
    p.unsubscribe(name);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> eventsOf(name).contains("channel_vacated " + name));
  }

  private static List<Integer> counts(String channel) {
    return receiver.requests.stream().flatMap(r -> r.events().stream())
        .filter(e -> e.path("name").asText().equals("subscription_count")
            && e.path("channel").asText().equals(channel))
        .map(e -> e.path("subscription_count").asInt()).collect(Collectors.toList());
  }

  private static void assertAllValid() throws Exception {
    com.pusher.rest.Pusher sdk = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    assertThat(receiver.requests).isNotEmpty();
    for (Receiver.Request r : receiver.requests) {
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(sdk.validateWebhookSignature(r.header("X-Pusher-Key"),
          r.header("X-Pusher-Signature"), r.body())).isEqualTo(Validity.VALID);
    }
    sdk.close();
  }

  @Test
  void killMinus9OfTheNodeHoldingTheOnlyMemberSendsOneRemovalAndOneVacate() throws Exception {
    try (PusherClients clients = new PusherClients()) {
      // a public channel with subscribers on two nodes: occupied once
      Channel a = clients.connect(cluster.node(0), "x").subscribe("news-c");
      Channel b = clients.connect(cluster.node(1), "y").subscribe("news-c");
      // ann only on the node that dies
      PresenceChannel ann = clients.connect(cluster.node(2), "ann").subscribePresence("presence-kill-wh");
      await().atMost(PusherClients.WAIT).until(() -> a.isSubscribed() && b.isSubscribed()
          && ann.isSubscribed());
      await().atMost(PusherClients.WAIT).until(() -> eventsOf("presence-kill-wh").size() == 2);

      cluster.node(2).kill();
      await().atMost(Duration.ofSeconds(30))
          .until(() -> eventsOf("presence-kill-wh").contains("channel_vacated presence-kill-wh"));
      marker(clients, cluster.node(0), "marker-kill");
      assertThat(eventsOf("presence-kill-wh")).containsExactly(
          "channel_occupied presence-kill-wh", "member_added presence-kill-wh ann",
          "member_removed presence-kill-wh ann", "channel_vacated presence-kill-wh");
      // one occupied, and the cluster's counts (changes close together may go out as one count;
      // counts taken by different nodes may arrive in either order, docs/WEBHOOKS.md)
      assertThat(eventsOf("news-c").stream().filter(e -> e.equals("channel_occupied news-c"))).hasSize(1);
      assertThat(counts("news-c")).contains(2).doesNotHaveDuplicates().allMatch(n -> n == 1 || n == 2);
      assertAllValid();
    }
  }

  private static long misses(String channel) {
    return eventsOf(channel).stream().filter(e -> e.startsWith("cache_miss ")).count();
  }

  /** Subscribes to {@code channel} with {@code client}, and leaves it again. */
  private static void visit(Pusher client, String channel) {
    Channel ch = client.subscribe(channel);
    await().atMost(PusherClients.WAIT).until(ch::isSubscribed);
    client.unsubscribe(channel);
  }

  @Test
  void aCacheMissIsToldOncePerEmptyChannelInTheWholeCluster() throws Exception {
    String channel = "cache-score-c";
    try (PusherClients clients = new PusherClients()) {
      // nodes 0 and 1 (another test kills node 2)
      Pusher a = clients.connect(cluster.node(0), "a");
      Pusher b = clients.connect(cluster.node(1), "b");
      Pusher c = clients.connect(cluster.node(1), "c");
      Channel first = a.subscribe(channel);
      await().atMost(PusherClients.WAIT).until(first::isSubscribed);
      Channel second = b.subscribe(channel);
      Channel third = c.subscribe(channel);
      await().atMost(PusherClients.WAIT).until(() -> second.isSubscribed() && third.isSubscribed());
      await().atMost(PusherClients.WAIT).until(() -> misses(channel) >= 1);
      marker(clients, cluster.node(1), "marker-miss-1");
      // three subscribers on two nodes found it empty: one cache_miss (one per node before)
      assertThat(misses(channel)).isEqualTo(1);

      // an event fills it, and its subscribers find it; once the event has expired the channel
      // is empty again, and the first miss after that, on either node, is told once more
      com.pusher.rest.Pusher sdk = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
      sdk.setHost("127.0.0.1:" + cluster.node(0).port);
      sdk.setEncrypted(false);
      assertThat(sdk.trigger(channel, "score", Map.of("home", 1)).getHttpStatus()).isEqualTo(200);
      sdk.close();
      Pusher probe0 = clients.connect(cluster.node(0), "p0");
      Pusher probe1 = clients.connect(cluster.node(1), "p1");
      java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
      await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
        visit(round.incrementAndGet() % 2 == 0 ? probe0 : probe1, channel);
        return misses(channel) >= 2;
      });
      // more misses on both nodes while it stays empty: nothing more
      for (int i = 0; i < 2; i++) {
        visit(probe0, channel);
        visit(probe1, channel);
      }
      marker(clients, cluster.node(0), "marker-miss-2");
      assertThat(misses(channel)).isEqualTo(2);
      assertAllValid();
    }
  }

  /** The subscription counts of {@code channel} received, with when each request arrived. */
  private static List<long[]> timedCounts(String channel) {
    List<long[]> out = new java.util.ArrayList<>();
    for (Receiver.Request r : receiver.requests) {
      for (com.fasterxml.jackson.databind.JsonNode e : r.events()) {
        if (e.path("name").asText().equals("subscription_count")
            && e.path("channel").asText().equals(channel)) {
          out.add(new long[] {e.path("subscription_count").asLong(), r.nanos()});
        }
      }
    }
    return out;
  }

  /** {@code n} pusher-java-client connections to {@code node}, each subscribed to {@code channel}. */
  private static List<Channel> subscribers(PusherClients clients, ClusterNodes.Node node, String channel,
      int n) {
    List<Channel> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(clients.connect(node, "crowd").subscribe(channel));
    }
    return out;
  }

  @Test
  void aboveOneHundredSubscriptionsTheClusterWideCountIsSentAtMostEveryFiveSeconds() throws Exception {
    String channel = "crowd-c";
    try (PusherClients clients = new PusherClients()) {
      // 100 subscribers on two nodes (another test kills node 2): counts go out as they change
      List<Channel> crowd = new java.util.ArrayList<>();
      crowd.addAll(subscribers(clients, cluster.node(0), channel, 50));
      crowd.addAll(subscribers(clients, cluster.node(1), channel, 50));
      await().atMost(Duration.ofSeconds(60)).until(() -> crowd.stream().allMatch(Channel::isSubscribed));
      await().atMost(Duration.ofSeconds(20)).until(() ->
          timedCounts(channel).stream().anyMatch(c -> c[0] == 100));

      // 20 more: each count above 100 waits for the end of the 5 s window of the count before
      List<Channel> more = new java.util.ArrayList<>();
      more.addAll(subscribers(clients, cluster.node(0), channel, 10));
      more.addAll(subscribers(clients, cluster.node(1), channel, 10));
      await().atMost(Duration.ofSeconds(60)).until(() -> more.stream().allMatch(Channel::isSubscribed));
      await().atMost(Duration.ofSeconds(30)).until(() ->
          timedCounts(channel).stream().anyMatch(c -> c[0] == 120));
      List<long[]> counts = timedCounts(channel);
      List<Long> values = counts.stream().map(c -> c[0]).collect(Collectors.toList());
      // each count taken once, as it was when taken (counts taken by different nodes may
      // arrive in either order while they come fast)
      assertThat(values).doesNotHaveDuplicates().allMatch(v -> v >= 1 && v <= 120);
      List<long[]> above = counts.stream().filter(c -> c[0] >= 100)
          .sorted(java.util.Comparator.comparingLong(c -> c[1])).collect(Collectors.toList());
      assertThat(above.get(0)[0]).as("100 is the last count up to 100: %s", values).isEqualTo(100);
      assertThat(above.size() - 1).as("counts above 100: %s", values).isBetween(1, 19);
      for (int i = 1; i < above.size(); i++) {
        long gapMillis = (above.get(i)[1] - above.get(i - 1)[1]) / 1_000_000;
        // the window is 5 s between two takes; deliveries may be a little closer than that
        assertThat(gapMillis).as("the count %s came %s ms after %s (%s)", above.get(i)[0], gapMillis,
            above.get(i - 1)[0], values).isGreaterThanOrEqualTo(4_000);
      }
      assertThat(above.get(above.size() - 1)[0]).isEqualTo(120);
      assertAllValid();
    }
  }

  @Test
  void aMemberMovingToAnotherNodeWithinTheGraceSendsNothing() throws Exception {
    try (PusherClients clients = new PusherClients()) {
      Pusher first = clients.connect(cluster.node(0), "bea");
      PresenceChannel one = first.subscribePresence("presence-move-wh");
      await().atMost(PusherClients.WAIT).until(one::isSubscribed);
      await().atMost(PusherClients.WAIT).until(() -> eventsOf("presence-move-wh").size() == 2);

      first.disconnect();
      PresenceChannel two = clients.connect(cluster.node(1), "bea").subscribePresence("presence-move-wh");
      await().atMost(PusherClients.WAIT).until(two::isSubscribed);
      marker(clients, cluster.node(1), "marker-move");
      assertThat(eventsOf("presence-move-wh")).containsExactly(
          "channel_occupied presence-move-wh", "member_added presence-move-wh bea");
      assertAllValid();
    }
  }
}
