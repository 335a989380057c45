package dev.beacon.core.pusher;

import dev.beacon.core.app.App;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.ServerMessage;
import dev.beacon.protocol.pusher.ServerMessage.WatchlistEvent;
import dev.beacon.protocol.pusher.UserData;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users signed in with {@code pusher:signin}, and who watches whom.
 *
 * <p>A user is online while at least one of its connections is signed in. The transition to
 * online or offline is decided, and the watchers' events queued, under the user's map entry, so
 * watchers see a user's transitions in the order they happened.
 */
final class SignedInUsers {

  private final ConcurrentHashMap<String, AppUsers> apps = new ConcurrentHashMap<>();

  void signIn(App app, PusherSession session, UserData user) {
    AppUsers au = apps.computeIfAbsent(app.id(), id -> new AppUsers());
    au.sessions.compute(user.id(), (id, list) -> {
      List<PusherSession> sessions = list == null ? new ArrayList<>(2) : list;
      sessions.add(session);
      if (sessions.size() == 1 && app.watchlistEvents()) {
        notifyWatchers(au, id, "online");
      }
      return sessions;
    });
    watch(app, au, session, user);
  }

  /**
   * The same user signed in again on the same connection, maybe with another watchlist: its
   * watchlist is replaced and reported, and nobody hears it go offline and online again.
   */
  void signInAgain(App app, PusherSession session, UserData before, UserData after) {
    AppUsers au = apps.computeIfAbsent(app.id(), id -> new AppUsers());
    unwatch(au, session, before);
    watch(app, au, session, after);
  }

  private void watch(App app, AppUsers au, PusherSession session, UserData user) {
    if (!app.watchlistEvents() || user.watchlist().isEmpty()) {
      return;
    }
    // register first, then read the statuses: a user coming online in between is reported twice
    // (harmless) rather than never
    for (String watched : user.watchlist()) {
      au.watchers.computeIfAbsent(watched, w -> ConcurrentHashMap.newKeySet()).add(session);
    }
    List<String> online = new ArrayList<>();
    List<String> offline = new ArrayList<>();
    for (String watched : user.watchlist()) {
      (au.sessions.containsKey(watched) ? online : offline).add(watched);
    }
    List<WatchlistEvent> events = new ArrayList<>(2);
    if (!online.isEmpty()) {
      events.add(new WatchlistEvent("online", online));
    }
    if (!offline.isEmpty()) {
      events.add(new WatchlistEvent("offline", offline));
    }
    session.send(new ServerMessage.WatchlistEvents(events));
  }

  void signOut(App app, PusherSession session, UserData user) {
    AppUsers au = apps.get(app.id());
    if (au == null) {
      return;
    }
    au.sessions.computeIfPresent(user.id(), (id, sessions) -> {
      sessions.remove(session);
      if (sessions.isEmpty()) {
        if (app.watchlistEvents()) {
          notifyWatchers(au, id, "offline");
        }
        return null;
      }
      return sessions;
    });
    unwatch(au, session, user);
  }

  private static void unwatch(AppUsers au, PusherSession session, UserData user) {
    for (String watched : user.watchlist()) {
      au.watchers.computeIfPresent(watched, (w, set) -> {
        set.remove(session);
        return set.isEmpty() ? null : set;
      });
    }
  }

  /** Whether the user has a signed-in connection on this node. */
  boolean isOnline(String appId, String userId) {
    AppUsers au = apps.get(appId);
    return au != null && au.sessions.containsKey(userId);
  }

  private static void notifyWatchers(AppUsers au, String userId, String name) {
    Set<PusherSession> watchers = au.watchers.get(userId);
    if (watchers == null || watchers.isEmpty()) {
      return;
    }
    byte[] frame = PusherCodec.encode(new ServerMessage.WatchlistEvents(
        List.of(new WatchlistEvent(name, List.of(userId)))));
    for (PusherSession watcher : watchers) {
      watcher.lane().submitControl(() -> watcher.deliver(frame));
    }
  }

  private static final class AppUsers {
    final ConcurrentHashMap<String, List<PusherSession>> sessions = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Set<PusherSession>> watchers = new ConcurrentHashMap<>();
  }
}
