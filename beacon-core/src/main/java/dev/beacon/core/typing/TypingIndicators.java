package dev.beacon.core.typing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.time.ExpiryScheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is typing in which chatroom. Typing lasts the app's typing TTL (5 s) unless refreshed;
 * each room has one timer at its earliest deadline. Starting and stopping (by call or by expiry)
 * are {@code typing} events on the room's channel and {@code typing/room} changes. Memory only.
 *
 * <p>In a cluster every node keeps every node's typists: a start or stop made here is shared
 * ({@link Cluster}) and applied on the others ({@link #remote}) without events (the channel's
 * events cross nodes as publications, and the changes as invalidations). Each node expires what
 * it holds at the typist's deadline, so a dead node's typists go at their deadline everywhere.
 */
public final class TypingIndicators {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ExpiryScheduler expiry;
  private final Changes changes;
  private final LiveEvents live;
  private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
  private volatile Cluster cluster;
  private volatile Changes localChanges = Changes.NONE;

  /** Where this node's typing starts and stops go in a cluster. */
  public interface Cluster {

    /** {@code userId} types in the room for {@code ttlMillis} more, or stopped ({@code 0}). */
    void shared(String appId, String roomId, String userId, long ttlMillis);

    /** This node's typist reached its deadline (every node expires it by itself). */
    default void expired(String appId, String roomId, String userId) {}
  }

  /** A typist with the node that holds it (null: this one) and the time it has left. */
  public record Held(String appId, String roomId, String userId, String origin, long ttlMillis) {}

  /** The typists this node started (or refreshed last), with the time they have left. */
  public List<Held> held(long now) {
    List<Held> out = new ArrayList<>();
    for (Room room : rooms.values()) {
      synchronized (room) {
        room.typists.forEach((user, t) -> {
          if (t.origin() == null && t.until() > now) {
            out.add(new Held(room.app.id(), room.roomId, user, null, t.until() - now));
          }
        });
      }
    }
    return out;
  }

  /**
   * In a cluster: the other nodes' typists as the cluster keeps them (read after this node
   * (re)registered): they replace what this node knew of other nodes' typists, with no event
   * (those were sent when they started and stop); readers here are told of the rooms that
   * changed. {@code apps} finds an app by id (typists of apps unknown here are skipped).
   */
  public void remoteSnapshot(List<Held> typists, long now,
      java.util.function.Function<String, java.util.Optional<App>> apps) {
    Map<String, Map<String, Held>> byRoom = new HashMap<>();
    for (Held t : typists) {
      if (t.origin() != null && t.ttlMillis() > 0) {
        byRoom.computeIfAbsent(t.appId() + '\u0000' + t.roomId(), k -> new HashMap<>())
            .put(t.userId(), t);
      }
    }
    List<DependencyKey> changed = new ArrayList<>();
    // remote typists no longer in the cluster
    for (Room room : rooms.values()) {
      Map<String, Held> want = byRoom.getOrDefault(room.app.id() + '\u0000' + room.roomId, Map.of());
      boolean gone = false;
      synchronized (room) {
        var it = room.typists.entrySet().iterator();
        while (it.hasNext()) {
          var e = it.next();
          if (e.getValue().origin() != null && !want.containsKey(e.getKey())) {
            it.remove();
            gone = true;
          }
        }
        retireIfEmpty(room);
      }
      if (gone) {
        changed.add(DependencyKey.of(room.app.id(), "typing", room.roomId));
      }
    }
    for (Map<String, Held> room : byRoom.values()) {
      for (Held t : room.values()) {
        java.util.Optional<App> app = apps.apply(t.appId());
        if (app.isEmpty()) {
          continue;
        }
        Room r = rooms.get(t.appId() + '\u0000' + t.roomId());
        Typing known;
        if (r != null) {
          synchronized (r) {
            known = r.typists.get(t.userId());
          }
          if (known != null && known.origin() == null) {
            continue; // this node's own typist: its state is the truth
          }
        }
        remote(app.get(), t.roomId(), t.userId(), t.ttlMillis(), now, t.origin());
        changed.add(DependencyKey.of(t.appId(), "typing", t.roomId()));
      }
    }
    if (!changed.isEmpty()) {
      localChanges.changed(List.copyOf(new java.util.LinkedHashSet<>(changed)));
    }
  }

  /**
   * Shares this node's starts and stops with the other nodes; {@code localChanges} is told when a
   * typist another node shared expires here. Set once, before serving.
   */
  public void cluster(Cluster cluster, Changes localChanges) {
    this.localChanges = localChanges;
    this.cluster = cluster;
  }

  public TypingIndicators(ExpiryScheduler expiry, Changes changes, LiveEvents live) {
    this.expiry = expiry;
    this.changes = changes;
    this.live = live;
  }

  /** Someone typing, and until when. */
  public record Typist(String userId, long expiresAt) {}

  public void start(App app, String roomId, String userId, long now) {
    long deadline = now + app.functions().typingTtlSeconds() * 1000L;
    while (true) {
      Room room = rooms.computeIfAbsent(app.id() + '\u0000' + roomId, k -> new Room(app, roomId));
      boolean started;
      synchronized (room) {
        if (room.retired) {
          continue;
        }
        started = room.typists.put(userId, new Typing(deadline, null)) == null;
        arm(room, deadline);
      }
      Cluster c = cluster;
      if (c != null) {
        // before the changes below: another node applies it before it re-runs its queries
        c.shared(app.id(), roomId, userId, deadline - now);
      }
      if (started) {
        report(app, roomId, List.of(userId), true);
      } else {
        // a refresh: no new typist for the room channel, but the queries' expiresAt moved
        changes.changed(List.of(DependencyKey.of(app.id(), "typing", roomId)));
      }
      return;
    }
  }

  public void stop(App app, String roomId, String userId) {
    Room room = rooms.get(app.id() + '\u0000' + roomId);
    if (room == null) {
      return;
    }
    boolean stopped;
    synchronized (room) {
      stopped = room.typists.remove(userId) != null;
      retireIfEmpty(room);
    }
    Cluster c = cluster;
    if (stopped && c != null) {
      c.shared(app.id(), roomId, userId, 0);
    }
    if (stopped) {
      report(app, roomId, List.of(userId), false);
    }
  }

  /** Who is typing now, in the order they started. */
  public List<Typist> typing(String appId, String roomId, long now) {
    Room room = rooms.get(appId + '\u0000' + roomId);
    if (room == null) {
      return List.of();
    }
    List<Typist> out = new ArrayList<>();
    synchronized (room) {
      room.typists.forEach((user, t) -> {
        if (t.until() > now) {
          out.add(new Typist(user, t.until()));
        }
      });
    }
    return out;
  }

  private void arm(Room room, long deadline) {
    if (room.timer != null && room.timerAt <= deadline) {
      return;
    }
    if (room.timer != null) {
      room.timer.cancel();
    }
    room.timerAt = deadline;
    room.timer = expiry.schedule(deadline, () -> expire(room));
  }

  private void expire(Room room) {
    long now = expiry.clock().millis();
    List<String> stopped = new ArrayList<>();
    boolean remoteStopped = false;
    synchronized (room) {
      room.timer = null;
      long next = Long.MAX_VALUE;
      var it = room.typists.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if (e.getValue().until() <= now) {
          if (e.getValue().origin() != null) {
            remoteStopped = true; // the node that shared it tells the room, if it lives
          } else {
            stopped.add(e.getKey());
          }
          it.remove();
        } else {
          next = Math.min(next, e.getValue().until());
        }
      }
      if (next != Long.MAX_VALUE) {
        arm(room, next);
      }
      retireIfEmpty(room);
    }
    Cluster c = cluster;
    if (c != null) {
      for (String user : stopped) {
        c.expired(room.app.id(), room.roomId, user);
      }
    }
    if (!stopped.isEmpty()) {
      report(room.app, room.roomId, stopped, false);
    } else if (remoteStopped) {
      localChanges.changed(List.of(DependencyKey.of(room.app.id(), "typing", room.roomId)));
    }
  }

  /**
   * In a cluster: another node shared that {@code userId} types in the room for {@code
   * ttlMillis} more, or stopped ({@code 0}). No event and no change is made here: the node that
   * shared it sends them to every node.
   */
  public void remote(App app, String roomId, String userId, long ttlMillis, long now,
      String origin) {
    if (ttlMillis <= 0) {
      Room room = rooms.get(app.id() + '\u0000' + roomId);
      if (room != null) {
        synchronized (room) {
          room.typists.remove(userId);
          retireIfEmpty(room);
        }
      }
      return;
    }
    long deadline = now + ttlMillis;
    while (true) {
      Room room = rooms.computeIfAbsent(app.id() + '\u0000' + roomId, k -> new Room(app, roomId));
      synchronized (room) {
        if (room.retired) {
          continue;
        }
        room.typists.put(userId, new Typing(deadline, origin));
        arm(room, deadline);
      }
      return;
    }
  }

  /**
   * In a cluster: a node died; its typists stop here at once. {@code announce} on the one node
   * that cleaned up after it: it tells the rooms ({@code typing} false) and every node's readers.
   */
  public void nodeGone(String node, boolean announce) {
    for (Room room : rooms.values()) {
      List<String> stopped = new ArrayList<>();
      synchronized (room) {
        var it = room.typists.entrySet().iterator();
        while (it.hasNext()) {
          var e = it.next();
          if (node.equals(e.getValue().origin())) {
            stopped.add(e.getKey());
            it.remove();
          }
        }
        retireIfEmpty(room);
      }
      if (stopped.isEmpty()) {
        continue;
      }
      if (announce) {
        report(room.app, room.roomId, stopped, false);
      } else {
        localChanges.changed(List.of(DependencyKey.of(room.app.id(), "typing", room.roomId)));
      }
    }
  }

  /** Drops a room nobody types in. Lock held. */
  private void retireIfEmpty(Room room) {
    if (room.typists.isEmpty()) {
      if (room.timer != null) {
        room.timer.cancel();
        room.timer = null;
      }
      room.retired = true;
      rooms.remove(room.app.id() + '\u0000' + room.roomId, room);
    }
  }

  private void report(App app, String roomId, List<String> users, boolean typing) {
    changes.changed(List.of(DependencyKey.of(app.id(), "typing", roomId)));
    for (String user : users) {
      live.toRoom(app, roomId, "typing", NODES.objectNode().put("userId", user).put("typing", typing));
    }
  }

  /** Until when a user types; {@code origin}: the node that shared it (null: this one). */
  private record Typing(long until, String origin) {}

  private static final class Room {
    final App app;
    final String roomId;
    final Map<String, Typing> typists = new java.util.LinkedHashMap<>();
    ExpiryScheduler.Handle timer;
    long timerAt;
    boolean retired;

    Room(App app, String roomId) {
      this.app = app;
      this.roomId = roomId;
    }
  }
}
