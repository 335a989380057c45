package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away and comes back empty (a restart without persistence), under two nodes with
 * clients: meanwhile {@code /ready} says why it is not ready, local delivery goes on and cluster
 * calls fail at once; afterwards delivery between nodes resumes and each node has put its own
 * members back. The test runs its own Redis server on a free port, so that it can kill it.
 */
class ClusterRedisOutageTest {

  @Test
  void aRedisRestartIsSurvivedWithLocalDeliveryMeanwhileAndMembersReRegisteredAfter()
      throws Exception {
    int redisPort;
    try (ServerSocket s = new ServerSocket(0)) {
      redisPort = s.getLocalPort();
    }
    Process redis = startRedis(redisPort);
    try (ClusterNodes cluster = ClusterNodes.start(2, "redis://127.0.0.1:" + redisPort + "/0");
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

      redis.destroyForcibly();
      redis.waitFor(10, TimeUnit.SECONDS);

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
      PresenceChannelEventListener errorsOnly = new PresenceChannelEventListener() {
        @Override
        public void onUsersInformationReceived(String channelName, Set<User> u) {}

        @Override
        public void userSubscribed(String channelName, User user) {}

        @Override
        public void userUnsubscribed(String channelName, User user) {}

        @Override
        public void onAuthenticationFailure(String message, Exception e) {}

        @Override
        public void onSubscriptionSucceeded(String channelName) {}

        @Override
        public void onEvent(PusherEvent event) {
          if (event.getEventName().equals("pusher:subscription_error")) {
            errors.add(event.getData());
          }
        }
      };
      PresenceChannel refused = clients.connect(n0, "eve").subscribePresence("presence-later",
          errorsOnly);
      refused.bind("pusher:subscription_error", errorsOnly);
      await().atMost(PusherClients.WAIT).until(() -> !errors.isEmpty());
      assertThat(errors.get(0)).contains("ClusterUnavailable").contains("503");

      // Redis is back, empty
      redis = startRedis(redisPort);
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
      backend0.close();
      backend1.close();
    } finally {
      redis.destroyForcibly();
      redis.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process startRedis(int port) throws Exception {
    Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return p;
      } catch (java.io.IOException e) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("redis-server did not start on port " + port);
  }

  private static com.pusher.rest.Pusher backend(ClusterNodes.Node node) {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + node.port);
    backend.setEncrypted(false);
    return backend;
  }
}
