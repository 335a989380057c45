package dev.beacon.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.rooms.RoomPresence;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This node's copy of the cluster's rosters of the room channels ({@code presence-room-*}), so
 * that {@code rooms:*} answer for the whole cluster on every node: kept from the cluster's member
 * events (which reach every node, numbered by each roster's version) and loaded from Redis after
 * each (re)registration. Each change is told to {@link RoomPresence}; the visit of a member who
 * left is stored by the node whose change made it leave (the event's origin).
 *
 * <p>While a snapshot is being read, events are held and replayed after it: for a channel in the
 * snapshot only those numbered above its version, for a channel missing from it (empty when it
 * was read) all of them, in order (an add and its remove both before the read leave it empty).
 */
final class ClusterRooms implements RoomPresence.Cluster {

  static final String PREFIX = "presence-room-";
  /** Events held while a snapshot is read; more than that and the snapshot is read again. */
  static final int MAX_HELD = 100_000;

  private final String node;
  private final RoomPresence rooms;
  private final RedisClusterBus bus;
  private final Map<String, Roster> rosters = new HashMap<>();
  private List<Event> held;
  private boolean overflowed;

  ClusterRooms(String node, RoomPresence rooms, RedisClusterBus bus) {
    this.node = node;
    this.rooms = rooms;
    this.bus = bus;
  }

  private static final class Roster {
    long version;
    final LinkedHashMap<String, String> members = new LinkedHashMap<>();
  }

  /**
   * A member event ({@code data} false: added or removed, {@code info} its user_info), or a
   * member's new data ({@code data} true, {@code info} the data).
   */
  private record Event(String app, String channel, long version, boolean added, String userId,
      String info, boolean mine, boolean data) {}

  /**
   * A room member's new data, this node's change or another node's ({@code roomdata}): held
   * while a snapshot is read, like member events, so the snapshot's older data never wins.
   */
  void dataEvent(String appId, String roomId, String userId, String dataJson, boolean mine) {
    Event e = new Event(appId, PREFIX + roomId, -1, false, userId, dataJson, mine, true);
    synchronized (this) {
      if (!hold(e)) {
        apply(e, false);
      }
    }
  }

  /** Holds {@code e} while a snapshot is read (true), else false. Lock held. */
  private boolean hold(Event e) {
    if (held == null) {
      return false;
    }
    if (held.size() >= MAX_HELD) {
      overflowed = true;
    } else {
      held.add(e);
    }
    return true;
  }

  /** A member event of the cluster (any node's, this one's too). */
  void memberEvent(String appId, String channel, byte[] frame, long version, String origin) {
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    Event e = parse(appId, channel, frame, version, node.equals(origin));
    if (e == null) {
      return;
    }
    synchronized (this) {
      if (!hold(e)) {
        apply(e, false);
      }
    }
  }

  /** Reads the cluster's rosters again (after a (re)registration) and applies the difference. */
  void reload() {
    synchronized (this) {
      held = new ArrayList<>();
      overflowed = false;
    }
    bus.rosters(PREFIX).onComplete(ar -> {
      synchronized (this) {
        List<Event> replay = held;
        held = null;
        if (ar.failed() || overflowed) {
          // keep what is known; the next registration reads again
          for (Event e : replay) {
            apply(e, false);
          }
          if (ar.succeeded()) {
            reload();
          }
          return;
        }
        Map<String, RedisClusterBus.RosterSnapshot> snap = new HashMap<>();
        for (RedisClusterBus.RosterSnapshot r : ar.result()) {
          snap.put(key(r.appId(), r.channel()), r);
        }
        // channels no longer there are empty now
        for (String k : new ArrayList<>(rosters.keySet())) {
          if (!snap.containsKey(k)) {
            String[] ac = k.split("\n", 2);
            Roster r = rosters.remove(k);
            for (String user : r.members.keySet()) {
              rooms.rosterLeft(ac[0], ac[1], user, false);
            }
          }
        }
        for (RedisClusterBus.RosterSnapshot s : snap.values()) {
          Roster r = rosters.computeIfAbsent(key(s.appId(), s.channel()), x -> new Roster());
          Map<String, String> want = new LinkedHashMap<>();
          for (Member m : s.members()) {
            want.put(m.userId(), m.userInfoJson());
          }
          for (String user : new ArrayList<>(r.members.keySet())) {
            if (!want.containsKey(user)) {
              r.members.remove(user);
              rooms.rosterLeft(s.appId(), s.channel(), user, false);
            }
          }
          String roomId = s.channel().substring(PREFIX.length());
          for (Map.Entry<String, String> m : want.entrySet()) {
            if (!r.members.containsKey(m.getKey())) {
              r.members.put(m.getKey(), m.getValue());
              rooms.rosterJoined(s.appId(), s.channel(), new Member(m.getKey(), m.getValue()));
            }
            // the member's latest data as the cluster keeps it (its user_info if it never
            // changed since it joined); this node's own later changes are replayed below
            rooms.remoteData(s.appId(), roomId, m.getKey(),
                s.data().getOrDefault(m.getKey(), m.getValue()));
          }
          r.version = s.version();
        }
        for (Event e : replay) {
          // a channel read in the snapshot takes what is newer; one missing from it everything
          apply(e, !snap.containsKey(key(e.app(), e.channel())));
        }
      }
    });
  }

  /** Lock held. */
  private void apply(Event e, boolean anyVersion) {
    if (e.data()) {
      rooms.remoteData(e.app(), e.channel().substring(PREFIX.length()), e.userId(), e.info());
      return;
    }
    String k = key(e.app(), e.channel());
    Roster r = rosters.get(k);
    if (r == null) {
      if (!e.added()) {
        return;
      }
      r = new Roster();
      rosters.put(k, r);
    }
    if (!anyVersion && e.version() <= r.version) {
      return; // known already (in the snapshot)
    }
    r.version = Math.max(r.version, e.version());
    if (e.added()) {
      if (r.members.put(e.userId(), e.info()) == null) {
        rooms.rosterJoined(e.app(), e.channel(), new Member(e.userId(), e.info()));
      }
    } else if (r.members.remove(e.userId()) != null) {
      rooms.rosterLeft(e.app(), e.channel(), e.userId(), e.mine());
    }
    if (r.members.isEmpty()) {
      // the version stays known until the next snapshot only through new events: an empty
      // roster is forgotten, and its next event (numbered higher) starts it again
      rosters.remove(k);
    }
  }

  @Override
  public synchronized List<Member> members(String appId, String channel) {
    Roster r = rosters.get(key(appId, channel));
    if (r == null) {
      return List.of();
    }
    List<Member> out = new ArrayList<>(r.members.size());
    r.members.forEach((user, info) -> out.add(new Member(user, info)));
    return out;
  }

  @Override
  public void dataChanged(String appId, String roomId, String userId, String dataJson) {
    synchronized (this) {
      // replayed after a snapshot being read, which may predate it
      hold(new Event(appId, PREFIX + roomId, -1, false, userId, dataJson, true, true));
    }
    bus.roomData(appId, PREFIX + roomId, userId, dataJson,
        ClusterWiring.payload(roomId, userId, dataJson));
  }

  @Override
  public void sessionsEnded(String appId, String roomId, String userId, Optional<String> sessionId) {
    bus.signal(ClusterWiring.ROOM_LEAVE_TOPIC, appId,
        ClusterWiring.payload(roomId, userId, sessionId.orElse(null)));
  }

  private static String key(String appId, String channel) {
    return appId + '\n' + channel;
  }

  private static Event parse(String appId, String channel, byte[] frame, long version,
      boolean mine) {
    try {
      JsonNode msg = Json.parse(new String(frame, StandardCharsets.UTF_8));
      String event = msg.path("event").asText();
      JsonNode data = Json.parse(msg.path("data").asText());
      String user = data.path("user_id").asText();
      if ("pusher_internal:member_added".equals(event)) {
        JsonNode info = data.get("user_info");
        return new Event(appId, channel, version, true, user,
            info == null ? "null" : Json.write(info), mine, false);
      }
      if ("pusher_internal:member_removed".equals(event)) {
        return new Event(appId, channel, version, false, user, null, mine, false);
      }
    } catch (RuntimeException e) {
      // not a member event this node can read: the roster copy catches up on the next snapshot
    }
    return null;
  }
}
