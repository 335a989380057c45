package dev.beacon.core.presence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The port to a cluster's registry of where each user is live (has a session or a connection):
 * a user is online while it is live on any node. A node reports only its own changes; the
 * registry tells every node when a user becomes live or stops being live anywhere ({@link
 * UserPresence#clusterChanged}). On a single node ({@link #NONE}) nothing is reported.
 */
public interface ClusterLiveness {

  ClusterLiveness NONE = new ClusterLiveness() {};

  /** Whether there are other nodes whose users count. */
  default boolean clustered() {
    return false;
  }

  /**
   * This node holds the user live from now on ({@code live}), or no more. Called in the order the
   * node's state changed; the stage fails when the cluster could not record it.
   */
  default CompletionStage<Void> localLive(String appId, String userId, boolean live) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * This node set a user's chosen status and message (stored already): the other nodes apply it
   * to what they hold of the user.
   */
  default void statusShared(String appId, String userId, String status, String statusMessage) {}

  /**
   * A call on this node ended the user's HTTP sessions (one, or all when {@code sessionId} is
   * empty), and with {@code signOff} marked it offline: the other nodes end theirs (a load
   * balancer spreads a user's heartbeats over the nodes).
   */
  default void sessionsEnded(String appId, String userId, java.util.Optional<String> sessionId,
      boolean signOff) {}

  /** A user marked offline ({@code signOff}) acted again on this node: it is no more anywhere. */
  default void signedOn(String appId, String userId) {}
}
