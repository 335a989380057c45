package dev.beacon.server.cluster;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.webhook.WebhookEvent;
import dev.beacon.core.webhook.WebhookSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Webhooks in a cluster: channel occupancy and membership are decided on the whole cluster's
 * state, each event by one node. The Redis scripts report a channel's first subscription and a
 * user's first connection anywhere in the cluster once, on the node whose change made it (a
 * return within the grace period takes back the pending vacate or removal instead, and is no
 * event); vacates and removals wait in Redis for their grace period, so that a node dying
 * meanwhile loses nothing, and every node takes those that are due, each handed to one node.
 * This replaces the single node's {@link dev.beacon.core.webhook.LocalLifecycle}.
 */
public final class ClusterWebhooks implements ClusterBus.Transitions {

  private final Apps apps;
  private final WebhookSink sink;

  private ClusterWebhooks(Apps apps, WebhookSink sink) {
    this.apps = apps;
    this.sink = sink;
  }

  /** Plugs webhooks into the cluster adapter; before it starts. */
  public static void connect(RedisClusterBus bus, Apps apps, WebhookSink sink) {
    Map<String, Long> grace = new LinkedHashMap<>();
    java.util.Set<String> counting = new java.util.HashSet<>();
    java.util.Set<String> misses = new java.util.HashSet<>();
    List<String> all = new ArrayList<>();
    for (App app : apps.all()) {
      all.add(app.id());
      if (app.webhooks().enabled()) {
        grace.put(app.id(), app.webhooks().graceMillis());
        if (app.webhooks().wants(WebhookEvent.SUBSCRIPTION_COUNT)) {
          counting.add(app.id());
        }
        if (app.webhooks().wants(WebhookEvent.CACHE_MISS)) {
          misses.add(app.id());
        }
      }
    }
    ClusterWebhooks webhooks = new ClusterWebhooks(apps, sink);
    bus.transitions(webhooks);
    bus.webhooks(grace, counting, all, webhooks::due);
    bus.cacheMisses(misses);
  }

  @Override
  public void channelOccupied(String appId, String channel) {
    emit(appId, WebhookEvent.channel(WebhookEvent.CHANNEL_OCCUPIED, channel));
  }

  @Override
  public void memberAdded(String appId, String channel, String userId) {
    emit(appId, WebhookEvent.member(WebhookEvent.MEMBER_ADDED, channel, userId));
  }

  // channelVacated and memberRemoved: their events are sent once their grace period is over

  /**
   * Vacates ({@code v\napp\nchannel}) and removals ({@code r\napp\nchannel\nuser}) whose grace
   * period is over, and throttled counts ({@code c\napp\nchannel\ncount}), taken by this node,
   * in order.
   */
  void due(List<String> entries) {
    for (String e : entries) {
      String[] f = e.split("\n", 4);
      if (f.length == 3 && f[0].equals("v")) {
        emit(f[1], WebhookEvent.channel(WebhookEvent.CHANNEL_VACATED, f[2]));
      } else if (f.length == 4 && f[0].equals("r")) {
        emit(f[1], WebhookEvent.member(WebhookEvent.MEMBER_REMOVED, f[2], f[3]));
      } else if (f.length == 4 && f[0].equals("c")) {
        emit(f[1], WebhookEvent.subscriptionCount(f[2], Integer.parseInt(f[3])));
      }
    }
  }

  private void emit(String appId, WebhookEvent event) {
    Optional<App> app = apps.byId(appId);
    if (app.isPresent() && app.get().webhooks().wants(event.name())) {
      sink.emit(appId, event);
    }
  }
}
