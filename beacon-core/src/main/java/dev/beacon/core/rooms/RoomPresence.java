package dev.beacon.core.rooms;

import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.PresenceListener;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.social.RoomRegistry;
import dev.beacon.core.social.Visibility;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.time.SessionDeadlines;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is in which room. There is one membership per room: the presence roster of the room's
 * {@code presence-room-{roomId}} channel in the hub. A Pusher subscriber is in it while
 * subscribed; an HTTP caller while its {@code rooms:heartbeat} sessions last (the app's presence
 * TTL). So {@code rooms:list} and the channel's member list always agree.
 *
 * <p>Listening to the rosters, this keeps the index of each user's rooms, each present member's
 * latest {@code data}, reports {@code room/roomId} and {@code userRooms/userId} changes, and
 * records each member's visit (last seen, data) durably when it leaves.
 */
public final class RoomPresence implements PresenceListener, Visibility.PresentRooms {

  private static final String PREFIX = "presence-room-";

  private final ChannelHub hub;
  private final RoomRegistry registry;
  private final DurableWrites writes;
  private final ExpiryScheduler expiry;
  private final Changes changes;
  private final ConcurrentHashMap<String, Sessions> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> roomsByUser = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> dataByMember = new ConcurrentHashMap<>();
  /**
   * Told when a user's HTTP membership of a room starts and ends: it is a presence session. Called
   * under the member's lock, so the two reports of one membership are always in order.
   */
  private volatile dev.beacon.core.hub.UserConnections users = dev.beacon.core.hub.UserConnections.NONE;
  /** In a cluster: the cluster's rosters of the room channels, and where data changes go. */
  private volatile Cluster cluster;
  /** In a cluster: this node's live queries only (every node hears the cluster's rosters). */
  private volatile Changes localChanges;

  /**
   * A cluster's view of the rooms: every node keeps the whole cluster's roster of each room
   * channel (from the cluster's member events) and tells this class of each member joining and
   * leaving ({@link #rosterJoined}, {@link #rosterLeft}); a member's latest data is shared with
   * the other nodes.
   */
  public interface Cluster {

    /** The cluster's members of a room channel, in the order this node heard them arrive. */
    List<Member> members(String appId, String channel);

    /** A present member's data changed on this node (a heartbeat or {@code setData}). */
    void dataChanged(String appId, String roomId, String userId, String dataJson);

    /**
     * A call on this node ended a user's HTTP sessions in a room (one, or all when {@code
     * sessionId} is empty): the other nodes end theirs (a load balancer spreads a user's
     * heartbeats over the nodes).
     */
    void sessionsEnded(String appId, String roomId, String userId, Optional<String> sessionId);
  }

  /**
   * Switches to the cluster's rosters: the hub's (this node's only) are no longer followed, and
   * changes the cluster's member events make are told to {@code localChanges} only, since every
   * node hears them. Set once, before serving.
   */
  public void cluster(Cluster cluster, Changes localChanges) {
    this.localChanges = localChanges;
    this.cluster = cluster;
  }

  /** @param writes stores each visit when a member leaves, never dropped */
  public RoomPresence(ChannelHub hub, RoomRegistry registry, DurableWrites writes,
      ExpiryScheduler expiry, Changes changes) {
    this.hub = hub;
    this.registry = registry;
    this.writes = writes;
    this.expiry = expiry;
    this.changes = changes;
  }

  /**
   * Where to report that a user's HTTP room membership began or ended: one presence model, so a
   * user present in a room through {@code rooms:heartbeat} is online, as a subscriber of the
   * room's Pusher channel is.
   */
  public void userConnections(dev.beacon.core.hub.UserConnections users) {
    this.users = users;
  }

  /** A present member as {@code rooms:list} shows it. */
  public record Present(String userId, String dataJson) {}

  /**
   * Renews (or starts) a user's HTTP session in a room, with its latest data. Never blocks.
   *
   * @return empty when done; in a cluster, while the cluster decides whether a user new to this
   *     node may join (the {@code join} script), its answer: the caller waits for it and calls
   *     again (the session is then held: the call renews it) unless it failed with {@link
   *     dev.beacon.core.hub.ChannelFullException} or {@link
   *     dev.beacon.core.hub.ClusterUnavailableException}, when the user is not a member and
   *     nothing of the attempt is left
   * @throws dev.beacon.core.hub.ChannelFullException if the room is at its member limit
   * @throws dev.beacon.core.hub.ClusterUnavailableException if the cluster is unreachable
   */
  public Optional<CompletionStage<Void>> heartbeat(App app, String roomId, String userId,
      String sessionId, String dataJson, long now) {
    return heartbeat(app, roomId, userId, sessionId, dataJson, now,
        app.functions().presenceTtlSeconds() * 1000L);
  }

  /**
   * As {@link #heartbeat(App, String, String, String, String, long)}, with a session lasting
   * {@code ttlMillis} rather than the app's presence TTL (a client that names its own interval).
   */
  public Optional<CompletionStage<Void>> heartbeat(App app, String roomId, String userId,
      String sessionId, String dataJson, long now, long ttlMillis) {
    long deadline = now + ttlMillis;
    String memberKey = key(app.id(), roomId, userId);
    while (true) {
      Sessions s = sessions.computeIfAbsent(memberKey, k -> new Sessions(app, roomId, userId, expiry,
          this::expire));
      boolean dataChanged;
      synchronized (s) {
        if (s.retired) {
          continue;
        }
        if (!s.joined) {
          // the session is held from the join's answer, so that a join the caller stops waiting
          // for is not left without a deadline
          s.waiting.merge(sessionId, deadline, Math::max);
          if (s.joining == null) {
            CompletableFuture<Void> join;
            try {
              join = hub.joinWithoutConnection(app, channel(roomId), userId, dataJson)
                  .toCompletableFuture();
            } catch (RuntimeException e) {
              retire(s);
              throw e;
            }
            s.joining = join;
            // at once when answered already (one node; a cluster that cannot be reached)
            join.whenComplete((v, e) -> joinAnswered(s, e));
          }
          if (s.retired) {
            if (s.failure != null) {
              throw s.failure; // refused at once
            }
            continue;
          }
          if (!s.joined) {
            return Optional.of(s.joining);
          }
        }
        s.deadlines.renew(sessionId, deadline);
        String before = dataByMember.put(memberKey, dataJson);
        dataChanged = before != null && !before.equals(dataJson);
        Cluster c = cluster;
        if (c != null && (before == null || dataChanged)) {
          // the other nodes show this member's latest data too
          c.dataChanged(app.id(), roomId, userId, dataJson);
        }
      }
      if (dataChanged) {
        changes.changed(List.of(DependencyKey.of(app.id(), "room", roomId)));
      }
      return Optional.empty();
    }
  }

  /**
   * The hub answered a member's join: it holds the sessions that waited for it, or, refused, it
   * is retired with the failure. Takes the member's lock, so a leave racing the join is reported
   * after it.
   */
  private void joinAnswered(Sessions s, Throwable error) {
    synchronized (s) {
      if (s.retired || s.joined) {
        return;
      }
      if (error != null) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException
            && error.getCause() != null ? error.getCause() : error;
        s.failure = cause instanceof RuntimeException r ? r
            : new java.util.concurrent.CompletionException(cause);
        retire(s);
        return;
      }
      s.joined = true;
      users.connected(s.app.id(), s.userId);
      s.waiting.forEach(s.deadlines::renew);
      s.waiting.clear();
      if (s.deadlines.isEmpty()) {
        end(s); // each session that waited was left meanwhile
      }
    }
  }

  /**
   * Replaces a present member's data (what {@code rooms:list} shows). Never blocks.
   *
   * @return whether the user is present in the room
   */
  public boolean setData(App app, String roomId, String userId, String dataJson) {
    String before = dataByMember.computeIfPresent(key(app.id(), roomId, userId), (k, v) -> dataJson);
    Cluster c = cluster;
    if (before != null && c != null) {
      c.dataChanged(app.id(), roomId, userId, dataJson);
    }
    if (before != null) {
      changes.changed(List.of(DependencyKey.of(app.id(), "room", roomId)));
    }
    return before != null;
  }

  /** Ends one HTTP session in a room, or all of the user's (on every node). Never blocks. */
  public void leave(App app, String roomId, String userId, Optional<String> sessionId) {
    Cluster c = cluster;
    if (c != null) {
      c.sessionsEnded(app.id(), roomId, userId, sessionId);
    }
    leaveHere(app, roomId, userId, sessionId);
  }

  /** Ends this node's HTTP sessions of the user in the room (another node's call, in a cluster). */
  public void leaveHere(App app, String roomId, String userId, Optional<String> sessionId) {
    Sessions s = sessions.get(key(app.id(), roomId, userId));
    if (s == null) {
      return;
    }
    synchronized (s) {
      if (s.retired) {
        return;
      }
      if (!s.joined) {
        // joining: the sessions are held from the answer on, and ended then if none is left
        if (sessionId.isPresent()) {
          s.waiting.remove(sessionId.get());
        } else {
          s.waiting.clear();
        }
        return;
      }
      if (sessionId.isPresent()) {
        s.deadlines.end(sessionId.get());
      } else {
        s.deadlines.endAll();
      }
      if (s.deadlines.isEmpty()) {
        end(s);
      }
    }
  }

  /**
   * The user leaves the room (its HTTP sessions end) and its visit is forgotten, so it is listed
   * neither as present nor as past. (A Pusher subscriber of the room's channel stays present until
   * it unsubscribes.) Never blocks: the store is told behind the caller's back, after the visit
   * the leave records.
   */
  public void remove(App app, String roomId, String userId) {
    leave(app, roomId, userId, Optional.empty());
    // the same key as the visit the leave wrote: the later write replaces it if still pending
    writes.write(visitKey(app.id(), roomId, userId), () -> {
      registry.forgetVisit(app.id(), roomId, userId);
      changes.changed(List.of(DependencyKey.of(app.id(), "room", roomId)));
    });
  }

  /** The members present in a room now, in the order they arrived. */
  public List<Present> present(App app, String roomId) {
    Cluster c = cluster;
    List<Member> members = c != null ? c.members(app.id(), PREFIX + roomId)
        : hub.members(app, PREFIX + roomId);
    List<Present> out = new java.util.ArrayList<>(members.size());
    for (Member m : members) {
      String data = dataByMember.get(key(app.id(), roomId, m.userId()));
      out.add(new Present(m.userId(), data != null ? data : m.userInfoJson()));
    }
    return out;
  }

  @Override
  public Set<String> roomsOf(String appId, String userId) {
    Set<String> rooms = roomsByUser.get(appId + '\u0000' + userId);
    return rooms == null ? Set.of() : Set.copyOf(rooms);
  }

  // ------------------------------------------------------------------ roster events

  @Override
  public void memberJoined(String appId, String channel, Member member) {
    if (cluster == null) {
      joined(appId, channel, member, changes);
    }
  }

  @Override
  public void memberLeft(String appId, String channel, String userId) {
    if (cluster == null) {
      left(appId, channel, userId, true, changes);
    }
  }

  /** In a cluster: a user became a member of a room channel somewhere in the cluster. */
  public void rosterJoined(String appId, String channel, Member member) {
    joined(appId, channel, member, localChanges);
  }

  /**
   * In a cluster: a user stopped being a member of a room channel anywhere in the cluster;
   * {@code recordVisit} on the one node that stores the visit (whose change made it).
   */
  public void rosterLeft(String appId, String channel, String userId, boolean recordVisit) {
    left(appId, channel, userId, recordVisit, localChanges);
  }

  /** A present member's data as this node knows it. */
  public Optional<String> dataOf(String appId, String roomId, String userId) {
    return Optional.ofNullable(dataByMember.get(key(appId, roomId, userId)));
  }

  /** In a cluster: another node changed a present member's data. */
  public void remoteData(String appId, String roomId, String userId, String dataJson) {
    boolean[] changed = new boolean[1];
    dataByMember.computeIfPresent(key(appId, roomId, userId), (k, v) -> {
      changed[0] = !v.equals(dataJson);
      return dataJson;
    });
    if (changed[0]) {
      localChanges.changed(List.of(DependencyKey.of(appId, "room", roomId)));
    }
  }

  private void joined(String appId, String channel, Member member, Changes told) {
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    String roomId = channel.substring(PREFIX.length());
    roomsByUser.computeIfAbsent(appId + '\u0000' + member.userId(), k -> ConcurrentHashMap.newKeySet())
        .add(roomId);
    dataByMember.putIfAbsent(key(appId, roomId, member.userId()), member.userInfoJson());
    told.changed(List.of(DependencyKey.of(appId, "room", roomId),
        DependencyKey.of(appId, "userRooms", member.userId())));
  }

  private void left(String appId, String channel, String userId, boolean recordVisit,
      Changes told) {
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    String roomId = channel.substring(PREFIX.length());
    roomsByUser.computeIfPresent(appId + '\u0000' + userId, (k, rooms) -> {
      rooms.remove(roomId);
      return rooms.isEmpty() ? null : rooms;
    });
    String data = dataByMember.remove(key(appId, roomId, userId));
    long now = expiry.clock().millis();
    List<DependencyKey> changed = List.of(DependencyKey.of(appId, "room", roomId),
        DependencyKey.of(appId, "userRooms", userId));
    if (recordVisit) {
      // readers hear at once that the member is no longer present, and again once its visit is
      // stored: a list read in between would otherwise miss the member until the next change
      // (in a cluster every node's readers: the visit is read from the shared store)
      writes.write(visitKey(appId, roomId, userId), () -> {
        registry.recordVisit(appId, roomId, userId, now, data == null ? "null" : data);
        changes.changed(changed);
      });
    }
    told.changed(changed);
  }

  // ------------------------------------------------------------------ expiry

  private void expire(Sessions s) {
    long now = expiry.clock().millis();
    synchronized (s) {
      if (s.retired) {
        return;
      }
      s.deadlines.expire(now);
      if (s.deadlines.isEmpty()) {
        end(s);
      }
    }
  }

  /**
   * The user's last HTTP session in the room ended: they leave the room's member list and the
   * membership stops counting as a presence session. Lock held.
   */
  private void end(Sessions s) {
    hub.leaveWithoutConnection(s.app, channel(s.roomId), s.userId);
    retire(s);
    users.disconnected(s.app.id(), s.userId);
  }

  /** Lock held. */
  private void retire(Sessions s) {
    s.retired = true;
    s.deadlines.cancel();
    sessions.remove(key(s.app.id(), s.roomId, s.userId), s);
  }

  static ChannelName channel(String roomId) {
    return ChannelName.parse(LiveEvents.roomChannel(roomId));
  }

  private static String visitKey(String appId, String roomId, String userId) {
    return "visit\u0000" + appId + '\u0000' + roomId + '\u0000' + userId;
  }

  private static String key(String appId, String roomId, String userId) {
    return appId + '\u0000' + roomId + '\u0000' + userId;
  }

  private static final class Sessions {
    final App app;
    final String roomId;
    final String userId;
    /** The member's HTTP sessions in the room, each until its deadline. */
    final SessionDeadlines deadlines;
    /** The user is a member through these sessions (the hub, or the cluster, took it in). */
    boolean joined;
    /** The join asked of the hub, once; in a cluster it is answered later. */
    CompletableFuture<Void> joining;
    /** Sessions waiting for the join's answer, to their deadlines. */
    final java.util.Map<String, Long> waiting = new java.util.HashMap<>();
    /** Why the join failed, once retired for it. */
    RuntimeException failure;
    boolean retired;

    Sessions(App app, String roomId, String userId, ExpiryScheduler expiry,
        java.util.function.Consumer<Sessions> onDue) {
      this.app = app;
      this.roomId = roomId;
      this.userId = userId;
      this.deadlines = new SessionDeadlines(expiry, () -> onDue.accept(this));
    }
  }
}
