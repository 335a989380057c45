package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.Pusher;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.User;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node that dies ({@code kill -9}) or stops: its members leave the other nodes' lists, once,
 * within the bound (10 s after a kill; at once after a graceful stop), and what the other nodes
 * hold stays.
 */
class ClusterNodeLossTest {

  @RegisterExtension
  static final ClusterNodes cluster = ClusterNodes.perClass(3);

  @Test
  void killMinus9RemovesTheDeadNodesMembersFromEveryOtherNodeWithinTenSeconds() throws Exception {
    try (PusherClients clients = new PusherClients()) {
      PusherClients.Roster watcher = watch(clients, "watcher", "presence-kill");
      // ann only on the node that dies; bob there and on a survivor
      Pusher annClient = clients.connect(cluster.node(2), "ann");
      annClient.signin();
      PresenceChannel ann = annClient.subscribePresence("presence-kill");
      PresenceChannel bob2 = clients.connect(cluster.node(2), "bob").subscribePresence("presence-kill");
      PresenceChannel bob1 = clients.connect(cluster.node(1), "bob").subscribePresence("presence-kill");
      // everything in place before the kill: the subscriptions and ann's sign-in confirmed
      // (pusher:signin_success), or the kill could race them
      await().atMost(PusherClients.WAIT).until(() -> ann.isSubscribed() && bob1.isSubscribed()
          && bob2.isSubscribed() && "ann".equals(annClient.user().userId()));
      await().atMost(PusherClients.WAIT).until(() -> watcher.log.contains("+ann")
          && watcher.log.contains("+bob"));
      await().atMost(PusherClients.WAIT).until(() -> ClusterNodes.online(cluster.node(0), "ann"));

      long killed = System.nanoTime();
      cluster.node(2).kill();
      assertThat(millisUntilRemoved(watcher, "ann", killed, "kill -9")).isLessThan(10_000);
      // ann's only connection was there: she is offline for the built-in functions too
      await().atMost(Duration.ofSeconds(10)).until(() -> !ClusterNodes.online(cluster.node(0), "ann")
          && !ClusterNodes.online(cluster.node(1), "ann"));
      long offline = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      System.out.println("kill -9 -> offline for presence:getUserPresence: " + offline + " ms");
      assertThat(offline).isLessThan(10_000);

      // bob still has a connection on a live node: he stays, and nobody was told twice
      com.pusher.rest.Pusher backend = backend(1);
      await().atMost(PusherClients.WAIT).until(() -> backend.get("/channels/presence-kill",
          Map.of("info", "user_count,subscription_count")).getMessage()
          .equals("{\"occupied\":true,\"user_count\":2,\"subscription_count\":2}"));
      // ann and bob joined through different nodes: their member_added may come in either order
      assertThat(watcher.log).hasSize(3);
      assertThat(watcher.log.subList(0, 2)).containsExactlyInAnyOrder("+ann", "+bob");
      assertThat(watcher.log.get(2)).isEqualTo("-ann");
      assertThat(bob1.getUsers()).extracting(User::getId).containsExactlyInAnyOrder("watcher", "bob");
      // the dead node is forgotten by the cluster
      assertThat(RedisKeys.command(Request.cmd(Command.SISMEMBER).arg(cluster.prefix + "nodes")
          .arg("n2")).toInteger()).isZero();
      backend.close();
    }
  }

  @Test
  void aGracefulStopRemovesTheNodesMembersAtOnce() throws Exception {
    ClusterNodes.Node leaving = cluster.add("n9", Map.of());
    try (PusherClients clients = new PusherClients()) {
      PusherClients.Roster watcher = watch(clients, "watcher2", "presence-stop");
      Pusher gil = clients.connect(leaving, "gil");
      PresenceChannel g = gil.subscribePresence("presence-stop");
      await().atMost(PusherClients.WAIT).until(g::isSubscribed);
      await().atMost(PusherClients.WAIT).until(() -> watcher.log.contains("+gil"));

      long stopped = System.nanoTime();
      leaving.process.destroy(); // SIGTERM: the shutdown hook stops the node gracefully
      // sooner than the liveness key could lapse (3 s): the node removed its members itself
      assertThat(millisUntilRemoved(watcher, "gil", stopped, "graceful stop"))
          .isLessThan(RedisClusterBus.ALIVE_TTL_MILLIS);
      assertThat(leaving.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(RedisKeys.command(Request.cmd(Command.SISMEMBER).arg(cluster.prefix + "nodes")
          .arg("n9")).toInteger()).isZero();
      assertThat(watcher.log).containsExactly("+gil", "-gil");
    }
  }

  /**
   * A node whose process stops for longer than the liveness TTL (a long GC pause, a starved or
   * suspended VM; here SIGSTOP) is taken for dead: the others remove its members. When it runs
   * again its connections are still open, so it must notice that its liveness key had lapsed and
   * register its members again (before, it refreshed the key and went on serving clients that
   * were members of nothing, and was not in the cluster's list of nodes any more, so that its
   * members were left behind for ever when it died later).
   */
  @Test
  void aNodePausedPastTheLivenessTtlIsTakenForDeadThenRegistersItsMembersAgain() throws Exception {
    ClusterNodes.Node paused = cluster.add("n8", Map.of());
    try (PusherClients clients = new PusherClients()) {
      PusherClients.Roster watcher = watch(clients, "watcher3", "presence-pause");
      PresenceChannel gus = clients.connect(paused, "gus").subscribePresence("presence-pause");
      await().atMost(PusherClients.WAIT).until(() -> gus.isSubscribed() && watcher.log.contains("+gus"));

      signal(paused, "STOP");
      try {
        await().atMost(Duration.ofSeconds(15)).until(() -> watcher.log.contains("-gus"));
      } finally {
        signal(paused, "CONT");
      }
      long resumed = System.nanoTime();
      // its member is back in the cluster's roster and the node in the cluster
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.log.size() >= 3);
      System.out.println("paused node running again -> member_added again after "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed) + " ms");
      assertThat(watcher.log).containsExactly("+gus", "-gus", "+gus");
      com.pusher.rest.Pusher backend = backend(1);
      assertThat(backend.get("/channels/presence-pause/users").getMessage())
          .contains("\"gus\"").contains("\"watcher3\"");
      // (within a heartbeat or two: its member may be back sooner, by the resubscription after
      // the probe's silence, which does not register the node)
      await().atMost(PusherClients.WAIT).until(() -> RedisKeys.command(Request.cmd(Command.SISMEMBER)
          .arg(cluster.prefix + "nodes").arg("n8")).toInteger() == 1);
      await().atMost(PusherClients.WAIT).until(() -> ClusterNodes.get(paused, "/ready").statusCode() == 200);
      // and a kill now is cleaned up after as any other (a node the cluster had forgotten would
      // leave its members behind for ever)
      paused.kill();
      await().atMost(Duration.ofSeconds(15)).until(() -> watcher.log.size() >= 4);
      assertThat(watcher.log).containsExactly("+gus", "-gus", "+gus", "-gus");
      backend.close();
    } finally {
      paused.kill();
    }
  }

  /** A roster of {@code channel} as {@code userId}, subscribed through node 0, sees it. */
  private static PusherClients.Roster watch(PusherClients clients, String userId, String channel) {
    PusherClients.Roster watcher = new PusherClients.Roster();
    PresenceChannel w = clients.connect(cluster.node(0), userId).subscribePresence(channel, watcher);
    await().atMost(PusherClients.WAIT).until(w::isSubscribed);
    return watcher;
  }

  /**
   * Waits (up to 15 s) until the watcher has heard {@code userId}'s member_removed; returns how
   * long after {@code since} ({@link System#nanoTime}) it arrived, in ms, and prints it after
   * {@code cause}.
   */
  private static long millisUntilRemoved(PusherClients.Roster watcher, String userId, long since,
      String cause) {
    await().atMost(Duration.ofSeconds(15)).until(() -> watcher.log.contains("-" + userId));
    long millis = TimeUnit.NANOSECONDS.toMillis(watcher.at.get("-" + userId) - since);
    System.out.println(cause + " -> member_removed on another node: " + millis + " ms");
    return millis;
  }

  private static void signal(ClusterNodes.Node node, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process.pid()))
        .inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  private static com.pusher.rest.Pusher backend(int node) {
    com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
    backend.setHost("127.0.0.1:" + cluster.node(node).port);
    backend.setEncrypted(false);
    return backend;
  }
}
