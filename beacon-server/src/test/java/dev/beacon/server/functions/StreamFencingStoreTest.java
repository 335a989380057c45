package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.beacon.core.app.App;
import dev.beacon.core.app.MessageSettings;
import dev.beacon.core.conversations.ConversationStore;
import dev.beacon.core.conversations.ConversationStore.StreamText;
import dev.beacon.core.conversations.Message;
import dev.beacon.core.conversations.MessageStreams;
import dev.beacon.core.conversations.StreamRelay;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.JdbcStores;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fencing of a streamed message's writes in the store (issue 15, cluster), on SQLite and on
 * PostgreSQL (a schema of its own per run): a node taking a stream over raises the stored epoch
 * and reads the text in one transaction, so the text it takes holds the earlier holder's flushes,
 * and that holder's later flushes and end are refused; writes of the newer holder, and unfenced
 * ones (a single node), pass.
 */
class StreamFencingStoreTest {

  private static final String APP = "app-id";

  private static FunctionsTestBed bed(Database.Kind kind) throws Exception {
    return new FunctionsTestBed(kind, App.builder(APP, "app-key", "app-secret")
        .messages(new MessageSettings(16 * 1024, 1_000_000, 300, 1024 * 1024)).build());
  }

  /** A message streaming in a new conversation, started with {@code content}. */
  private static String stream(FunctionsTestBed bed, String content) {
    String c = bed.call(bed.user("ann"), "conversations:create", "{\"title\":\"t\"}")
        .get("conversationId").asText();
    return bed.call(bed.admin(), "messages:startStream", "{\"conversationId\":\"" + c
        + "\",\"content\":\"" + content + "\"}").get("_id").asText();
  }

  private static long storedEpoch(FunctionsTestBed bed, String id) {
    return bed.db.list("SELECT stream_epoch FROM messages WHERE app_id = ? AND id = ?",
        rs -> rs.getLong(1), APP, id).get(0);
  }

  private static boolean flush(ConversationStore store, String id, String text, long epoch) {
    return store.updateStreams(List.of(new StreamText(APP, id, text, 1L, epoch)))
        .contains(APP + '\u0000' + id);
  }

  @ParameterizedTest
  @EnumSource(Database.Kind.class)
  void aHolderTakenOverCannotFlushOrEndAndItsEarlierFlushIsInTheTextTaken(Database.Kind kind)
      throws Exception {
    try (FunctionsTestBed bed = bed(kind)) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "a;");
      assertThat(storedEpoch(bed, id)).isZero(); // the node that started it: epoch 0

      // the first holder (epoch 0) flushes; then another node takes the stream over (epoch 7)
      assertThat(flush(store, id, "a;b;", 0)).isTrue();
      Message taken = store.takeStream(APP, id, 7).orElseThrow();
      assertThat(taken.content()).isEqualTo("a;b;");
      assertThat(taken.streaming()).isTrue();
      assertThat(storedEpoch(bed, id)).isEqualTo(7);

      // the first holder comes back: its flush and its end are refused, the text stays
      assertThat(flush(store, id, "a;b;old;", 0)).isFalse();
      assertThat(store.finishStream(APP, id, "a;b;old;", "done", 2L, 0)).isFalse();
      Message after = store.message(APP, id).orElseThrow();
      assertThat(after.content()).isEqualTo("a;b;");
      assertThat(after.streaming()).isTrue();

      // a claim older than the stored epoch (won before, arriving late) takes nothing
      assertThat(store.takeStream(APP, id, 5)).isEmpty();
      assertThat(storedEpoch(bed, id)).isEqualTo(7);

      // the holder of epoch 7 flushes and ends it; nothing is taken over once it ended
      assertThat(flush(store, id, "a;b;new;", 7)).isTrue();
      assertThat(store.message(APP, id).orElseThrow().content()).isEqualTo("a;b;new;");
      assertThat(store.finishStream(APP, id, "a;b;new;end", "done", 3L, 7)).isTrue();
      Message done = store.message(APP, id).orElseThrow();
      assertThat(done.content()).isEqualTo("a;b;new;end");
      assertThat(done.status()).isEqualTo("done");
      assertThat(store.takeStream(APP, id, 9)).isEmpty();
      assertThat(flush(store, id, "late", 9)).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(Database.Kind.class)
  void aHolderThatMissedATakeoverDropsItsCopyWhenItChecksTheStoredEpochs(Database.Kind kind)
      throws Exception {
    try (FunctionsTestBed bed = bed(kind)) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      MessageStreams streams = bed.builtIns.conversations().streams();
      // a node of a cluster (streams it starts are held with epoch 0), whose peers never answer
      streams.relay(new StreamRelay() {
        @Override
        public Sent send(String appId, com.fasterxml.jackson.databind.JsonNode request) {
          throw new AssertionError("no stream is asked of another node here: " + request);
        }

        @Override
        public long startEpoch() {
          return 0;
        }
      });
      String taken = stream(bed, "a;");
      String kept = stream(bed, "k;");
      assertThat(streams.size()).isEqualTo(2);
      // nothing changed: both copies stay
      assertThat(streams.recheckHeld()).isZero();
      assertThat(streams.size()).isEqualTo(2);

      // another node takes the first over while this one does not hear of it
      assertThat(store.takeStream(APP, taken, 7)).isPresent();
      assertThat(streams.recheckHeld()).isEqualTo(1);
      assertThat(streams.size()).isEqualTo(1);
      assertThat(streams.recheckHeld()).isZero();

      // the copy kept is still this node's: a chunk is appended here and stored with the end
      bed.call(bed.admin(), "messages:appendStream", "{\"messageId\":\"" + kept
          + "\",\"text\":\"more;\"}");
      bed.call(bed.admin(), "messages:finishStream", "{\"messageId\":\"" + kept
          + "\",\"status\":\"done\"}");
      assertThat(store.message(APP, kept).orElseThrow().content()).isEqualTo("k;more;");
      assertThat(store.message(APP, taken).orElseThrow().streaming()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Database.Kind.class)
  void aNewerClaimFencesTheHolderBeforeItAndUnfencedWritesPass(Database.Kind kind)
      throws Exception {
    try (FunctionsTestBed bed = bed(kind)) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "x;");
      assertThat(store.takeStream(APP, id, 3).orElseThrow().content()).isEqualTo("x;");
      assertThat(flush(store, id, "x;three;", 3)).isTrue();
      // a node taking it over from the holder of epoch 3 reads what that holder stored
      assertThat(store.takeStream(APP, id, 4).orElseThrow().content()).isEqualTo("x;three;");
      assertThat(flush(store, id, "x;three;more;", 3)).isFalse();
      // the same claim taking it again (a retry) reads it again
      assertThat(store.takeStream(APP, id, 4).orElseThrow().content()).isEqualTo("x;three;");
      // a single node's writes are unfenced: they pass whatever epoch is stored
      assertThat(flush(store, id, "x;three;single;", StreamRelay.UNFENCED)).isTrue();
      assertThat(store.finishStream(APP, id, "x;three;single;", "timeout", 4L,
          StreamRelay.UNFENCED)).isTrue();
      assertThat(store.message(APP, id).orElseThrow().status()).isEqualTo("timeout");
    }
  }

  private static boolean flushAt(ConversationStore store, String id, String text, long at,
      long epoch) {
    return store.updateStreams(List.of(new StreamText(APP, id, text, at, epoch)))
        .contains(APP + '\u0000' + id);
  }

  /**
   * A node that only watches a stream ends it as {@code timeout} only if it is unchanged since it
   * read it: not after another node took it over (a newer epoch) or its holder flushed it, and it
   * never writes the text.
   */
  @ParameterizedTest
  @EnumSource(Database.Kind.class)
  void aWatcherEndsAStreamOnlyIfNoTakeoverOrFlushCameSinceItReadIt(Database.Kind kind)
      throws Exception {
    try (FunctionsTestBed bed = bed(kind)) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "w;");

      // the watcher reads it idle; at the same moment another node takes it over (epoch 3)
      ConversationStore.Watched seen = store.watchStream(APP, id).orElseThrow();
      assertThat(seen.epoch()).isZero();
      assertThat(seen.message().content()).isEqualTo("w;");
      assertThat(store.takeStream(APP, id, 3)).isPresent();
      assertThat(store.timeoutStream(APP, seen, 5L)).isFalse();
      assertThat(store.message(APP, id).orElseThrow().streaming()).isTrue();
      // the new holder's first flush is stored
      assertThat(flushAt(store, id, "w;new;", 6L, 3)).isTrue();

      // read again; the holder flushes once more before the watcher ends it: refused too
      ConversationStore.Watched again = store.watchStream(APP, id).orElseThrow();
      assertThat(again.epoch()).isEqualTo(3);
      assertThat(flushAt(store, id, "w;new;more;", 7L, 3)).isTrue();
      assertThat(store.timeoutStream(APP, again, 8L)).isFalse();
      assertThat(store.message(APP, id).orElseThrow().content()).isEqualTo("w;new;more;");

      // unchanged since read: ended as timeout, the stored text kept
      ConversationStore.Watched last = store.watchStream(APP, id).orElseThrow();
      assertThat(store.timeoutStream(APP, last, 9L)).isTrue();
      Message ended = store.message(APP, id).orElseThrow();
      assertThat(ended.status()).isEqualTo("timeout");
      assertThat(ended.content()).isEqualTo("w;new;more;");
      assertThat(store.watchStream(APP, id)).isEmpty();
      assertThat(store.timeoutStream(APP, last, 10L)).isFalse();
      assertThat(flushAt(store, id, "w;new;more;late;", 11L, 3)).isFalse();
    }
  }

  /** No edit or delete writes a streaming message: its text is its holder's, fenced. */
  @ParameterizedTest
  @EnumSource(Database.Kind.class)
  void noEditOrDeleteWritesAStreamingMessage(Database.Kind kind) throws Exception {
    try (FunctionsTestBed bed = bed(kind)) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "s;");
      assertThat(store.takeStream(APP, id, 4)).isPresent();
      assertThat(store.updateContent(APP, id, "edited", 5L)).isFalse();
      assertThat(store.delete(APP, id, 5L)).isFalse();
      Message still = store.message(APP, id).orElseThrow();
      assertThat(still.content()).isEqualTo("s;");
      assertThat(still.streaming()).isTrue();
      assertThat(still.deleted()).isFalse();
      // the holder's writes pass; once ended, it may be edited and deleted
      assertThat(flushAt(store, id, "s;t;", 6L, 4)).isTrue();
      assertThat(store.finishStream(APP, id, "s;t;", "done", 7L, 4)).isTrue();
      assertThat(store.updateContent(APP, id, "edited", 8L)).isTrue();
      assertThat(store.message(APP, id).orElseThrow().content()).isEqualTo("edited");
      assertThat(store.delete(APP, id, 9L)).isTrue();
      assertThat(store.message(APP, id).orElseThrow().deleted()).isTrue();
    }
  }

  /**
   * PostgreSQL: a takeover waits for the stream's row, locked by another node's write in
   * progress, at most {@link ConversationStore#TAKE_LOCK_WAIT_MILLIS}; then it takes nothing and
   * says so ({@link ConversationStore.StreamBusy}), and takes the stream once the row is free.
   */
  @Test
  void aTakeoverWaitsABoundedTimeForARowAnotherWriteHoldsLocked() throws Exception {
    try (FunctionsTestBed bed = bed(Database.Kind.POSTGRESQL);
        Connection other = bed.connectPostgres()) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "p;");
      assertThat(flushAt(store, id, "p;q;", 2L, 0)).isTrue();

      // another node's write holds the row (not committed, not ended: no idle limit on it)
      other.setAutoCommit(false);
      try (PreparedStatement ps = other.prepareStatement("UPDATE messages SET content = "
          + "'p;q;r;' WHERE app_id = ? AND id = ?")) {
        ps.setString(1, APP);
        ps.setString(2, id);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try {
        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
            assertThatThrownBy(() -> store.takeStream(APP, id, 5))
                .isInstanceOf(ConversationStore.StreamBusy.class));
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(waitedMillis).isBetween(ConversationStore.TAKE_LOCK_WAIT_MILLIS - 200,
            ConversationStore.TAKE_LOCK_WAIT_MILLIS + 5_000);
        assertThat(storedEpoch(bed, id)).isZero(); // nothing taken
      } finally {
        other.rollback();
      }
      Optional<Message> taken = store.takeStream(APP, id, 5);
      assertThat(taken.orElseThrow().content()).isEqualTo("p;q;");
      assertThat(storedEpoch(bed, id)).isEqualTo(5);
    }
  }

  /**
   * PostgreSQL: a holder paused inside its flush transaction (row locked, its process stopped)
   * holds the row at most {@link ConversationStore#STREAM_TXN_IDLE_MILLIS}: the database ends
   * its transaction (the store's flush sets that limit on its transaction, as done here), so a
   * takeover waiting for the row goes on within its bounded wait and reads the text stored before
   * the paused flush; the paused flush is not stored.
   */
  @Test
  void aHolderPausedInItsFlushTransactionHoldsTheRowOnlyForTheIdleLimit() throws Exception {
    try (FunctionsTestBed bed = bed(Database.Kind.POSTGRESQL);
        Connection paused = bed.connectPostgres()) {
      ConversationStore store = new JdbcStores(bed.db).conversations();
      String id = stream(bed, "h;");
      assertThat(flushAt(store, id, "h;i;", 2L, 0)).isTrue();

      // the holder's flush transaction, with the store's limit, writes the row and stops
      paused.setAutoCommit(false);
      try (var s = paused.createStatement()) {
        s.executeQuery("SELECT set_config('idle_in_transaction_session_timeout', '"
            + ConversationStore.STREAM_TXN_IDLE_MILLIS + "', true)").close();
      }
      try (PreparedStatement ps = paused.prepareStatement("UPDATE messages SET content = ?, "
          + "updated_at = ? WHERE app_id = ? AND id = ? AND status = 'streaming' AND "
          + "stream_epoch <= ?")) {
        ps.setString(1, "h;i;paused;");
        ps.setLong(2, 3L);
        ps.setString(3, APP);
        ps.setString(4, id);
        ps.setLong(5, 0L);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      long start = System.nanoTime();
      Message taken = assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> store.takeStream(APP, id, 6)).orElseThrow();
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(taken.content()).isEqualTo("h;i;");
      assertThat(waitedMillis).isLessThan(ConversationStore.TAKE_LOCK_WAIT_MILLIS);
      assertThat(storedEpoch(bed, id)).isEqualTo(6);
      // the paused holder runs again: its transaction was ended, its flush is not stored
      assertThatThrownBy(paused::commit).isInstanceOf(java.sql.SQLException.class);
      assertThat(store.message(APP, id).orElseThrow().content()).isEqualTo("h;i;");
    }
  }
}
