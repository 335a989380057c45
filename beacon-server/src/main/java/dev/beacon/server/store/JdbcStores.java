package dev.beacon.server.store;

import dev.beacon.core.activity.Activity;
import dev.beacon.core.activity.ActivityStore;
import dev.beacon.core.builtins.BuiltInFunctions;
import dev.beacon.core.notifications.Notification;
import dev.beacon.core.notifications.NotificationStore;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.presence.PresenceStore;
import dev.beacon.core.push.PushStore;
import dev.beacon.core.receipts.ReceiptStore;
import dev.beacon.core.shapes.RoomEvents;
import dev.beacon.core.social.FriendStore;
import dev.beacon.core.social.RoomRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every store port of the built-in functions on one {@link Database}, with the same SQL for
 * SQLite and PostgreSQL (upserts by {@code ON CONFLICT}, batch deletes by id sub-select).
 */
public final class JdbcStores implements BuiltInFunctions.Stores {

  private final Database db;
  private final Notifications notifications = new Notifications();
  private final Receipts receipts = new Receipts();
  private final Activities activities = new Activities();
  private final Friends friends = new Friends();
  private final Rooms rooms = new Rooms();
  private final Presence presence = new Presence();
  private final Events events = new Events();
  private final ServerState state = new ServerState();
  private final JdbcPushStore push;
  private final JdbcConversationStore conversations;

  public JdbcStores(Database db) {
    this.db = db;
    this.push = new JdbcPushStore(db);
    this.conversations = new JdbcConversationStore(db);
  }

  @Override
  public dev.beacon.core.conversations.ConversationStore conversations() {
    return conversations;
  }

  @Override
  public PushStore push() {
    return push;
  }

  @Override
  public NotificationStore notifications() {
    return notifications;
  }

  @Override
  public ReceiptStore receipts() {
    return receipts;
  }

  @Override
  public ActivityStore activity() {
    return activities;
  }

  @Override
  public FriendStore friends() {
    return friends;
  }

  @Override
  public RoomRegistry rooms() {
    return rooms;
  }

  @Override
  public RoomEvents roomEvents() {
    return events;
  }

  @Override
  public PresenceStore presence() {
    return presence;
  }

  /** The reserve of Convex timestamps, kept across restarts. */
  public dev.beacon.core.live.Timestamps.Store timestamps() {
    return state;
  }

  private final class ServerState implements dev.beacon.core.live.Timestamps.Store {
    @Override
    public long load() {
      return db.one("SELECT value FROM server_state WHERE name = 'convex_ts_reserve'",
          rs -> Long.parseLong(rs.getString(1))).orElse(0L);
    }

    @Override
    public void save(long reserve) {
      db.update("INSERT INTO server_state (name, value) VALUES ('convex_ts_reserve', ?) "
          + "ON CONFLICT (name) DO UPDATE SET value = excluded.value", Long.toString(reserve));
    }
  }

  // ------------------------------------------------------------------ notifications

  private final class Notifications implements NotificationStore {
    private static final String COLUMNS = "id, user_id, type, title, body, data, created_at, read_at";

    private Notification row(ResultSet rs) throws SQLException {
      return new Notification(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
          rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8));
    }

    @Override
    public String insert(String appId, Notification n, Optional<String> requestKey,
        Optional<PushIntent> push) {
      // the push is stored with the notification or not at all (see JdbcPushStore)
      Database.Work<Integer> insert = c -> {
        int rows = Database.update(c, "INSERT INTO notifications (app_id, " + COLUMNS
            + ", request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, "
            + "request_key) DO NOTHING", appId, n.id(), n.userId(), n.type(), n.title(), n.body(),
            n.dataJson(), n.createdAt(), n.readAt(), requestKey.orElse(null));
        if (rows > 0 && push.isPresent()) {
          JdbcPushStore.enqueue(c, appId, push.get(), Optional.empty());
        }
        return rows;
      };
      int inserted = push.isPresent() ? db.transaction(insert) : db.withConnection(insert);
      if (inserted > 0 || requestKey.isEmpty()) {
        return n.id();
      }
      return db.one("SELECT id FROM notifications WHERE app_id = ? AND request_key = ?",
          rs -> rs.getString(1), appId, requestKey.get()).orElse(n.id());
    }

    @Override
    public Optional<Notification> find(String appId, String id) {
      return db.one("SELECT " + COLUMNS + " FROM notifications WHERE app_id = ? AND id = ?",
          this::row, appId, id);
    }

    @Override
    public boolean markRead(String appId, String userId, String id, long at) {
      return db.update("UPDATE notifications SET read_at = ? WHERE app_id = ? AND user_id = ? "
          + "AND id = ? AND read_at = 0", at, appId, userId, id) > 0;
    }

    @Override
    public int markAllRead(String appId, String userId, long at) {
      return db.update("UPDATE notifications SET read_at = ? WHERE app_id = ? AND user_id = ? "
          + "AND read_at = 0", at, appId, userId);
    }

    @Override
    public List<Notification> latest(String appId, String userId, int limit,
        Optional<String> beforeId, boolean unreadOnly) {
      String sql = "SELECT " + COLUMNS + " FROM notifications WHERE app_id = ? AND user_id = ?"
          + (beforeId.isPresent() ? " AND id < ?" : "") + (unreadOnly ? " AND read_at = 0" : "")
          + " ORDER BY id DESC LIMIT ?";
      List<Object> params = new ArrayList<>(List.of(appId, userId));
      beforeId.ifPresent(params::add);
      params.add(limit);
      return db.list(sql, this::row, params.toArray());
    }

    @Override
    public long unreadCount(String appId, String userId) {
      return db.one("SELECT COUNT(*) FROM notifications WHERE app_id = ? AND user_id = ? AND read_at = 0",
          rs -> rs.getLong(1), appId, userId).orElse(0L);
    }

    @Override
    public int deleteCreatedBefore(String appId, long cutoff, int batch) {
      return db.update("DELETE FROM notifications WHERE app_id = ? AND id IN (SELECT id FROM "
          + "notifications WHERE app_id = ? AND created_at < ? LIMIT ?)", appId, appId, cutoff, batch);
    }
  }

  // ------------------------------------------------------------------ read receipts

  private final class Receipts implements ReceiptStore {

    @Override
    public void markMessage(String appId, String chatroomId, String messageId, String userId,
        Optional<Long> messageTs, long at) {
      db.update("INSERT INTO read_receipts (app_id, chatroom_id, message_id, user_id, message_ts, read_at) "
          + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, chatroom_id, message_id, user_id) DO UPDATE "
          + "SET message_ts = COALESCE(read_receipts.message_ts, excluded.message_ts)",
          appId, chatroomId, messageId, userId, messageTs.orElse(null), at);
    }

    @Override
    public void markChatroom(String appId, String chatroomId, String userId, long upToTs, long at) {
      db.update("INSERT INTO read_watermarks (app_id, chatroom_id, user_id, up_to_ts, read_at) "
          + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_id, chatroom_id, user_id) DO UPDATE SET "
          + "read_at = CASE WHEN excluded.up_to_ts > read_watermarks.up_to_ts THEN excluded.read_at "
          + "ELSE read_watermarks.read_at END, "
          + "up_to_ts = CASE WHEN excluded.up_to_ts > read_watermarks.up_to_ts THEN excluded.up_to_ts "
          + "ELSE read_watermarks.up_to_ts END",
          appId, chatroomId, userId, upToTs, at);
    }

    @Override
    public Optional<Long> messageTs(String appId, String chatroomId, String messageId) {
      return db.one("SELECT MIN(message_ts) FROM read_receipts WHERE app_id = ? AND chatroom_id = ? "
          + "AND message_id = ? AND message_ts IS NOT NULL", rs -> {
            long v = rs.getLong(1);
            return rs.wasNull() ? null : v;
          }, appId, chatroomId, messageId);
    }

    @Override
    public List<Read> messageReads(String appId, String chatroomId, String messageId) {
      return db.list("SELECT user_id, read_at FROM read_receipts WHERE app_id = ? AND chatroom_id = ? "
          + "AND message_id = ? ORDER BY read_at, user_id", rs -> new Read(rs.getString(1), rs.getLong(2)),
          appId, chatroomId, messageId);
    }

    @Override
    public List<Read> watermarksAtOrAfter(String appId, String chatroomId, long ts) {
      return db.list("SELECT user_id, read_at FROM read_watermarks WHERE app_id = ? AND chatroom_id = ? "
          + "AND up_to_ts >= ? ORDER BY read_at, user_id", rs -> new Read(rs.getString(1), rs.getLong(2)),
          appId, chatroomId, ts);
    }

    @Override
    public Optional<Read> messageRead(String appId, String chatroomId, String messageId, String userId) {
      return db.one("SELECT user_id, read_at FROM read_receipts WHERE app_id = ? AND chatroom_id = ? "
          + "AND message_id = ? AND user_id = ?", rs -> new Read(rs.getString(1), rs.getLong(2)),
          appId, chatroomId, messageId, userId);
    }

    @Override
    public Optional<Long> watermark(String appId, String chatroomId, String userId) {
      return db.one("SELECT up_to_ts FROM read_watermarks WHERE app_id = ? AND chatroom_id = ? "
          + "AND user_id = ?", rs -> rs.getLong(1), appId, chatroomId, userId);
    }
  }

  // ------------------------------------------------------------------ friend activity

  private final class Activities implements ActivityStore {

    private Activity row(ResultSet rs) throws SQLException {
      return new Activity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5));
    }

    @Override
    public String insert(String appId, Activity a, Optional<String> requestKey) {
      int inserted = db.update("INSERT INTO activities (app_id, id, user_id, type, data, created_at, "
          + "request_key) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, request_key) DO NOTHING",
          appId, a.id(), a.userId(), a.type(), a.dataJson(), a.createdAt(), requestKey.orElse(null));
      if (inserted > 0 || requestKey.isEmpty()) {
        return a.id();
      }
      return db.one("SELECT id FROM activities WHERE app_id = ? AND request_key = ?",
          rs -> rs.getString(1), appId, requestKey.get()).orElse(a.id());
    }

    @Override
    public List<Activity> feed(String appId, List<String> userIds, long since,
        Optional<String> beforeId, int limit) {
      List<Object> params = new ArrayList<>();
      params.add(appId);
      params.addAll(userIds);
      params.add(since);
      beforeId.ifPresent(params::add);
      params.add(limit);
      return db.list("SELECT id, user_id, type, data, created_at FROM activities WHERE app_id = ? "
          + "AND user_id IN (" + Database.placeholders(userIds.size()) + ") AND created_at > ?"
          + (beforeId.isPresent() ? " AND id < ?" : "") + " ORDER BY id DESC LIMIT ?",
          this::row, params.toArray());
    }

    @Override
    public boolean anyAfter(String appId, List<String> userIds, long after) {
      List<Object> params = new ArrayList<>();
      params.add(appId);
      params.addAll(userIds);
      params.add(after);
      return db.one("SELECT 1 FROM activities WHERE app_id = ? AND user_id IN ("
          + Database.placeholders(userIds.size()) + ") AND created_at > ? LIMIT 1",
          rs -> true, params.toArray()).isPresent();
    }

    @Override
    public int deleteCreatedBefore(String appId, long cutoff, int batch) {
      return db.update("DELETE FROM activities WHERE app_id = ? AND id IN (SELECT id FROM "
          + "activities WHERE app_id = ? AND created_at < ? LIMIT ?)", appId, appId, cutoff, batch);
    }
  }

  // ------------------------------------------------------------------ friends

  private final class Friends implements FriendStore {

    @Override
    public List<String> friends(String appId, String userId) {
      return db.list("SELECT friend_id FROM friends WHERE app_id = ? AND user_id = ? ORDER BY friend_id",
          rs -> rs.getString(1), appId, userId);
    }

    @Override
    public List<String> followers(String appId, String userId) {
      return db.list("SELECT user_id FROM friends WHERE app_id = ? AND friend_id = ? ORDER BY user_id",
          rs -> rs.getString(1), appId, userId);
    }

    @Override
    public void setFriends(String appId, String userId, List<String> friendIds, long now) {
      db.transaction(c -> {
        Database.update(c, "DELETE FROM friends WHERE app_id = ? AND user_id = ?", appId, userId);
        long t = now;
        for (String friend : friendIds) {
          Database.update(c, "INSERT INTO friends (app_id, user_id, friend_id, created_at) VALUES (?, ?, ?, ?)",
              appId, userId, friend, t++);
        }
        return null;
      });
    }

    @Override
    public boolean addFriend(String appId, String userId, String friendId, long now) {
      return db.update("INSERT INTO friends (app_id, user_id, friend_id, created_at) VALUES (?, ?, ?, ?) "
          + "ON CONFLICT (app_id, user_id, friend_id) DO NOTHING", appId, userId, friendId, now) > 0;
    }

    @Override
    public boolean removeFriend(String appId, String userId, String friendId) {
      return db.update("DELETE FROM friends WHERE app_id = ? AND user_id = ? AND friend_id = ?",
          appId, userId, friendId) > 0;
    }
  }

  // ------------------------------------------------------------------ rooms

  private final class Rooms implements RoomRegistry {

    private Member row(ResultSet rs) throws SQLException {
      return new Member(rs.getString(1), rs.getInt(2) != 0, rs.getLong(3), rs.getString(4));
    }

    @Override
    public List<Member> members(String appId, String roomId, int limit) {
      return db.list("SELECT user_id, registered, last_seen, data FROM room_members WHERE app_id = ? "
          + "AND room_id = ? ORDER BY last_seen DESC, user_id LIMIT ?", this::row, appId, roomId, limit);
    }

    @Override
    public Optional<Member> member(String appId, String roomId, String userId) {
      return db.one("SELECT user_id, registered, last_seen, data FROM room_members WHERE app_id = ? "
          + "AND room_id = ? AND user_id = ?", this::row, appId, roomId, userId);
    }

    @Override
    public List<String> registeredRooms(String appId, String userId) {
      return db.list("SELECT room_id FROM room_members WHERE app_id = ? AND user_id = ? AND registered = 1",
          rs -> rs.getString(1), appId, userId);
    }

    @Override
    public void setRegistered(String appId, String roomId, List<String> userIds) {
      db.transaction(c -> {
        Database.update(c, "UPDATE room_members SET registered = 0 WHERE app_id = ? AND room_id = ?",
            appId, roomId);
        for (String user : userIds) {
          Database.update(c, REGISTER, appId, roomId, user);
        }
        return null;
      });
    }

    private static final String REGISTER = "INSERT INTO room_members (app_id, room_id, user_id, "
        + "registered, last_seen, data) VALUES (?, ?, ?, 1, 0, 'null') ON CONFLICT (app_id, room_id, "
        + "user_id) DO UPDATE SET registered = 1";

    @Override
    public boolean register(String appId, String roomId, String userId) {
      return db.transaction(c -> {
        boolean was = !Database.list(c, "SELECT 1 FROM room_members WHERE app_id = ? AND room_id = ? "
            + "AND user_id = ? AND registered = 1", rs -> true, appId, roomId, userId).isEmpty();
        Database.update(c, REGISTER, appId, roomId, userId);
        return !was;
      });
    }

    @Override
    public boolean unregister(String appId, String roomId, String userId) {
      return db.update("UPDATE room_members SET registered = 0 WHERE app_id = ? AND room_id = ? "
          + "AND user_id = ? AND registered = 1", appId, roomId, userId) > 0;
    }

    @Override
    public void recordVisit(String appId, String roomId, String userId, long lastSeen, String dataJson) {
      db.update("INSERT INTO room_members (app_id, room_id, user_id, registered, last_seen, data) "
          + "VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (app_id, room_id, user_id) DO UPDATE SET "
          + "last_seen = excluded.last_seen, data = excluded.data", appId, roomId, userId, lastSeen, dataJson);
    }

    @Override
    public List<Visit> visits(String appId, String userId, int limit) {
      return db.list("SELECT room_id, last_seen FROM room_members WHERE app_id = ? AND user_id = ? "
          + "AND last_seen > 0 ORDER BY last_seen DESC, room_id LIMIT ?",
          rs -> new Visit(rs.getString(1), rs.getLong(2)), appId, userId, limit);
    }

    @Override
    public void forgetVisit(String appId, String roomId, String userId) {
      db.transaction(c -> {
        Database.update(c, "DELETE FROM room_members WHERE app_id = ? AND room_id = ? AND user_id = ? "
            + "AND registered = 0", appId, roomId, userId);
        Database.update(c, "UPDATE room_members SET last_seen = 0, data = 'null' WHERE app_id = ? "
            + "AND room_id = ? AND user_id = ?", appId, roomId, userId);
        return null;
      });
    }

    @Override
    public void forgetVisits(String appId, String roomId) {
      db.transaction(c -> {
        Database.update(c, "DELETE FROM room_members WHERE app_id = ? AND room_id = ? AND registered = 0",
            appId, roomId);
        Database.update(c, "UPDATE room_members SET last_seen = 0, data = 'null' WHERE app_id = ? "
            + "AND room_id = ?", appId, roomId);
        return null;
      });
    }
  }

  // ------------------------------------------------------------------ event rooms

  private final class Events implements RoomEvents {

    @Override
    public void assign(String appId, String roomId, String eventId) {
      db.update("INSERT INTO room_events (app_id, room_id, event_id) VALUES (?, ?, ?) "
          + "ON CONFLICT (app_id, room_id) DO UPDATE SET event_id = excluded.event_id",
          appId, roomId, eventId);
    }

    @Override
    public void unassign(String appId, String roomId) {
      db.update("DELETE FROM room_events WHERE app_id = ? AND room_id = ?", appId, roomId);
    }

    @Override
    public Optional<String> eventOf(String appId, String roomId) {
      return db.one("SELECT event_id FROM room_events WHERE app_id = ? AND room_id = ?",
          rs -> rs.getString(1), appId, roomId);
    }

    @Override
    public List<String> rooms(String appId, String eventId, int limit) {
      return db.list("SELECT room_id FROM room_events WHERE app_id = ? AND event_id = ? "
          + "ORDER BY room_id LIMIT ?", rs -> rs.getString(1), appId, eventId, limit);
    }
  }

  // ------------------------------------------------------------------ user presence

  private final class Presence implements PresenceStore {

    @Override
    public Optional<Stored> load(String appId, String userId) {
      return db.one("SELECT status, status_message, last_seen FROM user_presence WHERE app_id = ? "
          + "AND user_id = ?", rs -> new Stored(rs.getString(1), rs.getString(2), rs.getLong(3)), appId, userId);
    }

    @Override
    public void saveLastSeen(String appId, String userId, long lastSeen) {
      db.update("INSERT INTO user_presence (app_id, user_id, last_seen) VALUES (?, ?, ?) "
          + "ON CONFLICT (app_id, user_id) DO UPDATE SET last_seen = excluded.last_seen",
          appId, userId, lastSeen);
    }

    @Override
    public void saveStatus(String appId, String userId, String status, String statusMessage) {
      db.update("INSERT INTO user_presence (app_id, user_id, status, status_message, last_seen) "
          + "VALUES (?, ?, ?, ?, 0) ON CONFLICT (app_id, user_id) DO UPDATE SET status = excluded.status, "
          + "status_message = excluded.status_message", appId, userId, status, statusMessage);
    }
  }
}
