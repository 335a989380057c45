package dev.beacon.core.hub;

import dev.beacon.core.app.App;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.time.Clock;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PresenceData;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels, their subscribers and presence members, and fan-out.
 *
 * <p>A publication is encoded once by the caller; the hub hands the same bytes to each lane that
 * has subscribers, and each lane writes them to its own connections. Subscribe and unsubscribe
 * run on the subscriber's lane. Presence changes are versioned per channel so that a new member's
 * snapshot and the member events that follow it never overlap or leave a gap.
 *
 * <p>In a cluster ({@link ClusterBus#clustered()}) the presence rosters and the counts the HTTP
 * API reads are the cluster's, kept by the bus: a presence join asks the bus for the roster and
 * its version, the subscription is confirmed when the answer comes back (on its lane), and what
 * the subscriber is sent in between is held and replayed after the confirmation, member events
 * only when newer than the snapshot. Member events then reach every node, this one too, through
 * the bus, numbered by the cluster's roster version.
 */
public final class ChannelHub {

  private static final long NO_VERSION_FILTER = Long.MAX_VALUE;
  private static final long COUNT_EVENT_DELAY_MILLIS = 500;

  private final Lanes lanes;
  private final Clock clock;
  private final BeaconMetrics metrics;
  private final ClusterBus bus;
  private final long cacheTtlMillis;
  private final int maxCachedChannels;
  private final ConcurrentHashMap<String, AppChannels> apps = new ConcurrentHashMap<>();
  private volatile PresenceListener presenceListener = PresenceListener.NONE;
  private volatile ChannelLifecycle lifecycle = ChannelLifecycle.NONE;

  public ChannelHub(Lanes lanes, Clock clock, BeaconMetrics metrics, ClusterBus bus,
      long cacheTtlMillis, int maxCachedChannels) {
    this.lanes = lanes;
    this.clock = clock;
    this.metrics = metrics;
    this.bus = bus;
    this.cacheTtlMillis = cacheTtlMillis;
    this.maxCachedChannels = maxCachedChannels;
  }

  public Lanes lanes() {
    return lanes;
  }

  /** Sets who hears about presence members joining and leaving; set once, before serving. */
  public void presenceListener(PresenceListener listener) {
    this.presenceListener = listener;
  }

  /** Sets who hears of channel transitions (for webhooks); set once, before serving. */
  public void lifecycle(ChannelLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** The presence listener and the lifecycle, as one listener for a new channel's roster. */
  private PresenceListener memberListeners() {
    PresenceListener first = presenceListener;
    ChannelLifecycle second = lifecycle;
    if (second == ChannelLifecycle.NONE) {
      return first;
    }
    return new PresenceListener() {
      @Override
      public void memberJoined(String appId, String channel, Member member) {
        first.memberJoined(appId, channel, member);
        second.memberJoined(appId, channel, member);
      }

      @Override
      public void memberLeft(String appId, String channel, String userId) {
        first.memberLeft(appId, channel, userId);
        second.memberLeft(appId, channel, userId);
      }
    };
  }


  /**
   * The result of a subscription: presence channels also give the member snapshot. The stage
   * completes on the subscriber's lane (at once on a single node); it fails with {@link
   * ChannelFullException} or {@link ClusterUnavailableException}, and the subscription is then
   * already undone.
   */
  public record Joined(Subscription subscription, CompletionStage<Optional<List<Member>>> members) {}

  /**
   * Subscribes on the subscriber's lane (and must be called there).
   *
   * @throws ChannelFullException if a presence channel has no room for a new user
   */
  public Joined subscribe(
      App app, ChannelName name, Subscriber subscriber, Optional<PresenceData> presence) {
    subscriber.lane().assertOnLane();
    AppChannels ac = appChannels(app.id());
    Channel ch = ac.channels.compute(name.value(), (k, v) -> {
      Channel c = v == null ? new Channel(app.id(), name, lanes.size(), memberListeners()) : v;
      c.subscriptionCount++;
      if (c.subscriptionCount == 1) {
        lifecycle.occupied(app.id(), name.value());
      }
      countForWebhooks(c);
      return c;
    });
    String userId = ch.roster == null ? null : presence.map(PresenceData::userId).orElseThrow(
        () -> new IllegalArgumentException("presence subscription without channel data"));
    Subscription sub = new Subscription(ch, subscriber, userId);
    // visible to other lanes' presence broadcasts before the join takes its version
    sub.joinedVersion = NO_VERSION_FILTER;
    LocalSubscribers local = ch.lanes[subscriber.lane().index()];
    if (bus.clustered()) {
      return subscribeClustered(app, ch, sub, local, presence);
    }
    local.add(sub);
    Optional<List<Member>> members = Optional.empty();
    if (ch.roster != null) {
      PresenceData p = presence.get();
      PresenceRoster.Join join = ch.roster.join(p.userId(), p.userInfoJson(), app.maxPresenceMembers());
      if (!join.added()) {
        local.remove(sub);
        release(ac, ch);
        throw new ChannelFullException(name.value(), app.maxPresenceMembers());
      }
      sub.joinedVersion = join.version();
      members = Optional.of(join.members());
      if (join.first()) {
        byte[] frame = PusherCodec.encode(new ServerMessage.MemberAdded(name.value(), join.self()));
        broadcast(ch, frame, null, null, join.version(), true);
      }
    } else {
      sub.joinedVersion = 0;
    }
    countChanged(app, ch, subscriber.lane());
    return new Joined(sub, CompletableFuture.completedFuture(members));
  }

  private Joined subscribeClustered(App app, Channel ch, Subscription sub, LocalSubscribers local,
      Optional<PresenceData> presence) {
    bus.subscriptionChanged(app.id(), ch.name().value(), 1);
    // a cache channel this node has no event of: the cluster may have one (published on another
    // node a moment ago, not heard here yet); what reaches the subscription meanwhile is held
    CompletableFuture<Optional<ClusterBus.CachedFrame>> lookup =
        ch.name().cache() && cached(app, ch.name().value()).isEmpty()
            ? lookup(app.id(), ch.name().value()) : null;
    Lane lane = sub.subscriber().lane();
    if (ch.roster == null) {
      sub.joinedVersion = 0;
      if (lookup == null) {
        local.add(sub);
        countChanged(app, ch, lane);
        return new Joined(sub, CompletableFuture.completedFuture(Optional.empty()));
      }
      sub.pending = new ArrayList<>();
      local.add(sub);
      countChanged(app, ch, lane);
      CompletableFuture<Optional<List<Member>>> result = new CompletableFuture<>();
      lookup.thenAccept(found -> lane.submitControl(() -> {
        List<Subscription.Held> held = sub.pending;
        sub.pending = null;
        if (!sub.left) {
          adoptCached(app, sub, held, found);
        }
        result.complete(Optional.empty());
        if (!sub.left) {
          for (Subscription.Held h : held) {
            sub.subscriber().deliver(h.frame());
          }
        }
      }));
      return new Joined(sub, result);
    }
    sub.pending = new ArrayList<>();
    local.add(sub);
    PresenceData p = presence.get();
    // this node's own count of the user's connections (rooms hear of the node's first and last)
    ch.roster.join(p.userId(), p.userInfoJson(), Integer.MAX_VALUE);
    Member self = new Member(p.userId(), p.userInfoJson());
    byte[] added = PusherCodec.encode(new ServerMessage.MemberAdded(ch.name().value(), self));
    CompletableFuture<Optional<List<Member>>> result = new CompletableFuture<>();
    CompletableFuture<Optional<ClusterBus.CachedFrame>> found = lookup != null ? lookup
        : CompletableFuture.completedFuture(null);
    bus.joinPresence(app.id(), ch.name().value(), self, added, app.maxPresenceMembers())
        .whenComplete((roster, error) -> found.thenAccept(cachedFrame -> lane.submitControl(
            () -> joinAnswered(app, sub, roster, error, result, cachedFrame))));
    return new Joined(sub, result);
  }

  /** The cluster's last event of a cache channel; empty if it has none or cannot answer. */
  private CompletableFuture<Optional<ClusterBus.CachedFrame>> lookup(String appId,
      String channel) {
    try {
      return bus.cachedEvent(appId, channel).toCompletableFuture()
          .exceptionally(e -> Optional.empty());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
  }

  /**
   * A cache channel's subscription in a cluster, once the cluster said what it keeps ({@code
   * found}, null when it was not asked): if the channel's event this node holds now reached
   * the subscription live (it is among {@code held}, the very frame), there is nothing to
   * replay; else the cluster's event is kept here, unless one was heard meanwhile, and replayed
   * by the caller as on one node. Lane thread.
   */
  private void adoptCached(App app, Subscription sub, List<Subscription.Held> held,
      Optional<ClusterBus.CachedFrame> found) {
    if (found == null) {
      return;
    }
    String channel = sub.channel().name().value();
    Optional<byte[]> now = cached(app, channel);
    if (now.isPresent()) {
      byte[] frame = now.get();
      sub.heardLive = held.stream().anyMatch(h -> h.frame() == frame);
    } else if (found.isPresent()) {
      cacheFromCluster(app.id(), channel, found.get().frame(), found.get().ttlMillis());
    }
  }

  /** The cluster answered a presence join: confirm, then replay what arrived meanwhile. */
  private void joinAnswered(App app, Subscription sub, ClusterBus.Roster roster, Throwable error,
      CompletableFuture<Optional<List<Member>>> result, Optional<ClusterBus.CachedFrame> found) {
    sub.subscriber().lane().assertOnLane();
    List<Subscription.Held> held = sub.pending;
    sub.pending = null;
    if (sub.left) {
      result.complete(Optional.empty()); // unsubscribed meanwhile; its leave went out after the join
      return;
    }
    Channel ch = sub.channel();
    if (error != null || !roster.added()) {
      // the subscription never joined: undo it here (a timed-out join may still have been
      // applied, so its leave is sent too; a leave of nothing changes nothing)
      ch.lanes[sub.subscriber().lane().index()].remove(sub);
      sub.left = true;
      String userId = sub.userId().orElseThrow();
      ch.roster.leave(userId);
      if (error != null) {
        bus.leavePresence(app.id(), ch.name().value(), userId, PusherCodec.encode(
            new ServerMessage.MemberRemoved(ch.name().value(), userId)));
      }
      bus.subscriptionChanged(app.id(), ch.name().value(), -1);
      release(appChannels(app.id()), ch);
      result.completeExceptionally(error != null ? unavailable(error)
          : new ChannelFullException(ch.name().value(), app.maxPresenceMembers()));
      return;
    }
    sub.joinedVersion = roster.version();
    adoptCached(app, sub, held, found);
    result.complete(Optional.of(roster.members()));
    Subscriber subscriber = sub.subscriber();
    for (Subscription.Held h : held) {
      if (h.version() == NO_VERSION_FILTER || h.version() > roster.version()) {
        subscriber.deliver(h.frame());
      }
    }
    countChanged(app, ch, subscriber.lane());
  }

  /** Ends a subscription, on the subscriber's lane. */
  public void unsubscribe(App app, Subscription sub) {
    sub.subscriber().lane().assertOnLane();
    Channel ch = sub.channel();
    Lane lane = sub.subscriber().lane();
    if (sub.left) {
      return; // refused by the cluster and undone already
    }
    sub.left = true;
    ch.lanes[lane.index()].remove(sub);
    if (bus.clustered()) {
      if (ch.roster != null && sub.userId().isPresent()) {
        String userId = sub.userId().get();
        ch.roster.leave(userId);
        bus.leavePresence(app.id(), ch.name().value(), userId, PusherCodec.encode(
            new ServerMessage.MemberRemoved(ch.name().value(), userId)));
      }
      bus.subscriptionChanged(app.id(), ch.name().value(), -1);
      release(appChannels(app.id()), ch);
      countChanged(app, ch, lane);
      return;
    }
    if (ch.roster != null && sub.userId().isPresent()) {
      PresenceRoster.Leave leave = ch.roster.leave(sub.userId().get());
      if (leave.last()) {
        byte[] frame = PusherCodec.encode(
            new ServerMessage.MemberRemoved(ch.name().value(), sub.userId().get()));
        broadcast(ch, frame, null, null, leave.version(), true);
      }
    }
    release(appChannels(app.id()), ch);
    countChanged(app, ch, lane);
  }

  private void release(AppChannels ac, Channel ch) {
    ac.channels.compute(ch.name().value(), (k, v) -> {
      if (v != ch) {
        return v;
      }
      v.subscriptionCount--;
      if (v.subscriptionCount == 0) {
        lifecycle.vacated(v.appId(), k);
      }
      countForWebhooks(v);
      return v.subscriptionCount + v.sessionCount <= 0 ? null : v;
    });
  }

  /** Tells the lifecycle a non-presence channel's new count. */
  private void countForWebhooks(Channel ch) {
    if (ch.roster == null && lifecycle != ChannelLifecycle.NONE) {
      lifecycle.subscriptionCount(ch.appId(), ch.name().value(), ch.subscriptionCount);
    }
  }

  /**
   * Makes a user a member of a presence channel without a connection, for as long as the caller
   * says (an HTTP room heartbeat): subscribers see {@code member_added} if the user was not a
   * member yet. Each join that completes must be matched by one {@link #leaveWithoutConnection};
   * one that fails is undone already.
   *
   * <p>On one node the join is decided here: the stage is complete, and a full channel throws.
   * In a cluster the cluster's roster decides (the bus's {@code join} script): the stage
   * completes when the cluster took the user in, and fails with {@link ChannelFullException}
   * when the channel is full, or with {@link ClusterUnavailableException} when the cluster could
   * not answer (at once while it is unreachable, else within the bus's command timeout). Never
   * blocks.
   *
   * @throws ChannelFullException on one node, if the channel has no room for a new user
   */
  public CompletionStage<Void> joinWithoutConnection(App app, ChannelName name, String userId,
      String userInfoJson) {
    if (!name.isPresence()) {
      throw new IllegalArgumentException(name + " is not a presence channel");
    }
    AppChannels ac = appChannels(app.id());
    Channel ch = ac.channels.compute(name.value(), (k, v) -> {
      Channel c = v == null ? new Channel(app.id(), name, lanes.size(), memberListeners()) : v;
      c.sessionCount++;
      return c;
    });
    if (bus.clustered()) {
      return joinWithoutConnectionClustered(app, ac, ch, userId, userInfoJson);
    }
    PresenceRoster.Join join = ch.roster.join(userId, userInfoJson, app.maxPresenceMembers());
    if (!join.added()) {
      releaseSession(ac, ch);
      throw new ChannelFullException(name.value(), app.maxPresenceMembers());
    }
    if (join.first()) {
      byte[] frame = PusherCodec.encode(new ServerMessage.MemberAdded(name.value(), join.self()));
      broadcast(ch, frame, null, null, join.version(), true);
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The cluster decides a connection-less join: this node counts the user's session at once (as
   * for a subscription, so a leave racing the answer finds it), and undoes it when the cluster
   * refused or did not answer.
   */
  private CompletionStage<Void> joinWithoutConnectionClustered(App app, AppChannels ac,
      Channel ch, String userId, String userInfoJson) {
    String channel = ch.name().value();
    ch.roster.join(userId, userInfoJson, Integer.MAX_VALUE);
    Member self = new Member(userId, userInfoJson);
    CompletionStage<ClusterBus.Roster> asked;
    try {
      asked = bus.joinPresence(app.id(), channel, self, PusherCodec.encode(
          new ServerMessage.MemberAdded(channel, self)), app.maxPresenceMembers());
    } catch (RuntimeException e) {
      asked = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> joined = new CompletableFuture<>();
    asked.whenComplete((roster, error) -> {
      if (error == null && roster.added()) {
        joined.complete(null);
        return;
      }
      ch.roster.leave(userId);
      if (error != null) {
        // a join that timed out may still have been applied: its leave goes too (a leave of
        // nothing changes nothing)
        bus.leavePresence(app.id(), channel, userId, PusherCodec.encode(
            new ServerMessage.MemberRemoved(channel, userId)));
      }
      releaseSession(ac, ch);
      joined.completeExceptionally(error != null ? unavailable(error)
          : new ChannelFullException(channel, app.maxPresenceMembers()));
    });
    return joined;
  }

  /** The failure of a cluster call as the caller hears it. */
  private static ClusterUnavailableException unavailable(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException
        && error.getCause() != null ? error.getCause() : error;
    return cause instanceof ClusterUnavailableException u ? u
        : new ClusterUnavailableException("cluster unavailable: " + cause.getMessage());
  }

  /** Ends one {@link #joinWithoutConnection}. */
  public void leaveWithoutConnection(App app, ChannelName name, String userId) {
    AppChannels ac = appChannels(app.id());
    Channel ch = ac.channels.get(name.value());
    if (ch == null || ch.roster == null) {
      return;
    }
    if (bus.clustered()) {
      ch.roster.leave(userId);
      bus.leavePresence(app.id(), name.value(), userId, PusherCodec.encode(
          new ServerMessage.MemberRemoved(name.value(), userId)));
      releaseSession(ac, ch);
      return;
    }
    PresenceRoster.Leave leave = ch.roster.leave(userId);
    if (leave.last()) {
      byte[] frame = PusherCodec.encode(new ServerMessage.MemberRemoved(name.value(), userId));
      broadcast(ch, frame, null, null, leave.version(), true);
    }
    releaseSession(ac, ch);
  }

  private void releaseSession(AppChannels ac, Channel ch) {
    ac.channels.compute(ch.name().value(), (k, v) -> {
      if (v != ch) {
        return v;
      }
      v.sessionCount--;
      return v.subscriptionCount + v.sessionCount <= 0 ? null : v;
    });
  }

  /**
   * Publishes an encoded event to every subscriber of a channel but the excluded one, on this node
   * and, through the cluster bus, on the others. A cache channel keeps the frame for replay.
   *
   * @throws OverloadedException if a lane with subscribers has a full queue; nothing is sent
   */
  public void publish(App app, ChannelName name, byte[] frame, Subscriber exclude,
      String excludeSocketId) {
    publish(app, name, frame, exclude, excludeSocketId, true);
  }

  /**
   * Refuses a publication to all of {@code names} at once if a lane that would deliver to any
   * of them has a full queue, so that an event for several channels, or a batch, is refused whole
   * before anything is sent; then publish each with {@link #publishAdmitted}.
   *
   * @throws OverloadedException naming the full lane
   */
  public void admit(App app, java.util.Collection<ChannelName> names) {
    AppChannels ac = appChannels(app.id());
    for (ChannelName name : names) {
      Channel ch = ac.channels.get(name.value());
      if (ch != null) {
        checkCapacity(ch);
      }
    }
  }

  /** Publishes what {@link #admit} accepted: delivered whatever the queues hold now. */
  /**
   * Publishes what {@link #admit} accepted: delivered whatever the queues hold now. Completes
   * once the frame is kept where any node's subscriber finds it: at once but for a cache channel
   * in a cluster (then once the cluster keeps it as the channel's last event).
   */
  public CompletionStage<Void> publishAdmitted(App app, ChannelName name, byte[] frame,
      String excludeSocketId) {
    return publish(app, name, frame, null, excludeSocketId, false);
  }

  private CompletionStage<Void> publish(App app, ChannelName name, byte[] frame, Subscriber exclude,
      String excludeSocketId, boolean check) {
    AppChannels ac = appChannels(app.id());
    if (check) {
      Channel ch = ac.channels.get(name.value());
      if (ch != null) {
        checkCapacity(ch);
      }
    }
    if (name.cache()) {
      cache(ac, name.value(), frame);
    }
    deliverLocal(ac, name.value(), frame, exclude, excludeSocketId);
    if (name.cache()) {
      return bus.publishedToCache(app.id(), name.value(), frame, excludeSocketId);
    }
    bus.published(app.id(), name.value(), frame, excludeSocketId);
    return PUBLISHED;
  }

  private static final CompletionStage<Void> PUBLISHED = CompletableFuture.completedFuture(null);

  private void checkCapacity(Channel ch) {
    for (int i = 0; i < lanes.size(); i++) {
      if (ch.lanes[i].size() > 0 && lanes.get(i).isFull()) {
        metrics.overloaded(ch.appId());
        throw new OverloadedException("server is overloaded: " + lanes.get(i) + " has "
            + lanes.get(i).pending() + " queued tasks");
      }
    }
  }

  /** Delivers a frame published on another node to this node's subscribers. */
  public void deliverFromCluster(String appId, String channel, byte[] frame, String excludeSocketId) {
    AppChannels ac = appChannels(appId);
    if (ChannelName.tryParse(channel).map(ChannelName::cache).orElse(false)) {
      cache(ac, channel, frame);
    }
    deliverLocal(ac, channel, frame, null, excludeSocketId);
  }

  /**
   * Delivers a member event of the cluster's roster for {@code channel} to this node's
   * subscribers that joined before {@code version}.
   */
  public void deliverMemberEvent(String appId, String channel, byte[] frame, long version) {
    Channel ch = appChannels(appId).channels.get(channel);
    if (ch != null) {
      broadcast(ch, frame, null, null, version, true);
    }
  }

  // ------------------------------------------------------------------ cluster-wide reads

  /** A channel's occupancy: the cluster's in a cluster, this node's otherwise. */
  public CompletionStage<ChannelStats> channelStats(App app, String channel) {
    return bus.clustered() ? bus.stats(app.id(), channel)
        : CompletableFuture.completedFuture(stats(app, channel));
  }

  /** Occupied channels by prefix, sorted: the cluster's in a cluster, this node's otherwise. */
  public CompletionStage<Map<String, ChannelStats>> occupiedChannels(App app, String prefix) {
    return bus.clustered() ? bus.occupied(app.id(), prefix)
        : CompletableFuture.completedFuture(occupied(app, prefix));
  }

  /** A presence channel's members: the cluster's in a cluster, this node's otherwise. */
  public CompletionStage<List<Member>> presenceMembers(App app, String channel) {
    return bus.clustered() ? bus.members(app.id(), channel)
        : CompletableFuture.completedFuture(members(app, channel));
  }

  /** Whether counts and rosters are the cluster's. */
  public boolean clustered() {
    return bus.clustered();
  }

  /**
   * This node's own subscriptions and presence members, for re-registering them with the
   * cluster after it lost them (its store restarted): its connections are the truth for what it
   * holds.
   */
  public void forEachLocal(LocalHoldings visitor) {
    for (Map.Entry<String, AppChannels> app : apps.entrySet()) {
      for (Channel ch : app.getValue().channels.values()) {
        if (ch.subscriptionCount > 0) {
          visitor.subscriptions(app.getKey(), ch.name().value(), ch.subscriptionCount);
        }
        if (ch.roster != null) {
          for (PresenceRoster.Holding h : ch.roster.holdings()) {
            visitor.member(app.getKey(), ch.name().value(), h.member(), h.connections());
          }
        }
      }
    }
  }

  /** What {@link #forEachLocal} reports. */
  public interface LocalHoldings {
    void subscriptions(String appId, String channel, int count);

    void member(String appId, String channel, Member member, int connections);
  }

  private void deliverLocal(AppChannels ac, String channel, byte[] frame, Subscriber exclude,
      String excludeSocketId) {
    Channel ch = ac.channels.get(channel);
    if (ch != null) {
      broadcast(ch, frame, exclude, excludeSocketId, NO_VERSION_FILTER, false);
    }
  }

  private void broadcast(Channel ch, byte[] frame, Subscriber exclude, String excludeSocketId,
      long version, boolean control) {
    int n = lanes.size();
    for (int i = 0; i < n; i++) {
      LocalSubscribers local = ch.lanes[i];
      if (local.size() == 0) {
        continue;
      }
      Lane lane = lanes.get(i);
      Runnable delivery = () -> {
        int delivered = local.deliver(frame, exclude, excludeSocketId, version);
        lane.wrote(delivered);
        if (delivered > 0) {
          metrics.messagesOut(ch.appId(), delivered);
        }
      };
      if (control || !lane.submit(delivery)) {
        // admitted above: a publisher that raced others past the bound still delivers (the
        // overshoot is at most one task per publisher running at the same moment)
        lane.submitControl(delivery);
      }
    }
  }

  /**
   * Sends {@code pusher_internal:subscription_count}, at most twice a second per channel. In a
   * cluster the count is the cluster's, and its changes come from the bus ({@link
   * #deliverSubscriptionCount}), not from this node's own subscriptions.
   */
  private void countChanged(App app, Channel ch, Lane lane) {
    if (!app.subscriptionCountEvents() || ch.roster != null || bus.clustered()) {
      return;
    }
    scheduleCount(ch, lane);
  }

  /**
   * In a cluster: a channel's subscriptions in the whole cluster are now {@code count}; this
   * node's subscribers hear it (at most twice a second per channel, the latest count).
   */
  public void deliverSubscriptionCount(String appId, String channel, int count) {
    Channel ch = appChannels(appId).channels.get(channel);
    if (ch == null || ch.roster != null) {
      return;
    }
    ch.clusterCount = count;
    Lane lane = lanes.get(Math.floorMod(channel.hashCode(), lanes.size()));
    lane.submitControl(() -> scheduleCount(ch, lane)); // its timers are the lane's own
  }

  private void scheduleCount(Channel ch, Lane lane) {
    if (Channel.COUNT_EVENT_PENDING.compareAndSet(ch, 0, 1)) {
      lane.timers().schedule(clock.millis() + COUNT_EVENT_DELAY_MILLIS, () -> {
        ch.countEventPending = 0;
        int count = bus.clustered() ? ch.clusterCount : ch.subscriptionCount;
        if (count > 0) {
          byte[] frame = PusherCodec.encode(
              new ServerMessage.SubscriptionCount(ch.name().value(), count));
          broadcast(ch, frame, null, null, NO_VERSION_FILTER, true);
        }
      });
    }
  }

  // ------------------------------------------------------------------ cache channels

  private void cache(AppChannels ac, String channel, byte[] frame) {
    long now = clock.millis();
    if (ac.cache.size() >= maxCachedChannels && !ac.cache.containsKey(channel)) {
      ac.cache.values().removeIf(c -> c.expiresAt <= now);
      if (ac.cache.size() >= maxCachedChannels) {
        return; // full of live entries: the newest channel goes uncached rather than grow
      }
    }
    ac.cache.put(channel, new Cached(frame, now + cacheTtlMillis));
    ac.missed.remove(channel);
  }

  /**
   * In a cluster: a cache channel's last event as the cluster kept it, read when this node
   * (re)registers; kept unless this node already has one (heard meanwhile, so newer).
   */
  public void cacheFromCluster(String appId, String channel, byte[] frame, long ttlMillis) {
    AppChannels ac = appChannels(appId);
    long now = clock.millis();
    if (ac.cache.size() >= maxCachedChannels) {
      ac.cache.values().removeIf(c -> c.expiresAt <= now);
      if (ac.cache.size() >= maxCachedChannels) {
        return;
      }
    }
    if (ac.cache.putIfAbsent(channel, new Cached(frame, now + Math.min(ttlMillis, cacheTtlMillis)))
        == null) {
      ac.missed.remove(channel);
    }
  }

  /**
   * Records that a subscriber found a cache channel empty: completes with true the first time
   * since the channel last held an event (its {@code cache_miss} webhook is sent once per empty
   * channel). In a cluster the first time in the whole cluster, as the bus decides; this node's
   * own record spares the bus the later misses of its subscribers.
   */
  public CompletionStage<Boolean> firstCacheMiss(App app, String channel) {
    AppChannels ac = appChannels(app.id());
    if (ac.missed.size() >= maxCachedChannels) {
      ac.missed.clear(); // bounded: at worst a channel's miss is told again
    }
    if (!ac.missed.add(channel)) {
      return CompletableFuture.completedFuture(false);
    }
    return bus.clustered() ? bus.firstCacheMiss(app.id(), channel, cacheTtlMillis)
        : CompletableFuture.completedFuture(true);
  }

  /** The last event published to a cache channel, if it has not expired. */
  public Optional<byte[]> cached(App app, String channel) {
    AppChannels ac = appChannels(app.id());
    Cached c = ac.cache.get(channel);
    if (c == null) {
      return Optional.empty();
    }
    if (c.expiresAt <= clock.millis()) {
      ac.cache.remove(channel, c);
      return Optional.empty();
    }
    return Optional.of(c.frame);
  }

  // ------------------------------------------------------------------ queries

  /** A channel's occupancy; vacant channels are reported as such. */
  public ChannelStats stats(App app, String channel) {
    Channel ch = appChannels(app.id()).channels.get(channel);
    if (ch == null) {
      return ChannelStats.VACANT;
    }
    int count = ch.subscriptionCount;
    return new ChannelStats(count > 0, count, ch.userCount());
  }

  /** Occupied channels whose name starts with {@code prefix}, sorted by name. */
  public Map<String, ChannelStats> occupied(App app, String prefix) {
    List<Channel> matching = new ArrayList<>();
    for (Channel ch : appChannels(app.id()).channels.values()) {
      if (ch.name().value().startsWith(prefix) && ch.subscriptionCount > 0) {
        matching.add(ch);
      }
    }
    matching.sort((a, b) -> a.name().value().compareTo(b.name().value()));
    Map<String, ChannelStats> out = new LinkedHashMap<>();
    for (Channel ch : matching) {
      out.put(ch.name().value(), new ChannelStats(true, ch.subscriptionCount, ch.userCount()));
    }
    return out;
  }

  /** The user ids present in a presence channel. */
  public List<String> users(App app, String channel) {
    Channel ch = appChannels(app.id()).channels.get(channel);
    return ch == null || ch.roster == null ? List.of() : ch.roster.userIds();
  }

  /** The members of a presence channel, in joining order. */
  public List<Member> members(App app, String channel) {
    Channel ch = appChannels(app.id()).channels.get(channel);
    return ch == null || ch.roster == null ? List.of() : ch.roster.members();
  }

  /** Occupied channels of an app on this node. */
  public int channelCount(String appId) {
    AppChannels ac = apps.get(appId);
    return ac == null ? 0 : ac.channels.size();
  }

  /** Subscriptions of an app on this node. */
  public long subscriptionCount(String appId) {
    AppChannels ac = apps.get(appId);
    if (ac == null) {
      return 0;
    }
    long total = 0;
    for (Channel ch : ac.channels.values()) {
      total += ch.subscriptionCount;
    }
    return total;
  }

  private AppChannels appChannels(String appId) {
    return apps.computeIfAbsent(appId, id -> new AppChannels());
  }

  private static final class AppChannels {
    final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    /** Cache channels whose miss was told since they last held an event. */
    final java.util.Set<String> missed = ConcurrentHashMap.newKeySet();
  }

  private record Cached(byte[] frame, long expiresAt) {}
}
