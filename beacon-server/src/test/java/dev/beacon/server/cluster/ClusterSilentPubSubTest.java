package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.channel.Channel;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node's Redis pub/sub subscription goes silent without closing (as after a failover, Centrifugo
 * #1189, vertx-redis-client #69/#248): the connection stays open, commands still work, nothing
 * more is delivered. The node must notice by its own probe, say so on {@code /ready}, tear the
 * subscription down and make it again, after which delivery from the other nodes resumes.
 *
 * <p>The node reaches Redis through a TCP relay ({@link RedisRelay}) that can stop passing what
 * Redis sends on the connections that are subscribed at that moment, leaving them open.
 */
class ClusterSilentPubSubTest {

  @Test
  void aSilentlyDeadSubscriptionIsNoticedMadeAgainAndDeliveryResumes() throws Exception {
    try (RedisRelay relay = new RedisRelay(6379);
         ClusterNodes cluster = ClusterNodes.start(1);
         PusherClients clients = new PusherClients()) {
      ClusterNodes.Node direct = cluster.node(0);
      ClusterNodes.Node relayed = cluster.add("n1", Map.of("BEACON_CLUSTER_REDIS_URL",
          relay.url()));
      List<String> heard = new CopyOnWriteArrayList<>();
      Channel feed = clients.connect(relayed, "sam").subscribe("quiet-feed", null);
      feed.bind("item", e -> heard.add(e.getData()));
      await().atMost(PusherClients.WAIT).until(feed::isSubscribed);
      com.pusher.rest.Pusher backend = new com.pusher.rest.Pusher("app-id", "app-key", "app-secret");
      backend.setHost("127.0.0.1:" + direct.port);
      backend.setEncrypted(false);
      await().atMost(PusherClients.WAIT).until(() -> {
        backend.trigger("quiet-feed", "item", Map.of("n", 1));
        return heard.contains("{\"n\":1}");
      });

      int silenced = relay.silenceSubscribed();
      assertThat(silenced).isEqualTo(1);
      long since = System.nanoTime();
      // the probe is missed: not ready, with the reason
      await().atMost(Duration.ofSeconds(10)).until(
          () -> ClusterNodes.get(relayed, "/ready").statusCode() == 503);
      HttpResponse<String> ready = ClusterNodes.get(relayed, "/ready");
      System.out.println("silent pub/sub -> /ready 503 after "
          + (System.nanoTime() - since) / 1_000_000 + " ms: " + ready.body());
      assertThat(ready.body()).contains("CLUSTER").contains("probe");
      assertThat(ClusterNodes.get(relayed, "/health").statusCode()).isEqualTo(200);
      // a new subscription (a new connection, passed through) makes it ready again
      await().atMost(Duration.ofSeconds(15)).until(
          () -> ClusterNodes.get(relayed, "/ready").statusCode() == 200);
      assertThat(relay.subscribedConnections()).isGreaterThanOrEqualTo(2);
      System.out.println("silent pub/sub -> ready again after "
          + (System.nanoTime() - since) / 1_000_000 + " ms");
      // and delivery from the other node resumes
      await().atMost(PusherClients.WAIT).until(() -> {
        backend.trigger("quiet-feed", "item", Map.of("n", 2));
        return heard.contains("{\"n\":2}");
      });
      backend.close();
    }
  }
}
