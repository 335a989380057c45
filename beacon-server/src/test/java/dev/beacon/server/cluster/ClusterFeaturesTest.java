package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The built-in functions' state that lives in memory behaves in a cluster as on one node (three
 * processes; every call through a different node than the one that reads): room members and
 * their data, leaving a room, typing, a chosen status, {@code setOffline}; and a node killed
 * with {@code kill -9} has its room members and typists removed everywhere within 10 s.
 *
 * <p>The typing TTL is 30 s and the presence TTL 60 s here, so that nothing in these tests goes
 * by expiry: a stop or leave is seen on other nodes because it was carried there. A presence
 * channel takes 3 members.
 */
class ClusterFeaturesTest {

  private static final Duration CARRIED = Duration.ofSeconds(5);
  /** max_presence_members here: no other test puts more than two users in a channel. */
  private static final int MAX_MEMBERS = 3;
  @RegisterExtension
  static final ClusterNodes cluster =
      ClusterNodes.perClass(3, Map.of("BEACON_APPS_0_TYPING_TTL_SECONDS", "30",
          "BEACON_APPS_0_MAX_PRESENCE_MEMBERS", String.valueOf(MAX_MEMBERS)));

  private static ClusterNodes.Node n(int i) {
    return cluster.node(i);
  }

  private static JsonNode call(ClusterNodes.Node node, String kind, String path, String args)
      throws Exception {
    return ClusterNodes.function(node, kind, path, args);
  }

  /** rooms:list on a node (as the backend): user id to data, online members only. */
  private static Map<String, String> present(ClusterNodes.Node node, String room)
      throws Exception {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (JsonNode m : call(node, "query", "rooms:list", "{\"roomId\":\"" + room + "\"}")) {
      if (m.path("online").asBoolean()) {
        out.put(m.path("userId").asText(), Json.write(m.get("data")));
      }
    }
    return out;
  }

  private static List<String> typing(ClusterNodes.Node node, String room, String viewer)
      throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode t : call(node, "query", "typing:getTypingInChatroom",
        "{\"chatroomId\":\"" + room + "\",\"userId\":\"" + viewer + "\"}")) {
      out.add(t.path("userId").asText());
    }
    return out;
  }

  @Test
  void roomMembersAndTheirDataAreTheClustersOnEveryNode() throws Exception {
    call(n(0), "mutation", "rooms:heartbeat",
        "{\"roomId\":\"lobby\",\"userId\":\"alice\",\"data\":{\"mood\":1}}");
    call(n(1), "mutation", "rooms:heartbeat", "{\"roomId\":\"lobby\",\"userId\":\"bob\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "lobby").equals(
          Map.of("alice", "{\"mood\":1}", "bob", "null")));
      assertThat(call(node, "query", "rooms:listUser", "{\"userId\":\"alice\"}").toString())
          .contains("lobby");
    }
    // alice's next heartbeat reaches another node (no sticky sessions): her data moves everywhere
    call(n(2), "mutation", "rooms:heartbeat",
        "{\"roomId\":\"lobby\",\"userId\":\"alice\",\"data\":{\"mood\":2}}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> "{\"mood\":2}".equals(
          present(node, "lobby").get("alice")));
    }
    // she leaves through a third node: her sessions on the other two end, not 60 s later
    call(n(1), "mutation", "rooms:leave", "{\"roomId\":\"lobby\",\"userId\":\"alice\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "lobby").keySet()
          .equals(java.util.Set.of("bob")));
    }
    // the visit is stored once, by the node whose change ended it: she is listed as a past member
    await().atMost(CARRIED).until(() -> {
      JsonNode list = call(n(2), "query", "rooms:list", "{\"roomId\":\"lobby\"}");
      for (JsonNode m : list) {
        if (m.path("userId").asText().equals("alice")) {
          return !m.path("online").asBoolean() && m.path("data").path("mood").asInt() == 2;
        }
      }
      return false;
    });
  }

  @Test
  void aRoomHeartbeatIntoAFullRoomIsRefusedAsOnOneNodeAndLeavesNothingBehind() throws Exception {
    // filled through the three nodes
    for (int i = 0; i < MAX_MEMBERS; i++) {
      call(n(i), "mutation", "rooms:heartbeat", "{\"roomId\":\"full\",\"userId\":\"f" + i + "\"}");
    }
    java.util.Set<String> members = java.util.Set.of("f0", "f1", "f2");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "full").keySet().equals(members));
    }
    // a user new to the room is refused through every node, with one node's error
    for (int i = 0; i < 3; i++) {
      java.net.http.HttpResponse<String> r = ClusterNodes.post(n(i), "/api/mutation",
          "{\"path\":\"rooms:heartbeat\",\"args\":{\"roomId\":\"full\",\"userId\":\"late\"}}",
          "Convex app-secret");
      JsonNode body = Json.parse(r.body());
      assertThat(body.path("status").asText()).as(r.body()).isEqualTo("error");
      assertThat(body.path("errorMessage").asText())
          .isEqualTo("Forbidden: room 'full' is full (3 members)");
      assertThat(body.path("errorData").path("code").asText()).isEqualTo("FORBIDDEN");
    }
    // and is nothing anywhere: not a member, not in the cluster's roster, not online
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      assertThat(present(node, "full").keySet()).isEqualTo(members);
      assertThat(call(node, "query", "rooms:listUser", "{\"userId\":\"late\"}")).isEmpty();
      assertThat(ClusterNodes.online(node, "late")).isFalse();
    }
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + n(2).port);
    backend.setEncrypted(false);
    try {
      assertThat(backend.get("/channels/presence-room-full/users").getMessage())
          .doesNotContain("late").contains("f0").contains("f1").contains("f2");
    } finally {
      backend.close();
    }
    // a member's renewed heartbeat still succeeds, also through a node that does not hold it
    JsonNode renewed = call(n(1), "mutation", "rooms:heartbeat",
        "{\"roomId\":\"full\",\"userId\":\"f0\",\"data\":{\"v\":2}}");
    assertThat(renewed.path("online").asBoolean()).isTrue();
    call(n(0), "mutation", "rooms:heartbeat", "{\"roomId\":\"full\",\"userId\":\"f0\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "full").keySet().equals(members)
          && "{\"v\":2}".equals(present(node, "full").get("f0")));
    }
    // once a member leaves, the user who was refused gets in (through the node that refused it)
    call(n(2), "mutation", "rooms:leave", "{\"roomId\":\"full\",\"userId\":\"f2\"}");
    await().atMost(CARRIED).until(() -> !present(n(0), "full").containsKey("f2"));
    call(n(0), "mutation", "rooms:heartbeat", "{\"roomId\":\"full\",\"userId\":\"late\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "full").keySet()
          .equals(java.util.Set.of("f0", "f1", "late")) && ClusterNodes.online(node, "late"));
    }
  }

  @Test
  void typingStartedOnOneNodeIsSeenOnTheOthersAndStopsEverywhere() throws Exception {
    call(n(0), "mutation", "typing:startTyping", "{\"chatroomId\":\"t1\",\"userId\":\"cid\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> typing(node, "t1", "viewer").equals(List.of("cid")));
    }
    // a refresh through another node keeps one typist
    call(n(1), "mutation", "typing:startTyping", "{\"chatroomId\":\"t1\",\"userId\":\"cid\"}");
    call(n(2), "mutation", "typing:startTyping", "{\"chatroomId\":\"t1\",\"userId\":\"dee\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> typing(node, "t1", "viewer").equals(List.of("cid", "dee")));
    }
    call(n(2), "mutation", "typing:stopTyping", "{\"chatroomId\":\"t1\",\"userId\":\"cid\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> typing(node, "t1", "viewer").equals(List.of("dee")));
    }
  }

  @Test
  void aStatusChosenThroughOneNodeIsEveryNodesAndSetOfflineEndsEverySession() throws Exception {
    call(n(0), "mutation", "presence:heartbeat", "{\"userId\":\"eve\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> ClusterNodes.online(node, "eve"));
      // read once on every node while online, so each holds her state in memory
      assertThat(call(node, "query", "presence:getUserPresence", "{\"userId\":\"eve\"}")
          .path("status").asText()).isEqualTo("online");
    }
    call(n(1), "mutation", "presence:updatePresence",
        "{\"userId\":\"eve\",\"status\":\"away\",\"statusMessage\":\"lunch\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> {
        JsonNode p = call(node, "query", "presence:getUserPresence", "{\"userId\":\"eve\"}");
        return p.path("status").asText().equals("away")
            && p.path("statusMessage").asText().equals("lunch");
      });
    }
    call(n(1), "mutation", "presence:updatePresence", "{\"userId\":\"eve\",\"status\":\"online\"}");
    // heartbeats spread over two nodes; setOffline through the third ends them all
    call(n(1), "mutation", "presence:heartbeat", "{\"userId\":\"eve\"}");
    call(n(2), "mutation", "presence:setOffline", "{\"userId\":\"eve\",\"all\":true}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> !ClusterNodes.online(node, "eve"));
    }
    // and a heartbeat through any node brings her back everywhere
    call(n(0), "mutation", "presence:heartbeat", "{\"userId\":\"eve\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> ClusterNodes.online(node, "eve"));
    }
  }

  @Test
  void aNodeStartedLaterHasTheTypistsAndTheRoomMembersLatestData() throws Exception {
    call(n(0), "mutation", "rooms:heartbeat",
        "{\"roomId\":\"later\",\"userId\":\"hal\",\"data\":{\"v\":1}}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "later").equals(Map.of("hal", "{\"v\":1}")));
    }
    // her data changes through another node after she joined (and after every node heard the
    // join: writes through two nodes are ordered by when they reach Redis)
    call(n(1), "mutation", "rooms:heartbeat",
        "{\"roomId\":\"later\",\"userId\":\"hal\",\"data\":{\"v\":2}}");
    call(n(2), "mutation", "typing:startTyping", "{\"chatroomId\":\"later\",\"userId\":\"ivy\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "later").equals(Map.of("hal", "{\"v\":2}"))
          && typing(node, "later", "v").equals(List.of("ivy")));
    }
    ClusterNodes.Node late = cluster.add("n8", Map.of("BEACON_APPS_0_TYPING_TTL_SECONDS", "30"));
    try {
      // nothing changes after it started: what it shows it read from Redis on registering
      await().atMost(CARRIED).until(() -> present(late, "later").equals(Map.of("hal", "{\"v\":2}"))
          && typing(late, "later", "v").equals(List.of("ivy")));
      JsonNode typist = call(late, "query", "typing:getTypingInChatroom",
          "{\"chatroomId\":\"later\",\"userId\":\"v\"}").get(0);
      // the deadline came with it (30 s from the start, less the time since)
      assertThat(typist.path("expiresAt").asLong() - System.currentTimeMillis())
          .isBetween(1L, 30_000L);
      // and from then on it follows the cluster: a stop and a change through other nodes
      call(n(0), "mutation", "typing:stopTyping", "{\"chatroomId\":\"later\",\"userId\":\"ivy\"}");
      call(n(2), "mutation", "rooms:heartbeat",
          "{\"roomId\":\"later\",\"userId\":\"hal\",\"data\":{\"v\":3}}");
      await().atMost(CARRIED).until(() -> typing(late, "later", "v").isEmpty()
          && present(late, "later").equals(Map.of("hal", "{\"v\":3}")));
    } finally {
      late.stop();
    }
  }

  @Test
  void aCacheChannelsEventTriggeredOnOneNodeIsReplayedOnAnotherTheMomentTheTriggerIsAnswered()
      throws Exception {
    // every round: trigger through one node, and on its answer subscribe on the next with a
    // raw socket (no client library in between to lose time): the event, once, no cache_miss
    List<List<String>> sockets = new ArrayList<>();
    List<java.net.http.WebSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        String channel = "cache-round-" + i;
        // connected before the trigger, so the subscription goes out right after its answer
        List<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.net.http.WebSocket ws = ClusterNodes.HTTP.newWebSocketBuilder().buildAsync(
            java.net.URI.create("ws://127.0.0.1:" + n((i + 1) % 3).port + "/app/app-key?protocol=7"),
            new java.net.http.WebSocket.Listener() {
              @Override
              public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket,
                  CharSequence data, boolean last) {
                frames.add(data.toString());
                socket.request(1);
                return null;
              }
            }).get(10, TimeUnit.SECONDS);
        open.add(ws);
        sockets.add(frames);
        await().atMost(CARRIED).until(() -> frames.stream()
            .anyMatch(f -> f.contains("pusher:connection_established")));
        assertThat(trigger(n(i % 3), channel, i)).isEqualTo(200);
        ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel
            + "\"}}", true).get(10, TimeUnit.SECONDS);
        await().atMost(CARRIED).until(() -> frames.stream().anyMatch(
            f -> f.contains("\"state\"") || f.contains("pusher:cache_miss")));
      }
      for (int i = 0; i < sockets.size(); i++) {
        List<String> frames = sockets.get(i);
        String data = "{\\\"v\\\":" + i + "}";
        assertThat(frames).as("round %d", i).noneMatch(f -> f.contains("pusher:cache_miss"));
        assertThat(frames.stream().filter(f -> f.contains("\"state\"")).toList())
            .as("round %d", i).hasSize(1).allMatch(f -> f.contains(data));
      }
    } finally {
      for (java.net.http.WebSocket ws : open) {
        ws.abort();
      }
    }
  }

  /** POST /events through the Pusher HTTP SDK: its status. */
  private static int trigger(ClusterNodes.Node node, String channel, int v) throws Exception {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + node.port);
    backend.setEncrypted(false);
    try {
      return backend.trigger(channel, "state", Map.of("v", v)).getHttpStatus();
    } finally {
      backend.close();
    }
  }

  @Test
  void aUsersRateLimitIsCountedForTheClusterWhicheverNodesItsCallsReach() throws Exception {
    // heartbeats_per_second is 5 (the default): a burst spread over three nodes gets 5 calls
    // (plus what refills while it lasts), not 5 per node
    int accepted = 0;
    long began = System.nanoTime();
    for (int i = 0; i < 30; i++) {
      java.net.http.HttpResponse<String> r = ClusterNodes.post(n(i % 3), "/api/mutation",
          "{\"path\":\"presence:heartbeat\",\"args\":{\"userId\":\"rl\"}}", "Convex app-secret");
      if (Json.parse(r.body()).path("status").asText().equals("success")) {
        accepted++;
      } else {
        assertThat(r.body()).contains("Rate limited: heartbeats are accepted at most 5 times");
      }
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    System.out.println("rate limit 5/s: " + accepted + " of 30 heartbeats over 3 nodes accepted in "
        + millis + " ms");
    assertThat(accepted).isBetween(5, 5 + (int) Math.ceil(5 * millis / 1000.0));
    // refused calls took no token: a second later the bucket is full again, for any node
    Thread.sleep(1000);
    for (int i = 0; i < 5; i++) {
      call(n(i % 3), "mutation", "presence:heartbeat", "{\"userId\":\"rl\"}");
    }
  }

  @Test
  void aNodeStartedLaterHasTheCacheChannelsLastEventAndWhenKilledItsRoomMembersAndTypistsGo()
      throws Exception {
    // published before the node exists: it reads the last event from Redis when it registers
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + n(1).port);
    backend.setEncrypted(false);
    assertThat(backend.trigger("cache-scores", "score", Map.of("v", 7)).getHttpStatus())
        .isEqualTo(200);
    backend.close();
    ClusterNodes.Node doomed = cluster.add("n9", Map.of("BEACON_APPS_0_TYPING_TTL_SECONDS", "30"));
    try (PusherClients clients = new PusherClients()) {
      List<String> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();
      com.pusher.client.channel.Channel scores = clients.connect(doomed, "late")
          .subscribe("cache-scores", null);
      scores.bind("score", e -> replayed.add(e.getData()));
      await().atMost(PusherClients.WAIT).until(() -> replayed.contains("{\"v\":7}"));
    }
    call(doomed, "mutation", "rooms:heartbeat", "{\"roomId\":\"doom\",\"userId\":\"fay\"}");
    call(doomed, "mutation", "typing:startTyping", "{\"chatroomId\":\"doom\",\"userId\":\"fay\"}");
    call(n(0), "mutation", "rooms:heartbeat", "{\"roomId\":\"doom\",\"userId\":\"gus\"}");
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(CARRIED).until(() -> present(node, "doom").containsKey("fay")
          && typing(node, "doom", "v").equals(List.of("fay")));
    }
    long killed = System.nanoTime();
    doomed.kill();
    for (int i = 0; i < 3; i++) {
      ClusterNodes.Node node = n(i);
      await().atMost(Duration.ofSeconds(15)).until(() -> present(node, "doom").keySet()
          .equals(java.util.Set.of("gus")) && typing(node, "doom", "v").isEmpty());
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
    System.out.println("kill -9 -> room member and typist gone on every node: " + millis + " ms");
    assertThat(millis).isLessThan(10_000);
  }
}
