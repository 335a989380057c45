package dev.beacon.server.cluster;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cluster mode: on when {@code cluster.redis_url} is set.
 *
 * @param redisUrl {@code redis://[user:password@]host:port[/db]}; empty on a single node
 * @param nodeId this node's name in the cluster, unique among the nodes sharing a key prefix
 * @param keyPrefix put before every Redis key and the bus's pub/sub channel, so that several
 *     clusters (or test runs) share one Redis
 */
public record ClusterSettings(Optional<String> redisUrl, String nodeId, String keyPrefix) {

  public static final ClusterSettings NONE =
      new ClusterSettings(Optional.empty(), defaultNodeId(), "beacon:");

  public ClusterSettings {
    redisUrl.ifPresent(u -> {
      URI uri;
      try {
        uri = new URI(u);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("cluster.redis_url must be redis://host:port[/db], got '"
            + u + "'");
      }
      if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("cluster.redis_url must be redis://host:port[/db] or "
            + "rediss://..., got '" + u + "'");
      }
    });
    if (!nodeId.matches("[A-Za-z0-9_.\\-]{1,64}")) {
      throw new IllegalArgumentException("cluster.node_id must be 1 to 64 letters, digits, '.', "
          + "'_' or '-', got '" + nodeId + "'");
    }
    if (keyPrefix.isEmpty() || keyPrefix.length() > 64 || keyPrefix.contains("\n")
        || keyPrefix.contains(" ")) {
      throw new IllegalArgumentException("cluster.key_prefix must be 1 to 64 characters without "
          + "spaces, got '" + keyPrefix + "'");
    }
  }

  public boolean enabled() {
    return redisUrl.isPresent();
  }

  /** The host name and a random suffix, so that a restarted node is a new node. */
  public static String defaultNodeId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "node";
    }
    host = host.replaceAll("[^A-Za-z0-9_.\\-]", "-");
    if (host.length() > 48) {
      host = host.substring(0, 48);
    }
    return host + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
  }
}
