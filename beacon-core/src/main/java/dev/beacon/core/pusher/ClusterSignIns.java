package dev.beacon.core.pusher;

import java.util.concurrent.CompletionStage;

/**
 * The port to a cluster's registry of signed-in users ({@code pusher:signin}): a user is signed
 * in while it has a signed-in connection on any node, and the watchlist events follow that. A
 * node reports only its own changes (the user's first signed-in connection on the node, its
 * last); the registry tells every other node when the user becomes signed in somewhere or is
 * signed in nowhere any more ({@link PusherChannels#clusterSignedIn}).
 */
public interface ClusterSignIns {

  /**
   * This node holds a signed-in connection of the user from now on ({@code signedIn}), or no
   * more. Called in the order the node's state changed. The stage completes with whether this
   * change moved the cluster's state (the user's first sign-in anywhere, or its last sign-out):
   * then this node tells its own watchers, the other nodes theirs.
   */
  CompletionStage<Boolean> changed(String appId, String userId, boolean signedIn);
}
