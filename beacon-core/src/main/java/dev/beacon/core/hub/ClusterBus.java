package dev.beacon.core.hub;

import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The port to the other nodes of a cluster. On a single node ({@link #LOCAL}) it does nothing and
 * the hub keeps every count and roster itself; a cluster adapter (Redis, in the server) carries
 * each local publication to the other nodes, keeps the cluster-wide registries (subscription
 * counts, presence rosters) and hands what other nodes publish to a {@link Inbound}.
 *
 * <p>Every method returns at once; what needs an answer returns a stage that fails with {@link
 * ClusterUnavailableException} when the cluster cannot be reached, never blocks.
 */
public interface ClusterBus {

  ClusterBus LOCAL = new ClusterBus() {};

  /** Whether counts, rosters and reads are cluster-wide (kept by this bus, not by the hub). */
  default boolean clustered() {
    return false;
  }

  /** A frame published on this node to {@code channel}, for the subscribers of other nodes. */
  default void published(String appId, String channel, byte[] frame, String excludeSocketId) {}

  /** A connection of this node subscribed to ({@code +1}) or left ({@code -1}) a channel. */
  default void subscriptionChanged(String appId, String channel, int delta) {}

  /**
   * A connection (or connection-less session) of this node joins a presence channel as {@code
   * member}. When the member is new to the whole cluster, the bus publishes {@code
   * memberAddedFrame} to every node (this one too) as a versioned member event. The answer is the
   * cluster's roster as of the join, with the version it had; member events numbered above it
   * follow it.
   */
  default CompletionStage<Roster> joinPresence(String appId, String channel, Member member,
      byte[] memberAddedFrame, int maxMembers) {
    return CompletableFuture.failedFuture(new ClusterUnavailableException("no cluster"));
  }

  /**
   * Ends one {@link #joinPresence} of this node; when it was the user's last connection in the
   * cluster, {@code memberRemovedFrame} is published to every node as a versioned member event.
   */
  default void leavePresence(String appId, String channel, String userId, byte[] memberRemovedFrame) {}

  /** A channel's cluster-wide occupancy. */
  default CompletionStage<ChannelStats> stats(String appId, String channel) {
    return CompletableFuture.failedFuture(new ClusterUnavailableException("no cluster"));
  }

  /** The cluster's occupied channels whose name starts with {@code prefix}, sorted by name. */
  default CompletionStage<Map<String, ChannelStats>> occupied(String appId, String prefix) {
    return CompletableFuture.failedFuture(new ClusterUnavailableException("no cluster"));
  }

  /** The cluster-wide members of a presence channel. */
  default CompletionStage<List<Member>> members(String appId, String channel) {
    return CompletableFuture.failedFuture(new ClusterUnavailableException("no cluster"));
  }

  /**
   * A subscriber found cache channel {@code channel} empty, the first on this node since the
   * node last held or heard the channel's event: completes with whether it is the first in the
   * whole cluster since the channel last held an event (each publication to the channel starts
   * over), so that its {@code cache_miss} webhook is sent by one node. The cluster's mark lapses
   * after {@code ttlMillis} (the cache's TTL) if nothing is published meanwhile.
   */
  default CompletionStage<Boolean> firstCacheMiss(String appId, String channel, long ttlMillis) {
    return CompletableFuture.completedFuture(true);
  }

  /**
   * As {@link #published}, for a cache channel: completes once a subscriber on any node can find
   * {@code frame} as the channel's last event ({@link #cachedEvent}), so that an HTTP trigger
   * answers only then. Never fails: a frame that could not be kept went out all the same.
   */
  default CompletionStage<Void> publishedToCache(String appId, String channel, byte[] frame,
      String excludeSocketId) {
    published(appId, channel, frame, excludeSocketId);
    return CompletableFuture.completedFuture(null);
  }

  /** A cache channel's last event as the cluster keeps it, with the time it has left. */
  record CachedFrame(byte[] frame, long ttlMillis) {}

  /**
   * A cache channel's last event as the cluster keeps it, for a subscriber that found none on
   * this node; empty when there is none (or the cluster cannot answer).
   */
  default CompletionStage<java.util.Optional<CachedFrame>> cachedEvent(String appId,
      String channel) {
    return CompletableFuture.completedFuture(java.util.Optional.empty());
  }

  /** Asks every other node to close the connections signed in as {@code userId}. */
  default void terminateUser(String appId, String userId) {}

  /**
   * Sends a signal of a feature ({@code topic}) to every other node, where the {@link
   * Inbound#signal} of the same topic hears it: live-query invalidations, and whatever else needs
   * "tell the others" without a channel.
   */
  default void signal(String topic, String appId, byte[] payload) {}

  /** A cluster-wide presence roster as of a version. */
  record Roster(boolean added, long version, List<Member> members) {

    /** A join refused because the channel holds {@code maxMembers} users already. */
    public static Roster full() {
      return new Roster(false, 0, List.of());
    }
  }

  /**
   * What a cluster adapter hands to this node: the other nodes' publications and requests. Called
   * on the adapter's threads; implementations queue work to lanes and return.
   */
  interface Inbound {

    /** A frame another node published to a channel. */
    void published(String appId, String channel, byte[] frame, String excludeSocketId);

    /** A versioned presence member event of the cluster's roster (from any node, this one too). */
    void memberEvent(String appId, String channel, byte[] frame, long version);

    /** As {@link #memberEvent(String, String, byte[], long)}, with the node whose change made it. */
    default void memberEvent(String appId, String channel, byte[] frame, long version,
        String origin) {
      memberEvent(appId, channel, frame, version);
    }

    /**
     * A channel's subscriptions in the whole cluster changed to {@code count} (for apps that send
     * {@code pusher_internal:subscription_count}; from any node, this one too).
     */
    default void subscriptionCount(String appId, String channel, int count) {}

    /** Another node was asked to terminate a user's connections. */
    void terminateUser(String appId, String userId);

    /** A feature's signal from another node. */
    default void signal(String topic, String appId, byte[] payload) {}

    /** As {@link #signal(String, String, byte[])}, with the node that sent it. */
    default void signal(String topic, String appId, byte[] payload, String origin) {
      signal(topic, appId, payload);
    }
  }

  /**
   * Cluster-wide transitions, each reported once in the whole cluster, on the node whose change
   * (or whose clean-up of a dead node) made it: what webhooks need to send each event from one
   * node only. For an app with webhooks, a channel or member back within its grace period is not
   * reported as occupied or added (its vacate or removal is taken back unsent). Default no-ops.
   */
  interface Transitions {

    Transitions NONE = new Transitions() {};

    /** The first subscription to a channel anywhere in the cluster. */
    default void channelOccupied(String appId, String channel) {}

    /** The last subscription to a channel anywhere in the cluster ended. */
    default void channelVacated(String appId, String channel) {}

    /** A user's first connection in the cluster joined a presence channel. */
    default void memberAdded(String appId, String channel, String userId) {}

    /** A user's last connection in the cluster left a presence channel. */
    default void memberRemoved(String appId, String channel, String userId) {}

    /** A user has its first session or connection in the cluster (on any node). */
    default void userOnline(String appId, String userId) {}

    /** A user's last session or connection in the cluster ended (or its node died). */
    default void userOffline(String appId, String userId) {}

    /**
     * A user has its first signed-in connection in the cluster, or its last ended, as found by
     * a clean-up or a re-registration ({@code pusher:signin}; watchlist events).
     */
    default void userSignedIn(String appId, String userId, boolean signedIn) {}
  }
}
