package dev.beacon.core.hub;

import dev.beacon.protocol.pusher.ChannelName;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A channel with at least one subscriber on this node. Created by the first subscription and
 * dropped with the last; the subscriber lists are split by lane so that each is touched only by
 * its own thread.
 */
public final class Channel {

  private final String appId;
  private final ChannelName name;
  final LocalSubscribers[] lanes;
  final PresenceRoster roster;
  /** Changed only inside the channel map's compute for this name. */
  volatile int subscriptionCount;
  /** Members present without a connection (HTTP room heartbeats); changed like the count. */
  volatile int sessionCount;
  /** 1 while a subscription_count event is scheduled; set through {@link #COUNT_EVENT_PENDING}. */
  volatile int countEventPending;
  /** A field updater rather than an AtomicBoolean per channel (16 B each). */
  static final AtomicIntegerFieldUpdater<Channel> COUNT_EVENT_PENDING =
      AtomicIntegerFieldUpdater.newUpdater(Channel.class, "countEventPending");
  /** In a cluster: the channel's subscriptions in the whole cluster, as last heard. */
  volatile int clusterCount;

  Channel(String appId, ChannelName name, int laneCount, PresenceListener listener) {
    this.appId = appId;
    this.name = name;
    this.lanes = new LocalSubscribers[laneCount];
    for (int i = 0; i < laneCount; i++) {
      lanes[i] = new LocalSubscribers();
    }
    this.roster = name.isPresence() ? new PresenceRoster(appId, name.value(), listener) : null;
  }

  public String appId() {
    return appId;
  }

  public ChannelName name() {
    return name;
  }

  /** Connections subscribed on this node. */
  public int subscriptionCount() {
    return subscriptionCount;
  }

  /** Distinct presence users; 0 for other channels. */
  public int userCount() {
    return roster == null ? 0 : roster.userCount();
  }
}
