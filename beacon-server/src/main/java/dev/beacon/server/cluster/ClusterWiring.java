package dev.beacon.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.presence.ClusterLiveness;
import dev.beacon.core.presence.UserPresence;
import dev.beacon.core.builtins.BuiltInFunctions;
import dev.beacon.core.rooms.RoomPresence;
import dev.beacon.core.typing.TypingIndicators;
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
  /** The signal topic of users signed in somewhere or nowhere any more: '1' or '0', then the id. */
  static final String WATCH_TOPIC = "watch";
  /** A user's chosen status set on a node: [user, status, message]. */
  static final String STATUS_TOPIC = "status";
  /** A user's HTTP sessions ended by a call on a node: [user, session or null, signOff]. */
  static final String END_TOPIC = "end";
  /** A user marked offline acted again: [user]. */
  static final String SIGN_ON_TOPIC = "signon";
  /** Someone types in a room, or stopped (0): [room, user, ttl ms]. */
  static final String TYPING_TOPIC = "typing";
  /** A present room member's data changed: [room, user, data JSON]. */
  static final String ROOM_DATA_TOPIC = "roomdata";
  /** A user's HTTP sessions in a room ended by a call on a node: [room, user, session or null]. */
  static final String ROOM_LEAVE_TOPIC = "roomleave";

  public static void connect(RedisClusterBus bus, ChannelHub hub, PusherChannels pusher,
      Changes live, BuiltInFunctions builtIns, Apps apps, java.util.concurrent.Executor blocking) {
    // other nodes add and remove members and take streams over: what they write is read back
    builtIns.conversations().singleNode(false);
    // a stream's chunks and end through any node are made by the node that holds it
    ClusterStreams streams = new ClusterStreams(bus, bus.nodeId());
    builtIns.conversations().streams().relay(streams);
    // a holder that was paused or not listening may have missed a takeover's word: it checks
    // the stored epochs of what it holds once it is registered and subscribed again
    bus.onRegistered(() -> blocking.execute(() -> {
      try {
        builtIns.conversations().streams().recheckHeld();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ClusterWiring.class).warn(
            "cluster: could not check the streams held here against the store", e);
      }
    }));
    UserPresence presence = builtIns.userPresence();
    RoomPresence rooms = builtIns.roomPresence();
    TypingIndicators typing = builtIns.typing();
    dev.beacon.core.time.Clock clock = dev.beacon.core.time.Clock.system();
    // per-user rate limits counted for the whole cluster (Redis), the node's own as pre-check
    builtIns.rateLimiter().cluster(bus::takeToken);
    ClusterRooms roomRosters = new ClusterRooms(bus.nodeId(), rooms, bus);
    rooms.cluster(roomRosters, live);
    ClusterTypists typists = new ClusterTypists(bus, typing, apps, clock);
    typing.cluster(new TypingIndicators.Cluster() {
      @Override
      public void shared(String appId, String roomId, String userId, long ttlMillis) {
        // kept in Redis for nodes that start later, and told to the others, in one step
        bus.typing(appId, roomId, userId, ttlMillis, payload(roomId, userId, ttlMillis));
      }

      @Override
      public void expired(String appId, String roomId, String userId) {
        bus.typing(appId, roomId, userId, -1, new byte[0]);
      }
    }, live);
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
      public void memberEvent(String appId, String channel, byte[] frame, long version,
          String origin) {
        memberEvent(appId, channel, frame, version);
        roomRosters.memberEvent(appId, channel, frame, version, origin);
      }

      @Override
      public void subscriptionCount(String appId, String channel, int count) {
        hub.deliverSubscriptionCount(appId, channel, count);
      }

      @Override
      public void terminateUser(String appId, String userId) {
        pusher.terminateLocal(appId, userId);
      }

      @Override
      public void signal(String topic, String appId, byte[] payload) {
        signal(topic, appId, payload, "");
      }

      @Override
      public void signal(String topic, String appId, byte[] payload, String origin) {
        if (RedisClusterBus.NODE_GONE_TOPIC.equals(topic)) {
          typing.nodeGone(new String(payload, StandardCharsets.UTF_8), false);
        } else if (WATCH_TOPIC.equals(topic) && payload.length > 1) {
          pusher.clusterSignedIn(appId,
              new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8), payload[0] == '1');
        } else if (PRESENCE_TOPIC.equals(topic) && payload.length > 1) {
          String userId = new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8);
          presence.clusterChanged(appId, userId, payload[0] == '1', false);
        } else if (ClusterStreams.REQUEST_TOPIC.equals(topic)) {
          streams.requested(apps, builtIns.conversations().streams(), blocking, appId, payload);
        } else if (ClusterStreams.REPLY_TOPIC.equals(topic)) {
          streams.replied(builtIns.conversations().streams(), payload);
        } else if (feature(topic, appId, payload, origin, presence, rooms, typists, roomRosters,
            apps)) {
          return;
        } else if (PusherChannels.GRANT_TOPIC.equals(topic) || PusherChannels.REVOKE_TOPIC.equals(topic)) {
          try {
            JsonNode a = Json.parse(new String(payload, StandardCharsets.UTF_8));
            if (PusherChannels.GRANT_TOPIC.equals(topic)) {
              pusher.grantLocal(appId, a.get(0).asText(), a.get(1).asText(), a.get(2).asText());
            } else {
              pusher.endAccessLocal(appId, a.get(0).asText(), a.get(1).asText(), a.get(2).asText());
            }
          } catch (RuntimeException e) {
            LOG.warn("cluster: ignored a malformed {} signal: {}", topic, e.getMessage());
          }
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

      @Override
      public void userSignedIn(String appId, String userId, boolean signedIn) {
        pusher.clusterSignedIn(appId, userId, signedIn);
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

      @Override
      public void statusShared(String appId, String userId, String status, String message) {
        bus.signal(STATUS_TOPIC, appId, payload(userId, status, message));
      }

      @Override
      public void sessionsEnded(String appId, String userId, java.util.Optional<String> sessionId,
          boolean signOff) {
        bus.signal(END_TOPIC, appId, payload(userId, sessionId.orElse(null), signOff));
      }

      @Override
      public void signedOn(String appId, String userId) {
        bus.signal(SIGN_ON_TOPIC, appId, payload(userId));
      }
    }, live);
    bus.onRegistered(roomRosters::reload);
    bus.onRegistered(typists::reload);
    // cache channels: a node started after an event has it too
    bus.onRegistered(() -> bus.cachedEvents().onSuccess(events -> events.forEach(
        e -> hub.cacheFromCluster(e.appId(), e.channel(), e.frame(), e.ttlMillis()))));
    pusher.cluster(bus::signedIn);
    bus.countEvents(apps.all().stream().filter(App::subscriptionCountEvents).map(App::id)
        .collect(java.util.stream.Collectors.toSet()), apps.all().stream().map(App::id).toList());
    bus.onNodeGone(typing::nodeGone);
    bus.onRegistered(() -> {
      for (App app : apps.all()) {
        bus.liveUsers(app.id()).thenAccept(users -> presence.clusterSnapshot(app.id(), users));
        bus.signedInUsers(app.id()).thenAccept(
            users -> pusher.clusterSignedInSnapshot(app.id(), users));
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
          // a room member's data as this node knows it, put back in Redis if Redis lost it
          String data = channel.startsWith(ClusterRooms.PREFIX)
              ? rooms.dataOf(appId, channel.substring(ClusterRooms.PREFIX.length()),
                  member.userId()).orElse(null)
              : null;
          members.add(new RedisClusterBus.HeldMember(appId, channel, member, connections, data));
        }
      });
      List<RedisClusterBus.HeldUser> users = new ArrayList<>();
      for (String[] u : presence.localLiveUsers()) {
        users.add(new RedisClusterBus.HeldUser(u[0], u[1]));
      }
      List<RedisClusterBus.HeldUser> signedIn = new ArrayList<>();
      for (String[] u : pusher.localSignedIn()) {
        signedIn.add(new RedisClusterBus.HeldUser(u[0], u[1]));
      }
      List<RedisClusterBus.HeldTypist> ownTypists = new ArrayList<>();
      for (TypingIndicators.Held t : typing.held(clock.millis())) {
        ownTypists.add(new RedisClusterBus.HeldTypist(t.appId(), t.roomId(), t.userId(),
            t.ttlMillis()));
      }
      return new RedisClusterBus.Holdings(members, channels, users, signedIn, ownTypists);
    });
  }

  /**
   * Applies another node's signal of a built-in feature (statuses, sessions ended, typing, room
   * data and leaves); false if the topic is none of theirs.
   */
  private static boolean feature(String topic, String appId, byte[] payload, String origin,
      UserPresence presence, RoomPresence rooms, ClusterTypists typists, ClusterRooms roomRosters,
      Apps apps) {
    if (!FEATURE_TOPICS.contains(topic)) {
      return false;
    }
    java.util.Optional<App> app = apps.byId(appId);
    JsonNode a;
    try {
      a = Json.parse(new String(payload, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("cluster: ignored a malformed '{}' signal: {}", topic, e.getMessage());
      return true;
    }
    if (app.isEmpty() || !a.isArray()) {
      return true;
    }
    switch (topic) {
      case STATUS_TOPIC -> presence.remoteStatus(appId, a.path(0).asText(), a.path(1).asText(),
          text(a.get(2)));
      case END_TOPIC -> presence.remoteSessionsEnded(appId, a.path(0).asText(),
          java.util.Optional.ofNullable(text(a.get(1))), a.path(2).asBoolean());
      case SIGN_ON_TOPIC -> presence.remoteSignedOn(appId, a.path(0).asText());
      case TYPING_TOPIC -> typists.signal(app.get(), a.path(0).asText(), a.path(1).asText(),
          a.path(2).asLong(), origin);
      case ROOM_DATA_TOPIC -> roomRosters.dataEvent(appId, a.path(0).asText(), a.path(1).asText(),
          a.path(2).asText(), false);
      case ROOM_LEAVE_TOPIC -> rooms.leaveHere(app.get(), a.path(0).asText(), a.path(1).asText(),
          java.util.Optional.ofNullable(text(a.get(2))));
      default -> { }
    }
    return true;
  }

  private static final java.util.Set<String> FEATURE_TOPICS = java.util.Set.of(STATUS_TOPIC,
      END_TOPIC, SIGN_ON_TOPIC, TYPING_TOPIC, ROOM_DATA_TOPIC, ROOM_LEAVE_TOPIC);

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  /** A signal's payload: a JSON array of the values (strings, numbers, booleans or null). */
  static byte[] payload(Object... values) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (Object v : values) {
      if (v == null) {
        array.addNull();
      } else if (v instanceof Boolean b) {
        array.add(b);
      } else if (v instanceof Long n) {
        array.add(n);
      } else {
        array.add(v.toString());
      }
    }
    return Json.write(array).getBytes(StandardCharsets.UTF_8);
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
