package dev.beacon.server.store;

import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.push.Device;
import dev.beacon.core.push.DeviceKind;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.core.push.PushStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Push devices and the push outbox on a {@link Database}. A push is queued by one {@code INSERT
 * ... SELECT} over the user's devices, so it can join the transaction of whatever it is about
 * ({@link #enqueue(Connection, String, PushIntent, Optional)}). Pushes are claimed by a
 * conditional update of {@code claimed_until}, so that two nodes never send the same push at the
 * same time.
 */
public final class JdbcPushStore implements PushStore {

  private static final String DEVICE_COLUMNS = "id, user_id, kind, address, p256dh, auth, created_at";

  private final Database db;

  public JdbcPushStore(Database db) {
    this.db = db;
  }

  private static Device device(ResultSet rs, int first) throws SQLException {
    return new Device(rs.getString(first), rs.getString(first + 1),
        DeviceKind.parse(rs.getString(first + 2)).orElseThrow(), rs.getString(first + 3),
        rs.getString(first + 4), rs.getString(first + 5), rs.getLong(first + 6));
  }

  @Override
  public Device register(String appId, Device d, int maxPerUser) {
    return db.transaction(c -> {
      Optional<Device> existing = Database.list(c, "SELECT " + DEVICE_COLUMNS + " FROM push_devices "
          + "WHERE app_id = ? AND kind = ? AND address = ?", rs -> device(rs, 1), appId,
          d.kind().wireName(), d.address()).stream().findFirst();
      if (existing.isPresent() && !existing.get().userId().equals(d.userId())) {
        // the address moves to another user: nothing queued for the previous one goes with it
        Database.update(c, "DELETE FROM push_outbox WHERE app_id = ? AND device_id = ?", appId,
            existing.get().id());
      }
      Device stored = existing.map(e -> new Device(e.id(), d.userId(), d.kind(), d.address(),
          d.p256dh(), d.auth(), e.createdAt())).orElse(d);
      Database.update(c, "INSERT INTO push_devices (app_id, " + DEVICE_COLUMNS + ") VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, kind, address) DO UPDATE SET "
          + "user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth",
          appId, stored.id(), stored.userId(), stored.kind().wireName(), stored.address(),
          stored.p256dh(), stored.auth(), stored.createdAt());
      List<String> ids = Database.list(c, "SELECT id FROM push_devices WHERE app_id = ? AND "
          + "user_id = ? ORDER BY created_at DESC, id DESC", rs -> rs.getString(1), appId, d.userId());
      for (String old : ids.subList(Math.min(maxPerUser, ids.size()), ids.size())) {
        deleteDevice(c, appId, old);
      }
      return stored;
    });
  }

  private static void deleteDevice(Connection c, String appId, String deviceId) throws SQLException {
    Database.update(c, "DELETE FROM push_outbox WHERE app_id = ? AND device_id = ?", appId, deviceId);
    Database.update(c, "DELETE FROM push_devices WHERE app_id = ? AND id = ?", appId, deviceId);
  }

  @Override
  public boolean unregister(String appId, String userId, String idOrAddress) {
    return db.transaction(c -> {
      List<String> ids = Database.list(c, "SELECT id FROM push_devices WHERE app_id = ? AND "
          + "user_id = ? AND (id = ? OR address = ?)", rs -> rs.getString(1), appId, userId,
          idOrAddress, idOrAddress);
      for (String id : ids) {
        deleteDevice(c, appId, id);
      }
      return !ids.isEmpty();
    });
  }

  @Override
  public List<Device> devices(String appId, String userId) {
    return db.list("SELECT " + DEVICE_COLUMNS + " FROM push_devices WHERE app_id = ? AND user_id = ? "
        + "ORDER BY created_at, id", rs -> device(rs, 1), appId, userId);
  }

  @Override
  public int enqueue(String appId, PushIntent intent, Optional<String> requestKey) {
    return db.transaction(c -> enqueue(c, appId, intent, requestKey));
  }

  /** Queues a push for every device of its user within the caller's transaction. */
  static int enqueue(Connection c, String appId, PushIntent intent, Optional<String> requestKey)
      throws SQLException {
    PushContent content = intent.content();
    // the WHERE keeps SQLite from reading ON CONFLICT as a join constraint
    return Database.update(c, "INSERT INTO push_outbox (app_id, message_id, device_id, title, body, "
        + "data, url, created_at, expires_at, attempts, next_attempt_at, claimed_until, request_key) "
        + "SELECT app_id, ?, id, ?, ?, ?, ?, ?, ?, 0, ?, 0, ? FROM push_devices "
        + "WHERE app_id = ? AND user_id = ? ON CONFLICT DO NOTHING",
        intent.messageId(), content.title(), content.body(), content.dataJson(), content.url(),
        intent.createdAt(), intent.expiresAt(), intent.createdAt(), requestKey.orElse(null),
        appId, intent.userId());
  }

  @Override
  public List<OutboxEntry> claimDue(long now, int limit, long claimUntil) {
    return db.transaction(c -> {
      List<Object[]> due = Database.list(c, "SELECT o.app_id, o.message_id, o.title, o.body, o.data, "
          + "o.url, o.created_at, o.expires_at, o.attempts, o.claimed_until, d." + DEVICE_COLUMNS
          .replace(", ", ", d.") + " FROM push_outbox o JOIN push_devices d ON d.app_id = o.app_id "
          + "AND d.id = o.device_id WHERE o.next_attempt_at <= ? AND o.claimed_until <= ? "
          + "ORDER BY o.next_attempt_at, o.app_id, o.message_id, o.device_id LIMIT ?", rs -> new Object[] {
              new OutboxEntry(rs.getString(1), rs.getString(2), device(rs, 11),
                  new PushContent(rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)),
                  rs.getLong(7), rs.getLong(8), rs.getInt(9)),
              rs.getLong(10)}, now, now, limit);
      List<OutboxEntry> claimed = new ArrayList<>(due.size());
      for (Object[] row : due) {
        OutboxEntry e = (OutboxEntry) row[0];
        // claimed only if no other node claimed it (or settled it for a later retry) since the
        // SELECT: on PostgreSQL a concurrent claim makes this UPDATE wait and then match nothing;
        // every node claims in the same order (a total one), so two claims never deadlock
        if (Database.update(c, "UPDATE push_outbox SET claimed_until = ? WHERE app_id = ? AND "
            + "message_id = ? AND device_id = ? AND claimed_until = ? AND next_attempt_at <= ?",
            claimUntil, e.appId(), e.messageId(), e.device().id(), row[1], now) == 1) {
          claimed.add(e);
        }
      }
      return claimed;
    });
  }

  @Override
  public void delivered(OutboxEntry e) {
    drop(e);
  }

  @Override
  public void retryAt(OutboxEntry e, long at) {
    db.update("UPDATE push_outbox SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = 0 "
        + "WHERE app_id = ? AND message_id = ? AND device_id = ?", at, e.appId(), e.messageId(),
        e.device().id());
  }

  @Override
  public void drop(OutboxEntry e) {
    db.update("DELETE FROM push_outbox WHERE app_id = ? AND message_id = ? AND device_id = ?",
        e.appId(), e.messageId(), e.device().id());
  }

  @Override
  public void removeDevice(String appId, String deviceId) {
    db.transaction(c -> {
      deleteDevice(c, appId, deviceId);
      return null;
    });
  }

  @Override
  public long pending() {
    return db.one("SELECT COUNT(*) FROM push_outbox", rs -> rs.getLong(1)).orElse(0L);
  }

  @Override
  public Optional<Long> nextDue(long now) {
    // claims lapse on their own: the dispatcher looks again within its idle interval
    return db.one("SELECT MIN(next_attempt_at) FROM push_outbox WHERE claimed_until <= ?", rs -> {
      long v = rs.getLong(1);
      return rs.wasNull() ? null : v;
    }, now);
  }

  @Override
  public void releaseClaims() {
    db.update("UPDATE push_outbox SET claimed_until = 0 WHERE claimed_until <> 0");
  }
}
