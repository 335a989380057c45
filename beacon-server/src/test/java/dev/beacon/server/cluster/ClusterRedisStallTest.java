package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.User;
import com.pusher.rest.data.Result;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis that stalls rather than going away (issue 12, "Redis trouble"): the connections stay
 * open and nothing comes back, as with {@code CLIENT PAUSE}, {@code DEBUG SLEEP}, a stopped
 * process or a failover that leaves connections half-open. Both nodes reach the shared Redis
 * through a {@link RedisRelay} that stops passing anything (the shared Redis itself is never
 * paused: other tests use it). Meanwhile {@code /ready} answers 503 with the reason within a
 * bound, local delivery goes on, what needs the cluster fails within the command timeout with
 * the reason while {@code /health} keeps answering (no thread waits on Redis); afterwards
 * {@code /ready} is 200 again, delivery between nodes resumes and the presence roster is what
 * the clients hold, with no member removed or added again on the way.
 */
class ClusterRedisStallTest {

  /** Longer than the liveness key's TTL and the probe's silence limit: both lapse. */
  private static final long STALL_MILLIS = 6000;
  /** A cluster call is answered within the command timeout; this is the bound with slack. */
  private static final long FAIL_BOUND_MILLIS = RedisClusterBus.COMMAND_TIMEOUT_MILLIS + 2000;

  private static RedisRelay relay;
  private static ClusterNodes cluster;

  @BeforeAll
  static void start() throws Exception {
    relay = new RedisRelay(6379);
    cluster = ClusterNodes.start(2, relay.url());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    relay.close();
  }

  @Test
  void aRedisThatHangsThenAnswersAgainOnTheSameConnections() throws Exception {
    stallAndRecover("paused", false);
  }

  @Test
  void connectionsLeftHangingByAStalledRedisAreGivenUpAndMadeAgain() throws Exception {
    stallAndRecover("wedged", true);
  }

  private void stallAndRecover(String name, boolean wedged) throws Exception {
    ClusterNodes.Node n0 = cluster.node(0);
    ClusterNodes.Node n1 = cluster.node(1);
    String room = "presence-stall-" + name;
    String feed = "stall-feed-" + name;
    List<com.pusher.rest.Pusher> sdks = new ArrayList<>();
    try (PusherClients clients = new PusherClients()) {
      PusherClients.Roster watcher = new PusherClients.Roster();
      PresenceChannel w = clients.connect(n0, "watcher").subscribePresence(room, watcher);
      await().atMost(PusherClients.WAIT).until(w::isSubscribed);
      PresenceChannel bob = clients.connect(n1, "bob").subscribePresence(room);
      List<String> onN0 = new CopyOnWriteArrayList<>();
      List<String> onN1 = new CopyOnWriteArrayList<>();
      Channel c0 = clients.connect(n0, "carl").subscribe(feed, null);
      Channel c1 = clients.connect(n1, "dora").subscribe(feed, null);
      c0.bind("item", e -> onN0.add(e.getData()));
      c1.bind("item", e -> onN1.add(e.getData()));
      await().atMost(PusherClients.WAIT).until(() -> bob.isSubscribed() && c0.isSubscribed()
          && c1.isSubscribed() && watcher.log.contains("+bob"));
      com.pusher.rest.Pusher backend0 = sdk(n0, sdks);
      com.pusher.rest.Pusher backend1 = sdk(n1, sdks);
      await().atMost(PusherClients.WAIT).until(() -> {
        backend0.trigger(feed, "item", Map.of("n", 0));
        return onN1.contains("{\"n\":0}");
      });

      int subscriptionsBefore = relay.subscribedConnections();
      long stalled = System.nanoTime();
      relay.stall();

      // not ready, with the reason, within a bound; alive
      await().atMost(Duration.ofSeconds(15)).until(() -> ClusterNodes.get(n0, "/ready").statusCode() == 503
          && ClusterNodes.get(n1, "/ready").statusCode() == 503);
      long notReady = millisSince(stalled);
      HttpResponse<String> ready = ClusterNodes.get(n0, "/ready");
      System.out.println("Redis stalled (" + name + ") -> /ready 503 on both nodes after " + notReady
          + " ms: " + ready.body());
      assertThat(ready.body()).contains("NOT_READY").contains("CLUSTER").contains("Redis");
      assertThat(notReady).isLessThan(RedisClusterBus.TICK_MILLIS + FAIL_BOUND_MILLIS);

      // what needs the cluster fails within the bound with the reason, ten calls at once, and
      // meanwhile the node answers what does not need Redis at once: no thread waits on it
      ExecutorService pool = Executors.newFixedThreadPool(10);
      try {
        List<Future<long[]>> calls = new ArrayList<>();
        List<com.pusher.rest.Pusher> callers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          callers.add(sdk(n0, sdks));
        }
        for (com.pusher.rest.Pusher caller : callers) {
          calls.add(pool.submit(() -> {
            long asked = System.nanoTime();
            Result users = caller.get("/channels/" + room + "/users");
            assertThat(users.getMessage()).contains("cluster unavailable");
            return new long[] {users.getHttpStatus(), millisSince(asked)};
          }));
        }
        Thread.sleep(200); // the calls are waiting on Redis now
        long asked = System.nanoTime();
        assertThat(ClusterNodes.get(n0, "/health").statusCode()).isEqualTo(200);
        long health = millisSince(asked);
        asked = System.nanoTime();
        assertThat(backend0.trigger(feed, "item", Map.of("n", 1)).getHttpStatus()).isEqualTo(200);
        long trigger = millisSince(asked);
        long slowest = 0;
        for (Future<long[]> f : calls) {
          long[] r = f.get(30, TimeUnit.SECONDS);
          assertThat(r[0]).isEqualTo(503);
          slowest = Math.max(slowest, r[1]);
        }
        System.out.println("Redis stalled (" + name + "): /health in " + health + " ms and an "
            + "event published in " + trigger + " ms while 10 /users calls waited; they answered "
            + "503 within " + slowest + " ms");
        assertThat(health).isLessThan(1000);
        assertThat(trigger).isLessThan(1000);
        assertThat(slowest).isLessThan(FAIL_BOUND_MILLIS);
      } finally {
        pool.shutdownNow();
      }
      // local delivery keeps working
      await().atMost(PusherClients.WAIT).until(() -> onN0.contains("{\"n\":1}"));

      // a presence subscription is refused with the reason, within the bound
      List<String> errors = new CopyOnWriteArrayList<>();
      long asked = System.nanoTime();
      PresenceChannel refused = clients.connect(n0, "eve").subscribePresence(room + "-later",
          PusherClients.errorsOnly(errors));
      refused.bind("pusher:subscription_error", PusherClients.errorsOnly(errors));
      await().atMost(PusherClients.WAIT).until(() -> !errors.isEmpty());
      assertThat(errors.get(0)).contains("ClusterUnavailable").contains("503");
      assertThat(millisSince(asked)).isLessThan(FAIL_BOUND_MILLIS + 2000);
      // so is a room heartbeat of a user new to the cluster (it needs the cluster's roster)
      asked = System.nanoTime();
      HttpResponse<String> entering = ClusterNodes.post(n0, "/api/mutation",
          "{\"path\":\"rooms:heartbeat\",\"args\":{\"roomId\":\"stall-" + name
              + "\",\"userId\":\"gil\"}}", "Convex app-secret");
      long entered = millisSince(asked);
      System.out.println("Redis stalled (" + name + "): a room heartbeat refused in " + entered
          + " ms: " + entering.body());
      assertThat(entering.body()).contains("\"UNAVAILABLE\"").contains("cluster unavailable");
      assertThat(entered).isLessThan(FAIL_BOUND_MILLIS);

      long left = STALL_MILLIS - millisSince(stalled);
      if (left > 0) {
        Thread.sleep(left);
      }
      assertThat(ClusterNodes.get(n1, "/ready").statusCode()).isEqualTo(503);
      long resumed = System.nanoTime();
      int held = relay.resume(wedged);
      assertThat(held).isPositive();

      // ready again, delivery between the nodes both ways, the roster as the clients hold it
      await().atMost(Duration.ofSeconds(30)).until(() -> ClusterNodes.get(n0, "/ready").statusCode() == 200
          && ClusterNodes.get(n1, "/ready").statusCode() == 200);
      System.out.println("Redis back (" + name + ") -> /ready 200 on both nodes after "
          + millisSince(resumed) + " ms");
      await().atMost(PusherClients.WAIT).until(() -> {
        backend0.trigger(feed, "item", Map.of("n", 2));
        return onN1.contains("{\"n\":2}");
      });
      await().atMost(PusherClients.WAIT).until(() -> {
        backend1.trigger(feed, "item", Map.of("n", 3));
        return onN0.contains("{\"n\":3}");
      });
      await().atMost(PusherClients.WAIT).until(() -> backend1.get("/channels/" + room,
          Map.of("info", "user_count,subscription_count")).getMessage()
          .equals("{\"occupied\":true,\"user_count\":2,\"subscription_count\":2}"));
      assertThat(backend0.get("/channels/" + feed, Map.of("info", "subscription_count")).getMessage())
          .isEqualTo("{\"occupied\":true,\"subscription_count\":2}");
      // a presence subscription made now is in the same roster on both nodes
      PresenceChannel late = clients.connect(n1, "finn").subscribePresence(room);
      await().atMost(PusherClients.WAIT).until(() -> late.isSubscribed() && watcher.log.contains("+finn"));
      assertThat(late.getUsers()).extracting(User::getId)
          .containsExactlyInAnyOrder("watcher", "bob", "finn");
      // the room heartbeat refused meanwhile left no member behind
      assertThat(ClusterNodes.function(n1, "query", "rooms:list",
          "{\"roomId\":\"stall-" + name + "\"}").toString()).doesNotContain("gil");
      // nobody left the room meanwhile, so nobody was removed and added again
      assertThat(watcher.log).containsExactly("+bob", "+finn");
      // each node gave its silent subscription up and made another
      assertThat(relay.subscribedConnections()).isGreaterThanOrEqualTo(subscriptionsBefore + 2);
    } finally {
      for (com.pusher.rest.Pusher sdk : sdks) {
        sdk.close();
      }
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static com.pusher.rest.Pusher sdk(ClusterNodes.Node node, List<com.pusher.rest.Pusher> all) {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + node.port);
    backend.setEncrypted(false);
    all.add(backend);
    return backend;
  }
}
