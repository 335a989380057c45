package dev.beacon.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite statements are prepared once per pooled connection and used again (issue 15: preparing
 * was a third of the function workers' time in the stream benchmark). A kept statement must give
 * the same answers as a fresh one, hold no read snapshot or lock between uses (else the WAL could
 * not be checkpointed and writers would wait), and a statement that failed must not poison the
 * next call.
 */
class KeptStatementsTest {

  @TempDir
  Path dir;

  @Test
  void aStatementUsedAgainGivesEachCallItsOwnRowsAndIsPreparedOncePerConnection() {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      db.update("CREATE TABLE items (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
      for (int i = 0; i < 50; i++) {
        db.update("INSERT INTO items VALUES (?, ?)", "k" + i, i);
      }
      long before = Database.statementsPrepared();
      for (int i = 0; i < 50; i++) {
        assertThat(db.list("SELECT n FROM items WHERE k = ?", rs -> rs.getLong(1), "k" + i))
            .containsExactly((long) i);
        assertThat(db.update("UPDATE items SET n = n + 1 WHERE k = ?", "k" + i)).isEqualTo(1);
      }
      assertThat(db.list("SELECT n FROM items WHERE k = ?", rs -> rs.getLong(1), "missing")).isEmpty();
      long prepared = Database.statementsPrepared() - before;
      // two statements, each prepared at most once on each of the pool's four connections (one
      // thread: the pool lends it the same connection), not once per call
      assertThat(prepared).isBetween(2L, 8L);
      assertThat(db.list("SELECT SUM(n) FROM items", rs -> rs.getLong(1)))
          .containsExactly(50L * 49 / 2 + 50);
    }
  }

  @Test
  void keptStatementsHoldNoReadSnapshotSoTheWalCanBeCheckpointedWhole() throws Exception {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      db.update("CREATE TABLE items (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
      db.update("INSERT INTO items VALUES ('a', 0), ('b', 0), ('c', 0)");
      // reads and writes from several threads at once, so that every connection of the pool
      // keeps statements of its own
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Void>> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        threads.add(CompletableFuture.runAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          for (int i = 0; i < 200; i++) {
            db.list("SELECT k, n FROM items ORDER BY k", rs -> rs.getString(1));
            db.update("UPDATE items SET n = n + 1 WHERE k = ?", "b");
          }
        }));
      }
      go.countDown();
      for (CompletableFuture<Void> f : threads) {
        f.get(60, TimeUnit.SECONDS);
      }
      // busy = 0: no other connection has a read transaction open; every frame of the WAL was
      // copied into the database
      List<long[]> checkpoint = db.list("PRAGMA wal_checkpoint(TRUNCATE)",
          rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
      assertThat(checkpoint).hasSize(1);
      assertThat(checkpoint.get(0)[0]).as("busy").isZero();
      assertThat(checkpoint.get(0)[1]).as("WAL frames left").isZero();
      assertThat(db.list("SELECT n FROM items WHERE k = 'b'", rs -> rs.getLong(1)))
          .containsExactly(800L);
    }
  }

  @Test
  void aStatementThatFailedIsPreparedAfreshAndTheNextCallWorks() {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      db.update("CREATE TABLE items (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
      String insert = "INSERT INTO items VALUES (?, ?)";
      db.update(insert, "a", 1);
      assertThatThrownBy(() -> db.update(insert, "a", 2))
          .isInstanceOf(Database.StoreException.class);
      assertThat(db.update(insert, "b", 2)).isEqualTo(1);
      // inside a transaction too: the failure rolls back, the statement is not left half-run
      assertThatThrownBy(() -> db.transaction(c -> {
        Database.update(c, insert, "c", 3);
        return Database.update(c, insert, "a", 4);
      })).isInstanceOf(Database.StoreException.class);
      int inserted = db.transaction(c -> Database.update(c, insert, "c", 3));
      assertThat(inserted).isEqualTo(1);
      assertThat(db.list("SELECT k, n FROM items ORDER BY k", rs -> rs.getString(1) + rs.getLong(2)))
          .containsExactly("a1", "b2", "c3");
    }
  }

  @Test
  void aConversationsMemberSetIsItsMembersReadFromTheKeyAlone() {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      JdbcConversationStore store = new JdbcConversationStore(db);
      store.create("app", new dev.beacon.core.conversations.Conversation("c1", "t", "ann", 1, 0,
          "k", 1), List.of("ann", "bob", "cy"), 1);
      store.create("app", new dev.beacon.core.conversations.Conversation("c2", "t", "dee", 1, 0,
          "k2", 1), List.of("dee"), 1);
      store.addMembers("app", "c1", List.of("eve"), 2);
      store.removeMember("app", "c1", "bob");
      assertThat(store.memberSet("app", "c1")).containsExactlyInAnyOrder("ann", "cy", "eve")
          .containsExactlyInAnyOrderElementsOf(store.members("app", "c1"));
      assertThat(store.memberSet("app", "nobody")).isEmpty();
      List<String> plan = db.list("EXPLAIN QUERY PLAN " + JdbcConversationStore.MEMBER_SET,
          rs -> rs.getString(4), "app", "c1");
      assertThat(plan).singleElement().asString().contains("COVERING INDEX");
    }
  }

  @Test
  void aConversationsStreamingMessagesAreReadThroughTheirOwnIndexNotItsHistory() {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      List<String> plan = db.list("EXPLAIN QUERY PLAN " + JdbcConversationStore.STREAMING,
          rs -> rs.getString(4), "app", "conversation");
      assertThat(plan).hasSize(1);
      assertThat(plan.get(0)).contains("messages_streaming");
    }
  }
}
