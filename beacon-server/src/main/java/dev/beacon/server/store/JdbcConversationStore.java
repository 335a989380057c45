package dev.beacon.server.store;

import dev.beacon.core.conversations.Conversation;
import dev.beacon.core.conversations.ConversationStore;
import dev.beacon.core.conversations.Message;
import dev.beacon.core.outbox.PushIntent;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Conversations, members and messages on the {@link Database}, the same SQL for SQLite and
 * PostgreSQL. A message takes its sequence number by incrementing its conversation's {@code
 * last_seq} in the transaction that inserts it: the row update serializes concurrent sends to one
 * conversation (PostgreSQL's row lock, SQLite's single writer), so numbers have no gaps.
 */
final class JdbcConversationStore implements ConversationStore {

  private static final String CONV = "id, title, created_by, created_at, last_seq, activity_key, last_activity";
  private static final String MSG = "id, conversation_id, seq, author_id, role, content, status, "
      + "created_at, updated_at, edited_at, deleted_at";

  private final Database db;

  JdbcConversationStore(Database db) {
    this.db = db;
  }

  private static Conversation conversation(ResultSet rs) throws SQLException {
    return new Conversation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
        rs.getLong(5), rs.getString(6), rs.getLong(7));
  }

  private static Message message(ResultSet rs) throws SQLException {
    return message(rs, 0);
  }

  private static Message message(ResultSet rs, int offset) throws SQLException {
    return new Message(rs.getString(offset + 1), rs.getString(offset + 2), rs.getLong(offset + 3),
        rs.getString(offset + 4), rs.getString(offset + 5), rs.getString(offset + 6),
        rs.getString(offset + 7), rs.getLong(offset + 8), rs.getLong(offset + 9),
        rs.getLong(offset + 10), rs.getLong(offset + 11));
  }

  @Override
  public boolean create(String appId, Conversation c, List<String> memberIds, long at) {
    return db.transaction(conn -> {
      int rows = Database.update(conn, "INSERT INTO conversations (app_id, " + CONV + ") VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, id) DO NOTHING", appId, c.id(), c.title(),
          c.createdBy(), c.createdAt(), c.lastSeq(), c.activityKey(), c.lastActivity());
      if (rows == 0) {
        return false;
      }
      for (String user : memberIds) {
        addMember(conn, appId, c.id(), user, at);
      }
      return true;
    });
  }

  private static int addMember(Connection conn, String appId, String id, String user, long at)
      throws SQLException {
    return Database.update(conn, "INSERT INTO conversation_members (app_id, conversation_id, "
        + "user_id, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT (app_id, conversation_id, user_id) "
        + "DO NOTHING", appId, id, user, at);
  }

  @Override
  public Optional<Conversation> find(String appId, String conversationId) {
    return db.one("SELECT " + CONV + " FROM conversations WHERE app_id = ? AND id = ?",
        JdbcConversationStore::conversation, appId, conversationId);
  }

  @Override
  public boolean isMember(String appId, String conversationId, String userId) {
    return db.one("SELECT 1 FROM conversation_members WHERE app_id = ? AND conversation_id = ? "
        + "AND user_id = ?", rs -> true, appId, conversationId, userId).isPresent();
  }

  @Override
  public List<String> members(String appId, String conversationId) {
    return db.list("SELECT user_id FROM conversation_members WHERE app_id = ? AND conversation_id = ? "
        + "ORDER BY joined_at, user_id", rs -> rs.getString(1), appId, conversationId);
  }

  /** Read from the primary key's index alone (the order {@link #members} gives needs the rows). */
  static final String MEMBER_SET = "SELECT user_id FROM conversation_members WHERE app_id = ? "
      + "AND conversation_id = ?";

  @Override
  public java.util.Set<String> memberSet(String appId, String conversationId) {
    return java.util.Set.copyOf(db.list(MEMBER_SET, rs -> rs.getString(1), appId, conversationId));
  }

  @Override
  public List<String> addMembers(String appId, String conversationId, List<String> userIds, long at) {
    return db.transaction(conn -> {
      List<String> added = new ArrayList<>();
      for (String user : userIds) {
        if (addMember(conn, appId, conversationId, user, at) > 0) {
          added.add(user);
        }
      }
      return added;
    });
  }

  @Override
  public boolean removeMember(String appId, String conversationId, String userId) {
    return db.update("DELETE FROM conversation_members WHERE app_id = ? AND conversation_id = ? "
        + "AND user_id = ?", appId, conversationId, userId) > 0;
  }

  @Override
  public boolean updateTitle(String appId, String conversationId, String title) {
    return db.update("UPDATE conversations SET title = ? WHERE app_id = ? AND id = ?", title, appId,
        conversationId) > 0;
  }

  @Override
  public List<Listed> listMine(String appId, String userId, int limit, Optional<String> beforeKey) {
    List<Object> params = new ArrayList<>(List.of(userId, userId, appId, userId));
    beforeKey.ifPresent(params::add);
    params.add(limit);
    String cols = "c.id, c.title, c.created_by, c.created_at, c.last_seq, c.activity_key, c.last_activity";
    List<Object[]> rows = db.list("SELECT " + cols + ", (SELECT COUNT(*) FROM messages m WHERE "
        + "m.app_id = c.app_id AND m.conversation_id = c.id AND m.author_id <> ? AND m.deleted_at = 0 "
        + "AND m.created_at > COALESCE((SELECT w.up_to_ts FROM read_watermarks w WHERE w.app_id = "
        + "c.app_id AND w.chatroom_id = c.id AND w.user_id = ?), 0)) AS unread "
        + "FROM conversation_members cm JOIN conversations c ON c.app_id = cm.app_id AND c.id = "
        + "cm.conversation_id WHERE cm.app_id = ? AND cm.user_id = ?"
        + (beforeKey.isPresent() ? " AND c.activity_key < ?" : "")
        + " ORDER BY c.activity_key DESC LIMIT ?",
        rs -> new Object[] {conversation(rs), rs.getLong(8)}, params.toArray());
    List<Listed> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      Conversation c = (Conversation) row[0];
      Optional<Message> last = c.lastSeq() == 0 ? Optional.empty()
          : db.one("SELECT " + MSG + " FROM messages WHERE app_id = ? AND conversation_id = ? "
              + "AND seq = ?", JdbcConversationStore::message, appId, c.id(), c.lastSeq());
      out.add(new Listed(c, last, (Long) row[1]));
    }
    return out;
  }

  @Override
  public Appended append(String appId, Message m, Optional<String> key, List<PushIntent> pushes) {
    Database.Work<Appended> work = conn -> {
      // the update first: it takes the write lock (SQLite) or the row lock (PostgreSQL) before
      // anything is read, so the check for an earlier send below cannot go stale
      if (Database.update(conn, "UPDATE conversations SET last_seq = last_seq + 1, "
          + "activity_key = CASE WHEN ? > activity_key THEN ? ELSE activity_key END, "
          + "last_activity = ? WHERE app_id = ? AND id = ?", m.id(), m.id(), m.createdAt(), appId,
          m.conversationId()) == 0) {
        throw new SQLException("no conversation '" + m.conversationId() + "'");
      }
      if (key.isPresent()) {
        Optional<Message> earlier = byKey(conn, appId, m, key.get());
        if (earlier.isPresent()) {
          throw new StoredBefore(earlier.get()); // rolls the increment back
        }
      }
      long seq = Database.list(conn, "SELECT last_seq FROM conversations WHERE app_id = ? AND id = ?",
          rs -> rs.getLong(1), appId, m.conversationId()).get(0);
      Message stored = new Message(m.id(), m.conversationId(), seq, m.authorId(), m.role(),
          m.content(), m.status(), m.createdAt(), m.updatedAt(), 0, 0);
      Database.update(conn, "INSERT INTO messages (app_id, " + MSG + ", client_key) VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", appId, stored.id(), stored.conversationId(),
          seq, stored.authorId(), stored.role(), stored.content(), stored.status(),
          stored.createdAt(), stored.updatedAt(), 0L, 0L, key.orElse(null));
      for (PushIntent push : pushes) {
        JdbcPushStore.enqueue(conn, appId, push, Optional.empty());
      }
      return new Appended(stored, true);
    };
    try {
      return db.transaction(work);
    } catch (StoredBefore e) {
      return new Appended(e.message, false);
    }
  }

  /** A retried send: the message its key stored before. */
  private static final class StoredBefore extends RuntimeException {
    final Message message;

    StoredBefore(Message message) {
      super(null, null, false, false);
      this.message = message;
    }
  }

  private static Optional<Message> byKey(Connection conn, String appId, Message m, String key)
      throws SQLException {
    List<Message> found = Database.list(conn, "SELECT " + MSG + " FROM messages WHERE app_id = ? "
        + "AND conversation_id = ? AND author_id = ? AND client_key = ?",
        JdbcConversationStore::message, appId, m.conversationId(), m.authorId(), key);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public Optional<Message> message(String appId, String messageId) {
    return db.one("SELECT " + MSG + " FROM messages WHERE app_id = ? AND id = ?",
        JdbcConversationStore::message, appId, messageId);
  }

  @Override
  public boolean updateContent(String appId, String messageId, String content, long at) {
    // never a streaming message: its text is its holder's, written fenced (updateStreams,
    // finishStream)
    return db.update("UPDATE messages SET content = ?, updated_at = ?, edited_at = ? WHERE "
        + "app_id = ? AND id = ? AND deleted_at = 0 AND status <> 'streaming'", content, at, at,
        appId, messageId) > 0;
  }

  /**
   * On PostgreSQL, bounds a transaction that writes a stream's row: the database ends it when it
   * sits idle (its process paused) longer than {@link #STREAM_TXN_IDLE_MILLIS}, so a paused
   * holder does not keep the row locked from the node taking the stream over; and with {@code
   * lockWait}, a statement waits at most that long for a row another transaction holds.
   */
  private void bound(Connection conn, boolean lockWait) throws SQLException {
    if (db.kind() != Database.Kind.POSTGRESQL) {
      return; // SQLite: one node, one writer
    }
    Database.list(conn, lockWait ? TAKE_BOUNDS : FLUSH_BOUNDS, rs -> null);
  }

  static final String FLUSH_BOUNDS = "SELECT set_config('idle_in_transaction_session_timeout', '"
      + STREAM_TXN_IDLE_MILLIS + "', true)";
  static final String TAKE_BOUNDS = "SELECT set_config('idle_in_transaction_session_timeout', '"
      + STREAM_TXN_IDLE_MILLIS + "', true), set_config('lock_timeout', '" + TAKE_LOCK_WAIT_MILLIS
      + "', true)";

  @Override
  public java.util.Set<String> updateStreams(List<StreamText> texts) {
    return db.transaction(conn -> {
      bound(conn, false);
      java.util.Set<String> stored = new java.util.HashSet<>();
      for (StreamText t : texts) {
        // fenced: not over the text of a node that took the stream over with a newer epoch
        if (Database.update(conn, "UPDATE messages SET content = ?, updated_at = ? WHERE app_id = ? "
            + "AND id = ? AND status = 'streaming' AND stream_epoch <= ?", t.content(), t.at(),
            t.appId(), t.messageId(), t.epoch()) > 0) {
          stored.add(t.appId() + '\u0000' + t.messageId());
        }
      }
      return stored;
    });
  }

  @Override
  public boolean finishStream(String appId, String messageId, String content, String status, long at,
      long epoch) {
    return db.update("UPDATE messages SET content = ?, status = ?, updated_at = ? WHERE app_id = ? "
        + "AND id = ? AND status = 'streaming' AND stream_epoch <= ?", content, status, at, appId,
        messageId, epoch) > 0;
  }

  @Override
  public Optional<Message> takeStream(String appId, String messageId, long epoch) {
    try {
      return db.transaction(conn -> {
        bound(conn, true);
        // the update first: it takes the row lock (PostgreSQL) or the write lock (SQLite), so an
        // older holder's flush is either in the text read below or, after the commit, refused
        if (Database.update(conn, "UPDATE messages SET stream_epoch = ? WHERE app_id = ? AND id = ? "
            + "AND status = 'streaming' AND stream_epoch <= ?", epoch, appId, messageId, epoch) == 0) {
          return Optional.<Message>empty();
        }
        return Database.list(conn, "SELECT " + MSG + " FROM messages WHERE app_id = ? AND id = ?",
            JdbcConversationStore::message, appId, messageId).stream().findFirst();
      });
    } catch (Database.StoreException e) {
      if (e.getCause() instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
        throw new StreamBusy("the stored row of message '" + messageId + "' stayed locked for "
            + TAKE_LOCK_WAIT_MILLIS + " ms (a write of another node in progress)", e);
      }
      throw e;
    }
  }

  /** PostgreSQL's SQLSTATE for a lock wait ended by {@code lock_timeout}. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  @Override
  public Optional<Watched> watchStream(String appId, String messageId) {
    return db.one("SELECT " + MSG + ", stream_epoch FROM messages WHERE app_id = ? AND id = ? "
        + "AND status = 'streaming'", rs -> new Watched(message(rs), rs.getLong(12)), appId,
        messageId);
  }

  @Override
  public boolean timeoutStream(String appId, Watched seen, long at) {
    // fenced by what the watcher read: a flush since changed updated_at, a takeover the epoch
    return db.update("UPDATE messages SET status = 'timeout', updated_at = ? WHERE app_id = ? "
        + "AND id = ? AND status = 'streaming' AND updated_at = ? AND stream_epoch = ?", at, appId,
        seen.message().id(), seen.message().updatedAt(), seen.epoch()) > 0;
  }

  @Override
  public boolean delete(String appId, String messageId, long at) {
    return db.update("UPDATE messages SET content = '', deleted_at = ?, updated_at = ? WHERE "
        + "app_id = ? AND id = ? AND deleted_at = 0 AND status <> 'streaming'", at, at, appId,
        messageId) > 0;
  }

  @Override
  public List<Message> latest(String appId, String conversationId, int limit, Optional<Long> beforeSeq,
      Optional<Long> fromSeq) {
    List<Object> params = new ArrayList<>(List.of(appId, conversationId));
    beforeSeq.ifPresent(params::add);
    fromSeq.ifPresent(params::add);
    params.add(limit);
    return db.list("SELECT " + MSG + " FROM messages WHERE app_id = ? AND conversation_id = ?"
        + (beforeSeq.isPresent() ? " AND seq < ?" : "") + (fromSeq.isPresent() ? " AND seq >= ?" : "")
        + " ORDER BY seq DESC LIMIT ?",
        JdbcConversationStore::message, params.toArray());
  }

  @Override
  public List<Message> after(String appId, String conversationId, long afterSeq, int limit) {
    return db.list("SELECT " + MSG + " FROM messages WHERE app_id = ? AND conversation_id = ? "
        + "AND seq > ? ORDER BY seq LIMIT ?", JdbcConversationStore::message, appId, conversationId,
        afterSeq, limit);
  }

  /**
   * A conversation's streaming messages: read through the partial index {@code
   * messages_streaming} (V15_2), not the conversation's whole history.
   */
  static final String STREAMING = "SELECT " + MSG + " FROM messages WHERE app_id = ? "
      + "AND status = 'streaming' AND conversation_id = ? ORDER BY seq";

  @Override
  public List<Message> streaming(String appId, String conversationId) {
    return db.list(STREAMING, JdbcConversationStore::message, appId, conversationId);
  }

  /**
   * Their ids alone: from the partial index and the start of each row (SQLite reads no column
   * past {@code id}, so not the text, which may span overflow pages).
   */
  static final String STREAMING_IDS = "SELECT id FROM messages WHERE app_id = ? "
      + "AND status = 'streaming' AND conversation_id = ? ORDER BY seq";

  @Override
  public List<String> streamingIds(String appId, String conversationId) {
    return db.list(STREAMING_IDS, rs -> rs.getString(1), appId, conversationId);
  }

  @Override
  public List<String> streamingConversations(String appId, String userId) {
    return db.list("SELECT DISTINCT m.conversation_id FROM messages m JOIN conversation_members cm "
        + "ON cm.app_id = m.app_id AND cm.conversation_id = m.conversation_id AND cm.user_id = ? "
        + "WHERE m.app_id = ? AND m.status = 'streaming' ORDER BY m.conversation_id",
        rs -> rs.getString(1), userId, appId);
  }

  @Override
  public List<Message> allStreaming(String appId) {
    return db.list("SELECT " + MSG + " FROM messages WHERE app_id = ? AND status = 'streaming' "
        + "ORDER BY created_at", JdbcConversationStore::message, appId);
  }
}
