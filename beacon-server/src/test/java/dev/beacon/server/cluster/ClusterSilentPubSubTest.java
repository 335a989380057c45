package dev.beacon.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node's Redis pub/sub subscription goes silent without closing (as after a failover, Centrifugo
 * #1189, vertx-redis-client #69/#248): the connection stays open, commands still work, nothing
 * more is delivered. The node must notice by its own probe, say so on {@code /ready}, tear the
 * subscription down and make it again, after which delivery from the other nodes resumes.
 *
 * <p>The node reaches Redis through a TCP relay in this test that can stop passing what Redis
 * sends on the connections that are subscribed at that moment, leaving them open.
 */
class ClusterSilentPubSubTest {

  @Test
  void aSilentlyDeadSubscriptionIsNoticedMadeAgainAndDeliveryResumes() throws Exception {
    try (Relay relay = new Relay(6379);
         ClusterNodes cluster = ClusterNodes.start(1);
         PusherClients clients = new PusherClients()) {
      ClusterNodes.Node direct = cluster.node(0);
      ClusterNodes.Node relayed = cluster.add("n1", Map.of("BEACON_CLUSTER_REDIS_URL",
          "redis://127.0.0.1:" + relay.port() + "/0"));
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

  /** A TCP relay to a local port, one pair of threads per connection. */
  private static final class Relay implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
    private volatile int subscribed;

    Relay(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::accept, "relay-accept");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** Connections that have sent a SUBSCRIBE so far. */
    int subscribedConnections() {
      return subscribed;
    }

    /**
     * From now on nothing Redis sends reaches the connections subscribed now; they stay open.
     *
     * @return how many were silenced
     */
    int silenceSubscribed() {
      int n = 0;
      for (Pipe p : pipes) {
        if (p.subscribed) {
          p.silent = true;
          n++;
        }
      }
      return n;
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket redis = new Socket(InetAddress.getLoopbackAddress(), target);
          Pipe pipe = new Pipe(client, redis);
          pipes.add(pipe);
          pipe.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Pipe p : pipes) {
        p.close();
      }
    }

    private final class Pipe {
      final Socket client;
      final Socket redis;
      volatile boolean subscribed;
      volatile boolean silent;

      Pipe(Socket client, Socket redis) {
        this.client = client;
        this.redis = redis;
      }

      void start() {
        Thread up = new Thread(() -> pump(true), "relay-up");
        Thread down = new Thread(() -> pump(false), "relay-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
      }

      private void pump(boolean toRedis) {
        byte[] buf = new byte[16384];
        try (InputStream in = (toRedis ? client : redis).getInputStream();
             OutputStream out = (toRedis ? redis : client).getOutputStream()) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            if (toRedis && !subscribed
                && new String(buf, 0, n, StandardCharsets.ISO_8859_1).toUpperCase().contains("SUBSCRIBE")) {
              subscribed = true;
              Relay.this.subscribed++;
            }
            if (!toRedis && silent) {
              continue; // swallowed: the connection stays open and says nothing
            }
            out.write(buf, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // either side closed
        } finally {
          close();
        }
      }

      void close() {
        try {
          client.close();
        } catch (IOException e) {
          // closed already
        }
        try {
          redis.close();
        } catch (IOException e) {
          // closed already
        }
      }
    }
  }
}
