package dev.beacon.core.hub;

import dev.beacon.protocol.pusher.ServerMessage.Member;

/**
 * Told of this node's channel transitions, for webhooks: a channel's first and last subscription
 * here, its subscription count, and (as a {@link PresenceListener}) a user's first and last
 * connection or session as a presence member here. Implementations decide which transitions
 * become {@code channel_occupied} / {@code channel_vacated} / {@code member_added} / {@code
 * member_removed} / {@code subscription_count} events, and apply the grace period before a vacate
 * or a removal: {@link dev.beacon.core.webhook.LocalLifecycle} on one node. In a cluster this
 * node's transitions are not the cluster's: the hub's lifecycle stays {@link #NONE} and the
 * cluster adapter decides from the cluster-wide transitions ({@link ClusterBus.Transitions}),
 * keeping pending vacates and removals where every node sees them.
 *
 * <p>Calls of one channel arrive in order: occupancy and counts inside the hub's per-channel
 * atomic update, members under the channel's roster lock. Implementations must be quick, must
 * not block and must not call the hub.
 */
public interface ChannelLifecycle extends PresenceListener {

  ChannelLifecycle NONE = new ChannelLifecycle() {};

  /** The channel has its first subscription on this node. */
  default void occupied(String appId, String channel) {}

  /** The channel's last subscription on this node has ended. */
  default void vacated(String appId, String channel) {}

  /** The channel's subscription count on this node has changed (non-presence channels). */
  default void subscriptionCount(String appId, String channel, int count) {}

  @Override
  default void memberJoined(String appId, String channel, Member member) {}

  @Override
  default void memberLeft(String appId, String channel, String userId) {}
}
