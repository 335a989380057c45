package dev.beacon.core.hub;

/**
 * The port to the other nodes of a cluster. On a single node it does nothing; a cluster adapter
 * (Redis) carries each local publication to the other nodes, which hand it to {@link
 * ChannelHub#deliverFromCluster}.
 */
public interface ClusterBus {

  ClusterBus LOCAL = new ClusterBus() {};

  /** A frame published on this node to {@code channel}, for the subscribers of other nodes. */
  default void published(String appId, String channel, byte[] frame, String excludeSocketId) {}
}
