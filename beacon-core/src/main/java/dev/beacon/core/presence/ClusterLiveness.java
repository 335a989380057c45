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
}
