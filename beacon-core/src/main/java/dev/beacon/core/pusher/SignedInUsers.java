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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SignedInUsers.class);

  private final ConcurrentHashMap<String, AppUsers> apps = new ConcurrentHashMap<>();
  /** In a cluster: where this node's first and last sign-ins of a user go. */
  private volatile ClusterSignIns cluster;

  void cluster(ClusterSignIns cluster) {
    this.cluster = cluster;
  }

  void signIn(App app, PusherSession session, UserData user) {
    AppUsers au = apps.computeIfAbsent(app.id(), id -> new AppUsers());
    au.sessions.compute(user.id(), (id, list) -> {
      List<PusherSession> sessions = list == null ? new ArrayList<>(2) : list;
      sessions.add(session);
      if (sessions.size() == 1) {
        transition(app, au, id, true);
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
      (au.sessions.containsKey(watched) || au.clusterOnline.contains(watched) ? online : offline)
          .add(watched);
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
        transition(app, au, id, false);
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

  /**
   * The user's first signed-in connection on this node, or its last, ended: on one node its
   * watchers hear it at once; in a cluster the registry decides whether the cluster's state moved
   * (then this node tells its watchers, and the others theirs). Under the user's entry, so the
   * registry hears one user's changes in order.
   */
  private void transition(App app, AppUsers au, String userId, boolean online) {
    ClusterSignIns c = cluster;
    if (c == null) {
      if (app.watchlistEvents()) {
        notifyWatchers(au, userId, online ? "online" : "offline");
      }
      return;
    }
    c.changed(app.id(), userId, online).whenComplete((moved, error) -> {
      if (error != null) {
        // the cluster cannot say: this node's watchers hear of this node's change
        LOG.debug("cluster: a sign-in was not recorded: {}", error.getMessage());
        clusterChanged(app, userId, online);
      } else if (moved) {
        clusterChanged(app, userId, online);
      }
    });
  }

  /**
   * In a cluster: the user became signed in somewhere, or is signed in nowhere any more; this
   * node's watchers of the user are told.
   */
  void clusterChanged(App app, String userId, boolean online) {
    AppUsers au = apps.computeIfAbsent(app.id(), id -> new AppUsers());
    boolean changed = online ? au.clusterOnline.add(userId) : au.clusterOnline.remove(userId);
    if (changed && app.watchlistEvents()) {
      notifyWatchers(au, userId, online ? "online" : "offline");
    }
  }

  /** In a cluster: who is signed in anywhere (after (re)connecting); watchers hear the changes. */
  void clusterSnapshot(App app, java.util.Collection<String> signedIn) {
    AppUsers au = apps.computeIfAbsent(app.id(), id -> new AppUsers());
    Set<String> now = new java.util.HashSet<>(signedIn);
    for (String u : List.copyOf(au.clusterOnline)) {
      if (!now.contains(u)) {
        clusterChanged(app, u, false);
      }
    }
    for (String u : now) {
      clusterChanged(app, u, true);
    }
  }

  /** The users signed in on this node, as app id and user id pairs (for re-registering). */
  List<String[]> local() {
    List<String[]> out = new ArrayList<>();
    apps.forEach((appId, au) -> au.sessions.keySet().forEach(u -> out.add(new String[] {appId, u})));
    return out;
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
    /** In a cluster: the users signed in on any node (this one included). */
    final Set<String> clusterOnline = ConcurrentHashMap.newKeySet();
  }
}
