package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PresenceChannelEventListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away and comes back empty (a restart without persistence), under two nodes with
 * clients: meanwhile {@code /ready} says why it is not ready, local delivery goes on and cluster
 * calls fail at once; afterwards delivery between nodes resumes and each node has put its own
 * members back. The test runs its own Redis server, so that it can kill it, behind a relay
 * ({@link RedisRelay}) whose port stays the nodes' for the whole test: the Redis started again
 * takes whatever port is free then, and the relay sends the nodes' new connections there.
 */
class ClusterRedisOutageTest {

  @Test
  void aRedisRestartIsSurvivedWithLocalDeliveryMeanwhileAndMembersReRegisteredAfter()
      throws Exception {
    Redis redis = Redis.start();
    RedisRelay relay = new RedisRelay(redis.port);
    try (relay; ClusterNodes cluster = ClusterNodes.start(2, relay.url());
         PusherClients clients = new PusherClients()) {
      ClusterNodes.Node n0 = cluster.node(0);
      ClusterNodes.Node n1 = cluster.node(1);
      PresenceChannel ann = clients.connect(n0, "ann").subscribePresence("presence-out");
      PresenceChannel bob = clients.connect(n1, "bob").subscribePresence("presence-out");
      List<String> local = new CopyOnWriteArrayList<>();
      List<String> remote = new CopyOnWriteArrayList<>();
      Channel onN0 = clients.connect(n0, "carl").subscribe("feed", null);
      Channel onN1 = clients.connect(n1, "dora").subscribe("feed", null);
      onN0.bind("item", e -> local.add(e.getData()));
      onN1.bind("item", e -> remote.add(e.getData()));
      await().atMost(PusherClients.WAIT).until(() -> ann.isSubscribed() && bob.isSubscribed()
          && onN0.isSubscribed() && onN1.isSubscribed());
      await().atMost(PusherClients.WAIT).until(() -> ann.getUsers().size() == 2);

      // a room member on n1 whose data changed after she joined
      ClusterNodes.function(n1, "mutation", "rooms:heartbeat",
          "{\"roomId\":\"out\",\"userId\":\"hal\",\"data\":{\"v\":1}}");
      ClusterNodes.function(n1, "mutation", "rooms:heartbeat",
          "{\"roomId\":\"out\",\"userId\":\"hal\",\"data\":{\"v\":2}}");
      await().atMost(PusherClients.WAIT).until(() -> roomData(n0, "out", "hal").equals("{\"v\":2}"));

      redis.kill();

      // not ready, with the reason; alive
      await().atMost(Duration.ofSeconds(10)).until(() -> ClusterNodes.get(n0, "/ready").statusCode() == 503);
      HttpResponse<String> ready = ClusterNodes.get(n0, "/ready");
      assertThat(ready.body()).contains("NOT_READY").contains("CLUSTER");
      assertThat(ClusterNodes.get(n0, "/health").statusCode()).isEqualTo(200);

      // local delivery keeps working
      com.pusher.rest.Pusher backend0 = backend(n0);
      assertThat(backend0.trigger("feed", "item", Map.of("n", 1)).getHttpStatus()).isEqualTo(200);
      await().atMost(PusherClients.WAIT).until(() -> local.contains("{\"n\":1}"));

      // what needs the cluster fails at once, with the reason
      long asked = System.nanoTime();
      com.pusher.rest.data.Result users = backend0.get("/channels/presence-out/users");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked)).isLessThan(2000);
      assertThat(users.getHttpStatus()).isEqualTo(503);
      assertThat(users.getMessage()).contains("cluster unavailable");
      List<String> errors = new CopyOnWriteArrayList<>();
      PresenceChannelEventListener errorsOnly = PusherClients.errorsOnly(errors);
      // a rate limit is counted by the node alone meanwhile (at once, not after a timeout)
      int accepted = 0;
      for (int i = 0; i < 8; i++) {
        long called = System.nanoTime();
        HttpResponse<String> r = ClusterNodes.post(n0, "/api/mutation",
            "{\"path\":\"presence:heartbeat\",\"args\":{\"userId\":\"hb\"}}",
            "Convex app-secret");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - called)).isLessThan(2000);
        accepted += r.body().contains("\"success\"") ? 1 : 0;
      }
      assertThat(accepted).isBetween(5, 6);
      // a room heartbeat of a user new to the node needs the cluster's roster: refused at once,
      // with the reason; a member's renewal on the node that holds her needs nothing of Redis
      long entered = System.nanoTime();
      HttpResponse<String> joining = ClusterNodes.post(n0, "/api/mutation",
          "{\"path\":\"rooms:heartbeat\",\"args\":{\"roomId\":\"out\",\"userId\":\"ned\"}}",
          "Convex app-secret");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - entered)).isLessThan(2000);
      assertThat(joining.body()).contains("\"UNAVAILABLE\"")
          .contains("Unavailable: room 'out' could not be entered: cluster unavailable");
      ClusterNodes.function(n1, "mutation", "rooms:heartbeat",
          "{\"roomId\":\"out\",\"userId\":\"hal\",\"data\":{\"v\":2}}");
      PresenceChannel refused = clients.connect(n0, "eve").subscribePresence("presence-later",
          errorsOnly);
      refused.bind("pusher:subscription_error", errorsOnly);
      await().atMost(PusherClients.WAIT).until(() -> !errors.isEmpty());
      assertThat(errors.get(0)).contains("ClusterUnavailable").contains("503");

      // Redis is back, empty
      redis = Redis.start();
      relay.retarget(redis.port);
      await().atMost(Duration.ofSeconds(20)).until(() -> ClusterNodes.get(n0, "/ready").statusCode() == 200
          && ClusterNodes.get(n1, "/ready").statusCode() == 200);

      // delivery between nodes resumes
      await().atMost(PusherClients.WAIT).until(() -> {
        backend0.trigger("feed", "item", Map.of("n", 2));
        return remote.contains("{\"n\":2}");
      });
      // each node put back the members it holds
      com.pusher.rest.Pusher backend1 = backend(n1);
      await().atMost(PusherClients.WAIT).until(() -> {
        String body = backend1.get("/channels/presence-out/users").getMessage();
        return body.contains("\"ann\"") && body.contains("\"bob\"");
      });
      assertThat(backend1.get("/channels/feed", Map.of("info", "subscription_count")).getMessage())
          .isEqualTo("{\"occupied\":true,\"subscription_count\":2}");
      // the room member n1 holds is back with her latest data (n1 put it back in Redis), not
      // the data she joined with
      await().atMost(PusherClients.WAIT).until(() -> roomData(n0, "out", "hal").equals("{\"v\":2}"));
      // the user refused meanwhile was put back by no node
      assertThat(roomData(n1, "out", "ned")).isEmpty();
      assertThat(roomData(n0, "out", "ned")).isEmpty();
      backend0.close();
      backend1.close();
    } finally {
      redis.kill();
    }
  }

  /** rooms:list on a node: the user's data while it is online, else "". */
  private static String roomData(ClusterNodes.Node node, String room, String user)
      throws Exception {
    for (com.fasterxml.jackson.databind.JsonNode m : ClusterNodes.function(node, "query",
        "rooms:list", "{\"roomId\":\"" + room + "\"}")) {
      if (m.path("userId").asText().equals(user) && m.path("online").asBoolean()) {
        return dev.beacon.protocol.json.Json.write(m.get("data"));
      }
    }
    return "";
  }

  /** A redis-server of the test's own, without persistence. */
  private record Redis(Process process, int port) {

    /**
     * Starts one on a port the OS had free, and tries another if something took that port
     * before redis-server bound it (known from what it prints: ready, or gone).
     */
    static Redis start() throws Exception {
      String last = "";
      for (int attempt = 0; attempt < 5; attempt++) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
          said.append(line).append('\n');
          if (line.contains("Ready to accept connections")) {
            Thread drain = new Thread(() -> {
              try {
                while (out.readLine() != null) {
                  // what it says later is not needed
                }
              } catch (java.io.IOException e) {
                // gone
              }
            });
            drain.setDaemon(true);
            drain.start();
            return new Redis(p, port);
          }
        }
        // it exited without getting ready (the port was taken meanwhile): another port
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        last = said.toString();
      }
      throw new AssertionError("redis-server did not start:\n" + last);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static com.pusher.rest.Pusher backend(ClusterNodes.Node node) {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + node.port);
    backend.setEncrypted(false);
    return backend;
  }
}
