package dev.beacon.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two transactions on the embedded SQLite store that each read and then write, as the push
 * outbox's claim and a device registration do. In SQLite's default (deferred) mode the one that
 * read first cannot write once the other has committed after its read: its write fails at once
 * with SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out, and the caller's function call
 * failed. Transactions now begin IMMEDIATE, so the second waits for the first instead.
 */
class SqliteTransactionTest {

  @TempDir
  Path dir;

  @Test
  void aTransactionThatReadsThenWritesIsNotFailedByAnotherThatCommitsInBetween() throws Exception {
    try (Database db = Database.open(DatabaseSettings.EMBEDDED, dir)) {
      db.update("CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
      db.update("INSERT INTO counters VALUES ('a', 0), ('b', 0)");
      CountDownLatch firstHasRead = new CountDownLatch(1);
      CountDownLatch secondDone = new CountDownLatch(1);

      CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> db.transaction(c -> {
        long n = Database.list(c, "SELECT n FROM counters WHERE name = 'a'", rs -> rs.getLong(1)).get(0);
        firstHasRead.countDown();
        // give the other transaction the chance to commit between this read and the write below
        // (with immediate transactions it cannot: it waits for this one, so this wait runs out)
        try {
          secondDone.await(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Database.update(c, "UPDATE counters SET n = ? WHERE name = 'a'", n + 1);
      }));
      CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> {
        try {
          firstHasRead.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        int updated = db.transaction(c -> Database.update(c, "UPDATE counters SET n = n + 1 WHERE name = 'b'"));
        secondDone.countDown();
        return updated;
      });

      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(db.list("SELECT n FROM counters ORDER BY name", rs -> rs.getLong(1))).containsExactly(1L, 1L);
    }
  }
}
