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
 */
public final class TypingIndicators {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ExpiryScheduler expiry;
  private final Changes changes;
  private final LiveEvents live;
  private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();

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
        started = room.typists.put(userId, deadline) == null;
        arm(room, deadline);
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
      room.typists.forEach((user, until) -> {
        if (until > now) {
          out.add(new Typist(user, until));
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
    synchronized (room) {
      room.timer = null;
      long next = Long.MAX_VALUE;
      var it = room.typists.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if (e.getValue() <= now) {
          stopped.add(e.getKey());
          it.remove();
        } else {
          next = Math.min(next, e.getValue());
        }
      }
      if (next != Long.MAX_VALUE) {
        arm(room, next);
      }
      retireIfEmpty(room);
    }
    if (!stopped.isEmpty()) {
      report(room.app, room.roomId, stopped, false);
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

  private static final class Room {
    final App app;
    final String roomId;
    final Map<String, Long> typists = new java.util.LinkedHashMap<>();
    ExpiryScheduler.Handle timer;
    long timerAt;
    boolean retired;

    Room(App app, String roomId) {
      this.app = app;
      this.roomId = roomId;
    }
  }
}
