package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.app.App;
import dev.beacon.core.app.MessageSettings;
import dev.beacon.core.conversations.ConversationStore;
import dev.beacon.core.conversations.ConversationStore.StreamText;
import dev.beacon.core.conversations.Message;
import dev.beacon.core.conversations.StreamRelay;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.JdbcStores;
import java.util.List;
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
}
