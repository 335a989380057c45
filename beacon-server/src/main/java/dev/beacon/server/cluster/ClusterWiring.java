package dev.beacon.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.presence.ClusterLiveness;
import dev.beacon.core.presence.UserPresence;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugs the cluster adapter into this node: what other nodes publish goes to the hub, their
 * terminate requests to the Pusher service, their live-query invalidations to the live-query
 * engine; and the node's own holdings are read from the hub when the adapter re-registers them.
 */
public final class ClusterWiring {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterWiring.class);

  /** The signal topic of live-query invalidations: a JSON array of [scope, id] pairs. */
  static final String LIVE_TOPIC = "live";

  private ClusterWiring() {}

  /** The signal topic of users becoming live somewhere or not live anywhere: '1' or '0', then the id. */
  static final String PRESENCE_TOPIC = "presence";

  public static void connect(RedisClusterBus bus, ChannelHub hub, PusherChannels pusher,
      Changes live, UserPresence presence, Apps apps) {
    bus.inbound(new ClusterBus.Inbound() {
      @Override
      public void published(String appId, String channel, byte[] frame, String excludeSocketId) {
        hub.deliverFromCluster(appId, channel, frame, excludeSocketId);
      }

      @Override
      public void memberEvent(String appId, String channel, byte[] frame, long version) {
        hub.deliverMemberEvent(appId, channel, frame, version);
      }

      @Override
      public void terminateUser(String appId, String userId) {
        pusher.terminateLocal(appId, userId);
      }

      @Override
      public void signal(String topic, String appId, byte[] payload) {
        if (PRESENCE_TOPIC.equals(topic) && payload.length > 1) {
          String userId = new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8);
          presence.clusterChanged(appId, userId, payload[0] == '1', false);
        } else if (LIVE_TOPIC.equals(topic)) {
          try {
            live.changed(decode(appId, payload));
          } catch (IllegalArgumentException e) {
            LOG.warn("cluster: ignored a malformed invalidation: {}", e.getMessage());
          }
        }
      }
    });
    // this node's script made the change: it announces it (last seen, followers, webhooks)
    bus.transitions(new ClusterBus.Transitions() {
      @Override
      public void userOnline(String appId, String userId) {
        presence.clusterChanged(appId, userId, true, true);
      }

      @Override
      public void userOffline(String appId, String userId) {
        presence.clusterChanged(appId, userId, false, true);
      }
    });
    presence.cluster(new ClusterLiveness() {
      @Override
      public boolean clustered() {
        return true;
      }

      @Override
      public java.util.concurrent.CompletionStage<Void> localLive(String appId, String userId,
          boolean isLive) {
        return bus.userLive(appId, userId, isLive);
      }
    });
    bus.onRegistered(() -> {
      for (App app : apps.all()) {
        bus.liveUsers(app.id()).thenAccept(users -> presence.clusterSnapshot(app.id(), users));
      }
    });
    bus.holdings(() -> {
      List<RedisClusterBus.HeldMember> members = new ArrayList<>();
      List<RedisClusterBus.HeldChannel> channels = new ArrayList<>();
      hub.forEachLocal(new ChannelHub.LocalHoldings() {
        @Override
        public void subscriptions(String appId, String channel, int count) {
          channels.add(new RedisClusterBus.HeldChannel(appId, channel, count));
        }

        @Override
        public void member(String appId, String channel, Member member, int connections) {
          members.add(new RedisClusterBus.HeldMember(appId, channel, member, connections));
        }
      });
      List<RedisClusterBus.HeldUser> users = new ArrayList<>();
      for (String[] u : presence.localLiveUsers()) {
        users.add(new RedisClusterBus.HeldUser(u[0], u[1]));
      }
      return new RedisClusterBus.Holdings(members, channels, users);
    });
  }

  /** Sends live-query invalidations to the other nodes, one signal per app. */
  public static void broadcast(ClusterBus bus, Collection<DependencyKey> keys) {
    Map<String, ArrayNode> byApp = new LinkedHashMap<>();
    for (DependencyKey k : keys) {
      byApp.computeIfAbsent(k.appId(), a -> JsonNodeFactory.instance.arrayNode())
          .addArray().add(k.scope()).add(k.id());
    }
    for (Map.Entry<String, ArrayNode> e : byApp.entrySet()) {
      bus.signal(LIVE_TOPIC, e.getKey(), Json.write(e.getValue()).getBytes(StandardCharsets.UTF_8));
    }
  }

  static List<DependencyKey> decode(String appId, byte[] payload) {
    JsonNode array = Json.parse(new String(payload, StandardCharsets.UTF_8));
    List<DependencyKey> keys = new ArrayList<>(array.size());
    for (JsonNode pair : array) {
      keys.add(DependencyKey.of(appId, pair.get(0).asText(), pair.get(1).asText()));
    }
    return keys;
  }
}
