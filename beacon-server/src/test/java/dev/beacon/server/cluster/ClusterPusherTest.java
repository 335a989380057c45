package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import com.pusher.rest.data.Result;
import dev.beacon.server.it.PusherJavaClientSuite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes (separate JVMs) on one Redis and one PostgreSQL, with the official Java client
 * (pusher-java-client) connected to different nodes and the official server SDK
 * (pusher-http-java) calling yet another: a client sees one server whichever node it reaches.
 */
class ClusterPusherTest {

  /**
   * The suite written for one server ({@link PusherJavaClientSuite}) on this class's cluster:
   * the {@code i}-th client of each test on node {@code i % 3}, the server SDK on node 2 (another
   * node than the first two clients').
   */
  @Nested
  class PusherJavaClientSuiteOnThreeNodes extends PusherJavaClientSuite {
    @Override
    protected int clientPort(int index) {
      return cluster.node(index % 3).port;
    }

    @Override
    protected int apiPort() {
      return cluster.node(2).port;
    }
  }

  @RegisterExtension
  static final ClusterNodes cluster = ClusterNodes.perClass(3);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final PusherClients clients = new PusherClients();
  private final List<com.pusher.rest.Pusher> backends = new ArrayList<>();

  @AfterEach
  void disconnect() {
    clients.close();
    for (com.pusher.rest.Pusher b : backends) {
      try {
        b.close();
      } catch (Exception e) {
        // closing the SDK's HTTP client: nothing to do
      }
    }
  }

  private com.pusher.rest.Pusher backend(int node) {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + cluster.node(node).port);
    backend.setEncrypted(false);
    backends.add(backend);
    return backend;
  }

  private Pusher client(int node, String userId) {
    return clients.connect(cluster.node(node), userId);
  }

  @Test
  void eventsTriggeredOnOneNodeReachSubscribersOfEveryNodeOnceAndInOrder() {
    List<List<String>> got = new ArrayList<>();
    List<Channel> channels = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      List<String> events = new CopyOnWriteArrayList<>();
      got.add(events);
      Channel ch = client(node, "u" + node).subscribe("news-order", null);
      ch.bind("tick", e -> events.add(e.getData()));
      channels.add(ch);
    }
    await().atMost(WAIT).until(() -> channels.stream().allMatch(Channel::isSubscribed));
    com.pusher.rest.Pusher backend = backend(1);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Result r = backend.trigger("news-order", "tick", Map.of("n", i));
      assertThat(r.getHttpStatus()).isEqualTo(200);
      sent.add("{\"n\":" + i + "}");
    }
    for (List<String> events : got) {
      await().atMost(WAIT).until(() -> events.size() >= 30);
    }
    // a marker sent last: once every node has it, nothing more of the 30 can still be on its way
    backend.trigger("news-order", "tick", Map.of("n", "end"));
    for (List<String> events : got) {
      await().atMost(WAIT).until(() -> events.contains("{\"n\":\"end\"}"));
      assertThat(events.subList(0, 30)).containsExactlyElementsOf(sent);
      assertThat(events).hasSize(31);
    }
  }

  @Test
  void clientEventsCrossNodesAndNeverEchoToTheSender() {
    List<String> annGot = new CopyOnWriteArrayList<>();
    List<String> bobGot = new CopyOnWriteArrayList<>();
    PrivateChannel a = client(0, "ann").subscribePrivate("private-chat-x",
        PusherClients.onEvent(event -> {}));
    PrivateChannel b = client(2, "bob").subscribePrivate("private-chat-x",
        PusherClients.onEvent(event -> {}));
    a.bind("client-msg", PusherClients.onEvent(event -> annGot.add(event.getData())));
    b.bind("client-msg", PusherClients.onEvent(event -> bobGot.add(event.getData())));
    await().atMost(WAIT).until(() -> a.isSubscribed() && b.isSubscribed());
    a.trigger("client-msg", "{\"text\":\"hi\"}");
    b.trigger("client-msg", "{\"text\":\"back\"}");
    await().atMost(WAIT).until(() -> bobGot.size() == 1 && annGot.size() == 1);
    assertThat(bobGot).containsExactly("{\"text\":\"hi\"}");
    assertThat(annGot).containsExactly("{\"text\":\"back\"}");
  }

  @Test
  void socketIdExclusionHoldsAcrossNodes() {
    Pusher ann = client(0, "ann");
    Pusher bob = client(1, "bob");
    List<String> annGot = new CopyOnWriteArrayList<>();
    List<String> bobGot = new CopyOnWriteArrayList<>();
    Channel a = ann.subscribe("updates-x", null);
    Channel b = bob.subscribe("updates-x", null);
    a.bind("changed", e -> annGot.add(e.getData()));
    b.bind("changed", e -> bobGot.add(e.getData()));
    await().atMost(WAIT).until(() -> a.isSubscribed() && b.isSubscribed());
    // through the third node, excluding bob's socket (on the second)
    com.pusher.rest.Pusher backend = backend(2);
    backend.trigger("updates-x", "changed", Map.of("n", 1), bob.getConnection().getSocketId());
    backend.trigger("updates-x", "changed", Map.of("n", 2));
    await().atMost(WAIT).until(() -> annGot.size() == 2 && !bobGot.isEmpty());
    assertThat(bobGot).containsExactly("{\"n\":2}");
    assertThat(annGot).containsExactly("{\"n\":1}", "{\"n\":2}");
  }

  @Test
  void presenceMembersAreOneListForTheClusterAddedOnFirstConnectionRemovedOnLast() {
    PusherClients.Roster watcher = new PusherClients.Roster();
    PresenceChannel w = client(0, "carol").subscribePresence("presence-lobby", watcher);
    await().atMost(WAIT).until(w::isSubscribed);
    assertThat(watcher.initial).extracting(User::getId).containsExactly("carol");

    Pusher annOn1 = client(1, "ann");
    PresenceChannel a1 = annOn1.subscribePresence("presence-lobby");
    await().atMost(WAIT).until(a1::isSubscribed);
    await().atMost(WAIT).until(() -> watcher.log.contains("+ann"));
    assertThat(a1.getUsers()).extracting(User::getId).containsExactlyInAnyOrder("carol", "ann");
    assertThat(a1.getUsers()).filteredOn(u -> u.getId().equals("carol"))
        .extracting(User::getInfo).containsExactly("{\"name\":\"carol\"}");

    // ann's second connection, on the third node: no second member_added
    Pusher annOn2 = client(2, "ann");
    PresenceChannel a2 = annOn2.subscribePresence("presence-lobby");
    await().atMost(WAIT).until(a2::isSubscribed);
    assertThat(a2.getUsers()).extracting(User::getId).containsExactlyInAnyOrder("carol", "ann");

    // the cluster-wide HTTP API, asked on a node where ann has no connection
    com.pusher.rest.Pusher backend = backend(0);
    Result info = backend.get("/channels/presence-lobby",
        Map.of("info", "user_count,subscription_count"));
    assertThat(info.getMessage()).isEqualTo(
        "{\"occupied\":true,\"user_count\":2,\"subscription_count\":3}");
    assertThat(backend.get("/channels/presence-lobby/users").getMessage())
        .contains("{\"id\":\"ann\"}").contains("{\"id\":\"carol\"}");
    assertThat(backend.get("/channels", Map.of("filter_by_prefix", "presence-lobby",
        "info", "user_count")).getMessage())
        .isEqualTo("{\"channels\":{\"presence-lobby\":{\"user_count\":2}}}");

    // closing one of ann's two connections removes nothing; the last one does, once
    annOn1.disconnect();
    await().atMost(WAIT).until(() -> "{\"occupied\":true,\"user_count\":2,\"subscription_count\":2}"
        .equals(backend.get("/channels/presence-lobby",
            Map.of("info", "user_count,subscription_count")).getMessage()));
    annOn2.disconnect();
    await().atMost(WAIT).until(() -> watcher.log.contains("-ann"));
    assertThat(watcher.log).containsExactly("+ann", "-ann");
    assertThat(backend.get("/channels/presence-lobby/users").getMessage())
        .isEqualTo("{\"users\":[{\"id\":\"carol\"}]}");
  }

  @Test
  void terminateConnectionsClosesTheUsersConnectionsOnEveryNode() {
    Pusher dan0 = client(0, "dan");
    Pusher dan2 = client(2, "dan");
    Pusher eve = client(1, "eve");
    for (Pusher p : List.of(dan0, dan2, eve)) {
      p.signin();
    }
    await().atMost(WAIT).until(() -> "dan".equals(dan0.user().userId())
        && "dan".equals(dan2.user().userId()) && "eve".equals(eve.user().userId()));
    List<String> closed = new CopyOnWriteArrayList<>();
    for (Pusher p : List.of(dan0, dan2)) {
      p.getConnection().bind(ConnectionState.DISCONNECTED, listener(c -> closed.add("dan")));
    }
    Result r = backend(1).post("/users/dan/terminate_connections", "{}");
    assertThat(r.getHttpStatus()).isEqualTo(200);
    await().atMost(WAIT).until(() -> dan0.getConnection().getState() != ConnectionState.CONNECTED
        && dan2.getConnection().getState() != ConnectionState.CONNECTED);
    assertThat(eve.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
  }

  @Test
  void eventsToAUserReachItsConnectionsOnAnyNode() {
    Pusher fay = client(2, "fay");
    List<String> got = new CopyOnWriteArrayList<>();
    fay.signin();
    fay.user().bind("nudge", e -> got.add(e.getData()));
    await().atMost(WAIT).until(() -> "fay".equals(fay.user().userId()));
    com.pusher.rest.Pusher backend = backend(0);
    await().atMost(WAIT).until(() -> {
      backend.post("/events", "{\"name\":\"nudge\",\"channels\":[\"#server-to-user-fay\"],"
          + "\"data\":\"{\\\"n\\\":1}\"}");
      return !got.isEmpty();
    });
    assertThat(got.get(0)).isEqualTo("{\"n\":1}");
  }

  @Test
  void aUserIsOnlineOnEveryNodeWhileItHasASessionOnAnyNode() throws Exception {
    // an HTTP heartbeat on one node
    ClusterNodes.function(cluster.node(0), "mutation", "presence:heartbeat", "{\"userId\":\"hal\"}");
    await().atMost(WAIT).until(() -> ClusterNodes.online(cluster.node(1), "hal")
        && ClusterNodes.online(cluster.node(2), "hal"));
    // a Pusher connection signed in on another
    Pusher ivy = client(2, "ivy");
    ivy.signin();
    await().atMost(WAIT).until(() -> "ivy".equals(ivy.user().userId()));
    await().atMost(WAIT).until(() -> ClusterNodes.online(cluster.node(0), "ivy"));
    // a second connection elsewhere: still online when the first goes
    Pusher ivyAgain = client(1, "ivy");
    ivyAgain.signin();
    await().atMost(WAIT).until(() -> "ivy".equals(ivyAgain.user().userId()));
    ivy.disconnect();
    // hal's session ends on its node, and is seen offline on another ...
    ClusterNodes.function(cluster.node(0), "mutation", "presence:setOffline", "{\"userId\":\"hal\"}");
    await().atMost(WAIT).until(() -> !ClusterNodes.online(cluster.node(1), "hal"));
    // ... while ivy, still connected to node 1, stays online everywhere
    assertThat(ClusterNodes.online(cluster.node(0), "ivy")).isTrue();
    ivyAgain.disconnect();
    await().atMost(WAIT).until(() -> !ClusterNodes.online(cluster.node(0), "ivy")
        && !ClusterNodes.online(cluster.node(2), "ivy"));
    assertThat(ClusterNodes.function(cluster.node(0), "query", "presence:getUserPresence",
        "{\"userId\":\"ivy\"}").get("lastSeen").asLong()).isPositive();
  }

  @Test
  void readinessSaysTheNodeIsInTheCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(ClusterNodes.get(cluster.node(i), "/ready").statusCode()).isEqualTo(200);
    }
  }

  private static ConnectionEventListener listener(Consumer<ConnectionStateChange> onChange) {
    return new ConnectionEventListener() {
      @Override
      public void onConnectionStateChange(ConnectionStateChange change) {
        onChange.accept(change);
      }

      @Override
      public void onError(String message, String code, Exception e) {}
    };
  }
}
