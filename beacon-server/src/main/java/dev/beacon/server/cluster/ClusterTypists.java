package dev.beacon.server.cluster;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.time.Clock;
import dev.beacon.core.typing.TypingIndicators;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps this node's copy of the other nodes' typists in step with the cluster: the {@code typing}
 * signals as they come, and after each (re)registration the typists Redis keeps ({@code P
 * node:{node}:ty}), so a node started later, or one that missed signals while Redis was away,
 * answers {@code typing:*} as the others do. Signals heard while that snapshot is read are held
 * and applied after it (each is a start with its time left or a stop, so applying one the
 * snapshot already holds changes nothing).
 */
final class ClusterTypists {

  /** Signals held while a snapshot is read; past that they are dropped (the deadlines remain). */
  static final int MAX_HELD = 100_000;

  private record Signal(App app, String roomId, String userId, long ttlMillis, String origin,
      long heardAt) {}

  private final RedisClusterBus bus;
  private final TypingIndicators typing;
  private final Apps apps;
  private final Clock clock;
  private List<Signal> held;
  private int reading;

  ClusterTypists(RedisClusterBus bus, TypingIndicators typing, Apps apps, Clock clock) {
    this.bus = bus;
    this.typing = typing;
    this.apps = apps;
    this.clock = clock;
  }

  /** Another node's typist started ({@code ttlMillis} > 0) or stopped. */
  void signal(App app, String roomId, String userId, long ttlMillis, String origin) {
    long now = clock.millis();
    synchronized (this) {
      if (held != null) {
        if (held.size() < MAX_HELD) {
          held.add(new Signal(app, roomId, userId, ttlMillis, origin, now));
        }
        return;
      }
      typing.remote(app, roomId, userId, ttlMillis, now, origin);
    }
  }

  /** Reads the other nodes' typists from Redis and makes this node's copy what they are. */
  void reload() {
    synchronized (this) {
      reading++;
      if (held == null) {
        held = new ArrayList<>();
      }
    }
    bus.typists().onComplete(ar -> {
      synchronized (this) {
        reading--;
        long now = clock.millis();
        if (ar.succeeded()) {
          List<TypingIndicators.Held> snapshot = new ArrayList<>(ar.result().size());
          for (RedisClusterBus.RemoteTypist t : ar.result()) {
            snapshot.add(new TypingIndicators.Held(t.appId(), t.roomId(), t.userId(), t.node(),
                t.ttlMillis()));
          }
          typing.remoteSnapshot(snapshot, now, apps::byId);
        }
        for (Signal s : held) {
          long left = s.ttlMillis() > 0 ? Math.max(1, s.ttlMillis() - (now - s.heardAt())) : 0;
          typing.remote(s.app(), s.roomId(), s.userId(), left, now, s.origin());
        }
        if (reading == 0) {
          held = null;
        }
      }
    });
  }
}
