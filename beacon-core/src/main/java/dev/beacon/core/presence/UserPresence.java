package dev.beacon.core.presence;

import dev.beacon.core.store.DurableWrites;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.hub.UserConnections;
import dev.beacon.core.social.FriendGraph;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.time.SessionDeadlines;
import dev.beacon.core.webhook.WebhookEvent;
import dev.beacon.core.webhook.WebhookSink;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Who is online across an app. A user is online while it has a live session and has not chosen
 * to appear offline; sessions are HTTP heartbeats (each expiring after the app's presence TTL
 * unless renewed) and WebSocket connections acting as the user (either protocol). Going offline
 * sets {@code lastSeen}, which is stored durably, as are the chosen status and message.
 *
 * <p>Each user's state is guarded by its own lock. Expiry runs off one timer per user on the
 * shared {@link ExpiryScheduler}, re-armed lazily at the earliest session deadline. Followers
 * (users who list this user as a friend) hear of transitions as {@code presence} events on their
 * {@code private-user-} channels.
 */
public final class UserPresence implements UserConnections {

  public static final String DEFAULT_SESSION = "default";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Apps apps;
  private final PresenceStore store;
  private final Executor background;
  private final DurableWrites writes;
  private final ExpiryScheduler expiry;
  private final Changes changes;
  private final LiveEvents live;
  private final FriendGraph friends;
  /**
   * The users held in memory, by app and then by user id (the user id itself is the key, so no
   * key string is made per user).
   */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, State>> states =
      new ConcurrentHashMap<>();
  private volatile WebhookSink webhooks = WebhookSink.NONE;
  /** Users online per app, moved under each user's lock as its online state moves. */
  private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> online =
      new ConcurrentHashMap<>();
  /** In a cluster: the users live on any node (this one included), keyed app and user. */
  private final java.util.Set<String> clusterLive = ConcurrentHashMap.newKeySet();
  private volatile ClusterLiveness cluster = ClusterLiveness.NONE;
  private volatile Changes localChanges;

  /**
   * @param background runs the blocking work that must not hold up a caller and may be shed
   *     under overload: loading stored state, notifying followers
   * @param writes stores last-seen times and statuses, never dropped
   */
  public UserPresence(Apps apps, PresenceStore store, Executor background, DurableWrites writes,
      ExpiryScheduler expiry, Changes changes, LiveEvents live, FriendGraph friends) {
    this.apps = apps;
    this.store = store;
    this.background = background;
    this.writes = writes;
    this.expiry = expiry;
    this.changes = changes;
    this.live = live;
    this.friends = friends;
  }

  /** Sets where {@code user_online} / {@code user_offline} go; set once, before serving. */
  public void webhooks(WebhookSink sink) {
    this.webhooks = sink;
  }

  /** A user's presence as the functions return it. */
  public record View(String userId, String status, String statusMessage, boolean online, long lastSeen) {
    public ObjectNode toJson() {
      ObjectNode n = NODES.objectNode();
      n.put("userId", userId);
      n.put("status", status);
      if (statusMessage == null) {
        n.putNull("statusMessage");
      } else {
        n.put("statusMessage", statusMessage);
      }
      n.put("online", online);
      if (lastSeen > 0) {
        n.put("lastSeen", (double) lastSeen);
      } else {
        n.putNull("lastSeen");
      }
      return n;
    }
  }

  /** Connects to a cluster's registry of live users; set once, before serving. */
  public void cluster(ClusterLiveness cluster) {
    this.cluster = cluster;
  }

  /**
   * As {@link #cluster(ClusterLiveness)}; {@code localChanges} is told of what another node's
   * change made here (this node's readers only: the other node tells its own). Set once.
   */
  public void cluster(ClusterLiveness cluster, Changes localChanges) {
    this.localChanges = localChanges;
    this.cluster = cluster;
  }

  // ------------------------------------------------------------------ cluster

  /**
   * The cluster says a user became live somewhere, or stopped being live anywhere. With {@code
   * announce} this node made the change (its script did), so it is the one node that stores the
   * last-seen time and tells followers; otherwise readers on this node are only told to look
   * again.
   */
  public void clusterChanged(String appId, String userId, boolean live, boolean announce) {
    String k = appId + '\u0000' + userId;
    if (live) {
      clusterLive.add(k);
    } else {
      clusterLive.remove(k);
    }
    Optional<App> app = apps.byId(appId);
    if (app.isEmpty()) {
      return;
    }
    long now = expiry.clock().millis();
    State s = held(appId, userId);
    View view = null;
    View current = null;
    if (s != null) {
      synchronized (s) {
        if (!s.retired) {
          s.clusterLive = live;
          s.quiet = !announce;
          view = transition(s, now);
          s.quiet = false;
          current = s.view(now);
        }
      }
    }
    if (view != null) {
      if (announce) {
        reportTransition(app.get(), view, !view.online(), now);
      } else {
        changes.changed(List.of(key(appId, userId)));
      }
    } else if (announce && !live && (current == null || !current.online())) {
      // this node's script ended the user's last session anywhere (maybe a dead node's), and
      // the other nodes' signal may have been heard first: the last-seen time, followers and
      // webhooks
      reportTransition(app.get(), current != null ? current
          : new View(userId, "offline", null, false, now), true, now);
      emitUser(appId, userId, false);
    } else {
      changes.changed(List.of(key(appId, userId)));
    }
  }

  /** Replaces what this node knows of who is live in the cluster (after (re)connecting). */
  public void clusterSnapshot(String appId, java.util.Collection<String> liveUsers) {
    java.util.Set<String> now = new java.util.HashSet<>();
    for (String u : liveUsers) {
      now.add(appId + '\u0000' + u);
    }
    for (String k : new java.util.ArrayList<>(clusterLive)) {
      if (k.startsWith(appId + '\u0000') && !now.contains(k)) {
        clusterChanged(appId, k.substring(appId.length() + 1), false, false);
      }
    }
    for (String k : now) {
      if (!clusterLive.contains(k)) {
        clusterChanged(appId, k.substring(appId.length() + 1), true, false);
      }
    }
  }

  /** The users this node holds live now, as app id and user id pairs (for re-registering). */
  public List<String[]> localLiveUsers() {
    List<String[]> out = new java.util.ArrayList<>();
    for (ConcurrentHashMap<String, State> app : states.values()) {
      for (State s : app.values()) {
        synchronized (s) {
          if (!s.retired && s.reportedLocal) {
            out.add(new String[] {s.appId, s.userId});
          }
        }
      }
    }
    return out;
  }

  /** In a cluster: another node set the user's status (and stored it). */
  public void remoteStatus(String appId, String userId, String status, String statusMessage) {
    remote(appId, userId, s -> {
      s.status = status;
      s.statusSet = true;
      s.statusMessage = statusMessage;
      if ("online".equals(status)) {
        s.signedOff = false;
      }
    });
  }

  /** In a cluster: a call on another node ended the user's sessions (see {@link ClusterLiveness}). */
  public void remoteSessionsEnded(String appId, String userId, Optional<String> sessionId,
      boolean signOff) {
    remote(appId, userId, s -> {
      s.signedOff |= signOff;
      endSessions(s, sessionId);
    });
  }

  /** In a cluster: a user marked offline acted again on another node. */
  public void remoteSignedOn(String appId, String userId) {
    remote(appId, userId, s -> s.signedOff = false);
  }

  /**
   * Applies another node's change to the user's state, if this node holds it (a user it does not
   * hold is loaded from the store when first seen). A transition it makes is the other node's
   * (or the cluster's) to announce; readers here are told.
   */
  private void remote(String appId, String userId, java.util.function.Consumer<State> change) {
    State s = held(appId, userId);
    if (s == null) {
      return;
    }
    long now = expiry.clock().millis();
    View view;
    synchronized (s) {
      if (s.retired) {
        return;
      }
      change.accept(s);
      s.quiet = true;
      view = transition(s, now);
      s.quiet = false;
      if (view == null) {
        retireIfIdle(s);
      }
    }
    (localChanges != null ? localChanges : changes).changed(List.of(key(appId, userId)));
  }

  // ------------------------------------------------------------------ sessions

  /** Renews (or starts) an HTTP session. Never blocks. */
  public View heartbeat(App app, String userId, String sessionId, long now) {
    long deadline = now + app.functions().presenceTtlSeconds() * 1000L;
    return update(app, userId, now, s -> {
      sessions(s).renew(sessionId, deadline);
      signOn(s);
      s.lastActive = now;
    });
  }

  /** The user acts: no longer marked offline, here and (if it was) on every node. Lock held. */
  private void signOn(State s) {
    if (s.signedOff) {
      s.signedOff = false;
      cluster.signedOn(s.appId, s.userId);
    }
  }

  /**
   * Ends one HTTP session, or all of them. Blocking: loads the stored state first, and stores the
   * last-seen time before returning if the user is now offline.
   */
  public View endSessions(App app, String userId, Optional<String> sessionId, long now) {
    return endSessions(app, userId, sessionId, false, now);
  }

  /**
   * As {@link #endSessions(App, String, Optional, long)}; with {@code signOff} the user is also
   * offline at once while its WebSocket connections stay open ("mark user as offline"), until its
   * next heartbeat, {@code online} status or new connection.
   */
  public View endSessions(App app, String userId, Optional<String> sessionId, boolean signOff,
      long now) {
    state(app.id(), userId, true);
    // first: the other nodes end theirs before this node's changes make them read again
    cluster.sessionsEnded(app.id(), userId, sessionId, signOff);
    View view = endSessionsInMemory(app, userId, sessionId, signOff, now);
    if (!view.online() && view.lastSeen() > 0) {
      // a mutation's caller is answered once the last-seen time is stored (the write-behind of
      // the transition stores the same value again)
      store.saveLastSeen(app.id(), userId, view.lastSeen());
    }
    return view;
  }

  private View endSessionsInMemory(App app, String userId, Optional<String> sessionId,
      boolean signOff, long now) {
    return update(app, userId, now, s -> {
      s.signedOff |= signOff;
      endSessions(s, sessionId);
    });
  }

  /** Ends one HTTP session of the user, or all of them. Lock held. */
  private static void endSessions(State s, Optional<String> sessionId) {
    if (s.sessions == null) {
      return;
    }
    if (sessionId.isPresent()) {
      s.sessions.end(sessionId.get());
    } else {
      s.sessions.endAll();
    }
  }

  /**
   * The user's HTTP sessions, made at its first heartbeat (most users held are only WebSocket
   * connections, which need no deadlines). Lock held.
   */
  private SessionDeadlines sessions(State s) {
    if (s.sessions == null) {
      s.sessions = new SessionDeadlines(expiry, () -> expire(s));
    }
    return s.sessions;
  }

  /**
   * Sets the chosen status ({@code online}, {@code away}, {@code offline}) and message, and
   * stores it before returning (blocking), as a mutation's caller expects.
   */
  public View setStatus(App app, String userId, String status, Optional<String> message, long now) {
    return setStatus(app, userId, status, message, now, true);
  }

  /**
   * Sets the chosen status and message; stores it before returning if {@code commitNow}, else
   * behind the caller's back (never lost, see {@link DurableWrites}).
   */
  public View setStatus(App app, String userId, String status, Optional<String> message, long now,
      boolean commitNow) {
    if (commitNow) {
      state(app.id(), userId, true); // blocking anyway: decide with the stored state known
    }
    String[] saved = new String[1];
    boolean[] changed = new boolean[1];
    View view = update(app, userId, now, s -> {
      boolean before = s.online();
      s.status = status;
      s.statusSet = true;
      if ("online".equals(status)) {
        signOn(s);
      }
      if (message.isPresent()) {
        s.statusMessage = message.get().isEmpty() ? null : message.get();
      }
      saved[0] = s.statusMessage;
      changed[0] = before != s.online();
    });
    // as for last-seen times: a user with no live session is forgotten in memory, so readers are
    // told again once the status is stored
    Runnable save = () -> {
      store.saveStatus(app.id(), userId, status, saved[0]);
      // once stored: another node applies it to what it holds, or loads it when it first sees
      // the user; before the change, so that its readers read it
      cluster.statusShared(app.id(), userId, status, saved[0]);
      changes.changed(List.of(key(app.id(), userId)));
    };
    if (commitNow) {
      save.run();
    } else {
      writes.write("status\u0000" + app.id() + '\u0000' + userId, save);
    }
    if (!changed[0]) {
      // the online state did not move, so update() reported nothing: the status did change
      changes.changed(List.of(key(app.id(), userId)));
      notifyFollowers(app, view);
    }
    return view;
  }

  @Override
  public void connected(String appId, String userId) {
    apps.byId(appId).ifPresent(app -> {
      long now = expiry.clock().millis();
      update(app, userId, now, s -> {
        s.connections++;
        signOn(s);
        s.lastActive = now;
      });
    });
  }

  @Override
  public void disconnected(String appId, String userId) {
    apps.byId(appId).ifPresent(app -> {
      long now = expiry.clock().millis();
      update(app, userId, now, s -> {
        s.connections = Math.max(0, s.connections - 1);
        s.lastActive = now;
      });
    });
  }

  // ------------------------------------------------------------------ reads

  /** A user's presence; loads stored state on first sight, so it may block. */
  public View view(String appId, String userId, long now) {
    // a state retired meanwhile still reads true: only changes need the live one
    State s = state(appId, userId, true);
    synchronized (s) {
      View view = s.view(now);
      retireIfIdle(s);
      return view;
    }
  }

  /** Whether the user is online, without touching the store. */
  public boolean isOnline(String appId, String userId) {
    State s = held(appId, userId);
    if (s == null) {
      return clusterLive.contains(appId + '\u0000' + userId);
    }
    synchronized (s) {
      return s.announced;
    }
  }

  /** How many users of the app are online on this node now (for metrics). */
  public int onlineUsers(String appId) {
    java.util.concurrent.atomic.AtomicInteger n = online.get(appId);
    return n == null ? 0 : n.get();
  }

  public static DependencyKey key(String appId, String userId) {
    return DependencyKey.of(appId, "presence", userId);
  }

  // ------------------------------------------------------------------ internals

  /**
   * Applies a change to a user's state under its lock, then reports a transition if the online
   * state moved. A state retired (forgotten) meanwhile is never changed: the loop takes the fresh
   * one.
   */
  private View update(App app, String userId, long now, java.util.function.Consumer<State> change) {
    while (true) {
      State s = state(app.id(), userId, false);
      View view;
      boolean offline;
      boolean mine;
      synchronized (s) {
        if (s.retired) {
          continue;
        }
        change.accept(s);
        view = transition(s, now);
        if (view == null) {
          return s.view(now);
        }
        offline = !view.online();
        mine = announcedHere(s, view);
      }
      report(app, view, offline, mine, now);
      return view;
    }
  }

  /**
   * Records that the user's online state moved, if it differs from the one last announced and
   * the stored state is known: a user first seen is announced only once their stored status is
   * loaded, so one who chose to appear offline is never announced online. Lock held.
   *
   * @return the view to report, or null if there is nothing to announce
   */
  private View transition(State s, long now) {
    boolean local = s.localLive();
    if (local != s.reportedLocal && cluster.clustered()) {
      s.reportedLocal = local;
      String appId = s.appId;
      String userId = s.userId;
      // called under the user's lock, so the registry hears this user's changes in order
      cluster.localLive(appId, userId, local).whenComplete((v, e) -> {
        if (e != null && !local) {
          // the cluster cannot say whether another node holds the user: this node lets it go
          clusterChanged(appId, userId, false, true);
        }
      });
    }
    if (!s.loaded || s.online() == s.announced) {
      return null;
    }
    s.announced = s.online();
    if (s.announced) {
      s.onlineSince = now;
    } else {
      s.lastSeen = now;
    }
    countTransition(s);
    tellWebhooks(s);
    View view = s.view(now);
    retireIfIdle(s);
    return view;
  }

  /**
   * Queues {@code user_online} / {@code user_offline} for a user whose online state has just
   * moved; under the user's lock, so one user's transitions are queued in order. Lock held.
   */
  private void tellWebhooks(State s) {
    if (cluster.clustered() && (s.quiet || (s.announced && !s.localLive()))) {
      return; // another node's change: that node tells
    }
    emitUser(s.appId, s.userId, s.announced);
  }

  private void emitUser(String appId, String userId, boolean online) {
    String type = online ? WebhookEvent.USER_ONLINE : WebhookEvent.USER_OFFLINE;
    apps.byId(appId).filter(a -> a.webhooks().wants(type))
        .ifPresent(a -> webhooks.emit(a.id(), WebhookEvent.user(type, userId)));
  }

  /** Counts a user whose online state has just moved. Lock held. */
  private void countTransition(State s) {
    online.computeIfAbsent(s.appId, id -> new java.util.concurrent.atomic.AtomicInteger())
        .addAndGet(s.online() ? 1 : -1);
  }

  /** Forgets a user with nothing live: the store has what we know. Lock held. */
  private void retireIfIdle(State s) {
    if (!s.live() && s.loaded && (s.sessions == null || !s.sessions.timerPending())) {
      s.retired = true;
      ConcurrentHashMap<String, State> app = states.get(s.appId);
      if (app != null) {
        app.remove(s.userId, s);
      }
    }
  }

  /**
   * Whether this node announces a transition it saw (stores the last-seen time, tells followers):
   * always on a single node; in a cluster only when this node's own sessions brought the user
   * online, or it went offline with the cluster agreeing. A user shown online here only because
   * another node holds it is that node's to announce. Lock held.
   */
  private boolean announcedHere(State s, View view) {
    return !cluster.clustered() || !view.online() || s.localLive();
  }

  private void report(App app, View view, boolean offline, boolean announce, long now) {
    if (announce) {
      reportTransition(app, view, offline, now);
    } else {
      changes.changed(List.of(key(app.id(), view.userId())));
    }
  }

  private void reportTransition(App app, View view, boolean offline, long now) {
    if (offline) {
      // a user gone offline is forgotten in memory, so a read before this write lands would load
      // the old last-seen time: readers are told again once it is stored
      writes.write("lastSeen\u0000" + app.id() + '\u0000' + view.userId(), () -> {
        store.saveLastSeen(app.id(), view.userId(), now);
        changes.changed(List.of(key(app.id(), view.userId())));
      });
    }
    changes.changed(List.of(key(app.id(), view.userId())));
    notifyFollowers(app, view);
  }

  /** The user's state if it is held in memory, else null. */
  private State held(String appId, String userId) {
    ConcurrentHashMap<String, State> app = states.get(appId);
    return app == null ? null : app.get(userId);
  }

  private State state(String appId, String userId, boolean loadNow) {
    State s = states.computeIfAbsent(appId, a -> new ConcurrentHashMap<>())
        .computeIfAbsent(userId, u -> {
          State fresh = new State(appId, u);
          fresh.clusterLive = !clusterLive.isEmpty() && clusterLive.contains(appId + '\u0000' + u);
          return fresh;
        });
    if (!s.loaded) {
      if (loadNow) {
        load(s);
      } else {
        background.execute(() -> load(s));
      }
    }
    return s;
  }

  private void load(State s) {
    Optional<PresenceStore.Stored> stored = store.load(s.appId, s.userId);
    long now = expiry.clock().millis();
    View view;
    boolean mine;
    synchronized (s) {
      if (s.loaded) {
        return;
      }
      s.loaded = true;
      stored.ifPresent(st -> {
        if (!s.statusSet) {
          s.status = st.status() == null ? "online" : st.status();
          s.statusMessage = st.statusMessage();
        }
        if (s.lastSeen == 0) {
          s.lastSeen = st.lastSeen();
        }
      });
      // sessions that began while loading are announced now, with the stored status
      view = transition(s, now);
      mine = view != null && announcedHere(s, view);
    }
    if (view != null) {
      View v = view;
      boolean here = mine;
      apps.byId(s.appId).ifPresent(app -> report(app, v, !v.online(), here, now));
    }
  }

  private void expire(State s) {
    long now = expiry.clock().millis();
    View view;
    boolean mine;
    synchronized (s) {
      if (s.retired) {
        if (s.sessions != null) {
          s.sessions.cancel();
        }
        return;
      }
      if (s.sessions != null) {
        s.sessions.expire(now);
      }
      view = transition(s, now);
      mine = view != null && announcedHere(s, view);
    }
    if (view != null) {
      View v = view;
      boolean here = mine;
      apps.byId(s.appId).ifPresent(app -> report(app, v, !v.online(), here, now));
    }
  }

  private void notifyFollowers(App app, View view) {
    ObjectNode json = view.toJson();
    background.execute(() -> {
      for (String follower : friends.followersOf(app.id(), view.userId())) {
        live.toUser(app, follower, "presence", json);
      }
    });
  }

  private static final class State {
    final String appId;
    final String userId;
    /** HTTP sessions (heartbeats), each until its deadline; null until the first. */
    SessionDeadlines sessions;
    int connections;
    /** Marked offline by {@code setOffline} while sessions or sockets remain, until it acts again. */
    boolean signedOff;
    String status = "online";
    /** The online state last announced (counted, reported to readers and followers). */
    boolean announced;
    boolean statusSet;
    String statusMessage;
    long lastSeen;
    long lastActive;
    /** When the user last came online (announced): their lastSeen while online. */
    long onlineSince;
    boolean loaded;
    boolean retired;
    /** In a cluster: live on some node (this one included), as the cluster last said. */
    boolean clusterLive;
    /** In a cluster: whether this node last reported the user live here. */
    boolean reportedLocal;
    /** In a cluster: the transition being made is another node's to announce. */
    boolean quiet;

    State(String appId, String userId) {
      this.appId = appId;
      this.userId = userId;
    }

    /** A session or connection on this node. */
    boolean localLive() {
      return connections > 0 || (sessions != null && !sessions.isEmpty());
    }

    boolean live() {
      return localLive() || clusterLive;
    }

    boolean online() {
      return live() && !signedOff && !"offline".equals(status);
    }

    View view(long now) {
      boolean on = online();
      // while online, lastSeen is when this online period began: it does not move with every
      // heartbeat, so live readers are told of it exactly when it changes (on a transition)
      long seen = on ? (onlineSince > 0 ? onlineSince : Math.max(lastActive, lastSeen)) : lastSeen;
      return new View(userId, on ? status : "offline", statusMessage, on, seen);
    }
  }
}
