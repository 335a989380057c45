package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.MessageSettings;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.SharedReads;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.store.Database;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conversations and stored messages (issue 15) on each durable store (SQLite and PostgreSQL
 * subclasses): membership, sequence numbers, paging, unread counts from the read watermark,
 * idempotent sends, edits and tombstones, limits, and streamed messages with their coalesced
 * live updates and idle timeout.
 */
abstract class ConversationBehaviourTest {

  FunctionsTestBed bed;

  abstract Database.Kind kind();

  @BeforeEach
  void open() throws Exception {
    bed = new FunctionsTestBed(kind(), App.builder("app-id", "app-key", "app-secret")
        .messages(new MessageSettings(16 * 1024, 1_000_000, 300, 1024 * 1024)).build());
  }

  @AfterEach
  void close() throws Exception {
    bed.close();
  }

  String create(String user, String... others) {
    StringBuilder members = new StringBuilder();
    for (String o : others) {
      members.append(members.length() == 0 ? "" : ",").append('"').append(o).append('"');
    }
    return bed.call(bed.user(user), "conversations:create", "{\"title\":\"t\",\"memberIds\":["
        + members + "]}").get("conversationId").asText();
  }

  JsonNode send(String user, String conversation, String content) {
    return bed.call(bed.user(user), "messages:send", "{\"conversationId\":\"" + conversation
        + "\",\"content\":" + Json.quote(content) + "}");
  }

  List<String> conversationEvents(String conversation, String event) {
    List<String> out = new ArrayList<>();
    String prefix = "private-conversation-" + conversation + " " + event + " ";
    synchronized (bed.events) {
      for (String e : bed.events) {
        if (e.startsWith(prefix)) {
          out.add(e.substring(prefix.length()));
        }
      }
    }
    return out;
  }

  @Test
  void messagesTakeConsecutiveSequenceNumbersAndPageNewestFirstThroughAThousand() {
    String c = create("ann", "bob");
    for (int i = 1; i <= 1000; i++) {
      send(i % 2 == 0 ? "ann" : "bob", c, "m" + i);
    }
    List<Long> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    while (true) {
      JsonNode page = bed.call(bed.user("bob"), "messages:list", "{\"threadId\":\"" + c
          + "\",\"paginationOpts\":{\"numItems\":150,\"cursor\":"
          + (cursor == null ? "null" : "\"" + cursor + "\"") + "}}");
      page.get("page").forEach(m -> seen.add(m.get("seq").asLong()));
      pages++;
      if (page.get("isDone").asBoolean()) {
        break;
      }
      cursor = page.get("continueCursor").asText();
    }
    assertThat(pages).isEqualTo(7);
    assertThat(seen).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(seen.get(i)).isEqualTo(1000 - i);
    }
    JsonNode after = bed.call(bed.user("ann"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":997}");
    assertThat(after.findValuesAsText("content")).containsExactly("m998", "m999", "m1000");
  }

  @Test
  void aNonMemberIsRefusedByEveryFunction() {
    String c = create("ann", "bob");
    JsonNode m = send("ann", c, "hi");
    String id = m.get("_id").asText();
    Caller carl = bed.user("carl");
    String conv = "{\"conversationId\":\"" + c + "\"}";
    assertThat(bed.failure(carl, "messages:list", conv).code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:getStreaming", conv).code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "conversations:get", conv).code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":0}").code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:send", "{\"conversationId\":\"" + c
        + "\",\"content\":\"x\"}").code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:startStream", conv).code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "conversations:addMembers", "{\"conversationId\":\"" + c
        + "\",\"memberIds\":[\"carl\"]}").code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:edit", "{\"messageId\":\"" + id
        + "\",\"content\":\"x\"}").code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(carl, "messages:delete", "{\"messageId\":\"" + id + "\"}").code())
        .isEqualTo("FORBIDDEN");
    // a conversation that does not exist is refused the same way
    assertThat(bed.failure(carl, "messages:list", "{\"conversationId\":\"nope\"}").code())
        .isEqualTo("FORBIDDEN");
    assertThat(bed.call(carl, "conversations:listMine", "{}").get("page")).isEmpty();
    // bob may not edit ann's message; ann leaves and is out
    assertThat(bed.failure(bed.user("bob"), "messages:edit", "{\"messageId\":\"" + id
        + "\",\"content\":\"x\"}").code()).isEqualTo("FORBIDDEN");
    bed.call(bed.user("ann"), "conversations:leave", conv);
    assertThat(bed.failure(bed.user("ann"), "messages:list", conv).code()).isEqualTo("FORBIDDEN");
  }

  @Test
  void listAfterReturnsWhatAClientMissedOldestFirst() {
    String c = create("ann", "bob");
    for (int i = 1; i <= 7; i++) {
      send(i % 2 == 0 ? "bob" : "ann", c, "m" + i);
    }
    String del = bed.call(bed.user("bob"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":0}").get(1).get("_id").asText();
    bed.call(bed.user("bob"), "messages:delete", "{\"messageId\":\"" + del + "\"}");
    JsonNode missed = bed.call(bed.user("bob"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":1}");
    assertThat(missed.findValuesAsText("content")).containsExactly("", "m3", "m4", "m5", "m6", "m7");
    assertThat(missed.get(0).get("deleted").asBoolean()).isTrue(); // a tombstone fills its seq
    assertThat(missed.findValues("seq").stream().map(JsonNode::asInt).toList())
        .containsExactly(2, 3, 4, 5, 6, 7);
    assertThat(bed.call(bed.user("bob"), "messages:listAfter", "{\"threadId\":\"" + c
        + "\",\"afterSeq\":3,\"limit\":2}").findValuesAsText("content")).containsExactly("m4", "m5");
    assertThat(bed.call(bed.user("bob"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":7}")).isEmpty();
    assertThatThrownBy(() -> bed.call(bed.user("bob"), "messages:listAfter", "{\"conversationId\":\""
        + c + "\",\"afterSeq\":1.5}")).hasMessageContaining("afterSeq");
    assertThat(bed.failure(bed.user("carl"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":0}").code()).isEqualTo("FORBIDDEN");
  }

  @Test
  void aRetriedSendIsStoredOnce() {
    String c = create("ann", "bob");
    String args = "{\"conversationId\":\"" + c + "\",\"content\":\"once\",\"clientMessageId\":\"k-1\"}";
    JsonNode first = bed.call(bed.user("ann"), "messages:send", args);
    JsonNode again = bed.call(bed.user("ann"), "messages:send", args);
    assertThat(again.get("_id").asText()).isEqualTo(first.get("_id").asText());
    assertThat(bed.call(bed.user("bob"), "messages:list", "{\"conversationId\":\"" + c + "\"}")
        .get("page")).hasSize(1);
    assertThat(conversationEvents(c, "new-message")).hasSize(1);
    // the next message has the next number: the retry took none
    assertThat(send("ann", c, "next").get("seq").asLong()).isEqualTo(2);
  }

  @Test
  void unreadCountsMoveWithSendsAndTheReadWatermark() {
    String c = create("ann", "bob");
    String other = create("bob", "carl");
    send("ann", c, "one");
    bed.advance(5);
    send("ann", c, "two");
    bed.advance(5);
    send("bob", c, "mine");
    bed.advance(5);
    send("carl", other, "hey");
    JsonNode bobs = bed.call(bed.user("bob"), "conversations:listMine",
        "{\"paginationOpts\":{\"numItems\":10,\"cursor\":null}}").get("page");
    assertThat(List.of(bobs.get(0).get("_id").asText(), bobs.get(1).get("_id").asText()))
        .containsExactly(other, c);
    assertThat(bobs).hasSize(2);
    assertThat(bobs.get(1).get("unreadCount").asInt()).isEqualTo(2);
    assertThat(bobs.get(1).get("lastMessage").get("content").asText()).isEqualTo("mine");
    assertThat(bobs.get(0).get("unreadCount").asInt()).isEqualTo(1);
    List<DependencyKey> reads = bed.reads(bed.user("bob"), "conversations:listMine", "{}");
    assertThat(reads).contains(DependencyKey.of("app-id", "receipts", c));
    bed.advance(5);
    bed.call(bed.user("bob"), "readReceipts:markChatroomRead", "{\"chatroomId\":\"" + c + "\"}");
    bobs = bed.call(bed.user("bob"), "conversations:listMine", "{}").get("page");
    assertThat(bobs.get(1).get("unreadCount").asInt()).isZero();
    bed.advance(5);
    send("ann", c, "three");
    bobs = bed.call(bed.user("bob"), "conversations:listMine", "{}").get("page");
    assertThat(bobs.get(0).get("conversationId").asText()).isEqualTo(c);
    assertThat(bobs.get(0).get("unreadCount").asInt()).isEqualTo(1);
    assertThat(bed.changes).contains(DependencyKey.of("app-id", "conversationsOf", "bob"));
  }

  @Test
  void editsAndTombstonesArePublishedAndKeepTheirPlace() {
    String c = create("ann", "bob");
    String id = send("ann", c, "hello").get("_id").asText();
    send("bob", c, "hi");
    JsonNode edited = bed.call(bed.user("ann"), "messages:edit", "{\"messageId\":\"" + id
        + "\",\"content\":\"hello!\"}");
    assertThat(edited.get("edited").asBoolean()).isTrue();
    bed.call(bed.user("ann"), "messages:delete", "{\"messageId\":\"" + id + "\"}");
    JsonNode page = bed.call(bed.user("bob"), "messages:list", "{\"conversationId\":\"" + c + "\"}")
        .get("page");
    assertThat(page).hasSize(2);
    assertThat(page.get(1).get("deleted").asBoolean()).isTrue();
    assertThat(page.get(1).get("content").asText()).isEmpty();
    assertThat(page.get(1).get("seq").asLong()).isEqualTo(1);
    assertThat(conversationEvents(c, "message-updated")).hasSize(1);
    assertThat(conversationEvents(c, "message-deleted")).containsExactly(
        "{\"messageId\":\"" + id + "\",\"conversationId\":\"" + c + "\",\"seq\":1}");
  }

  @Test
  void theBodyLimitAndTheSendRateAreTheAppsKeys() throws Exception {
    String c = create("ann", "bob");
    assertThat(bed.failure(bed.user("ann"), "messages:send", "{\"conversationId\":\"" + c
        + "\",\"content\":\"" + "x".repeat(16 * 1024 + 1) + "\"}").code()).isEqualTo("LIMIT_REACHED");
    send("ann", c, "x".repeat(16 * 1024));
    try (FunctionsTestBed slow = new FunctionsTestBed(kind(), App.builder("app-id", "app-key",
        "app-secret").messages(new MessageSettings(100, 2, 300, 1000)).build())) {
      String s = slow.call(slow.user("ann"), "conversations:create", "{\"memberIds\":[\"bob\"]}")
          .get("conversationId").asText();
      slow.advance(1000);
      String args = "{\"conversationId\":\"" + s + "\",\"content\":\"x\"}";
      slow.call(slow.user("ann"), "messages:send", args);
      slow.call(slow.user("ann"), "messages:send", args);
      assertThat(slow.failure(slow.user("ann"), "messages:send", args).code()).isEqualTo("RATE_LIMITED");
      slow.call(slow.user("bob"), "messages:send", args); // per user
    }
  }

  @Test
  void aStreamedMessageArrivesWholeWithLiveUpdatesCoalescedTo50Millis() {
    String c = create("ann", "bob");
    JsonNode started = bed.call(bed.admin(), "messages:startStream", "{\"conversationId\":\"" + c
        + "\"}");
    String id = started.get("_id").asText();
    assertThat(started.get("role").asText()).isEqualTo("assistant");
    assertThat(started.get("isStreaming").asBoolean()).isTrue();
    DependencyKey key = DependencyKey.of("app-id", "conversation", c);
    bed.changes.clear();
    StringBuilder sent = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      String chunk = "t" + i + " ";
      sent.append(chunk);
      JsonNode r = bed.call(bed.admin(), "messages:appendStream", "{\"messageId\":\"" + id
          + "\",\"text\":\"" + chunk + "\"}");
      assertThat(r.get("seq").asInt()).isEqualTo(i + 1);
      bed.advance(10); // 100 chunks a second
      if (i == 250) {
        // a watcher arriving halfway gets the text so far (to the last 50 ms)
        JsonNode streaming = bed.call(bed.user("bob"), "messages:getStreaming",
            "{\"conversationId\":\"" + c + "\"}");
        assertThat(sent.toString()).startsWith(streaming.get(0).get("content").asText());
        assertThat(streaming.get(0).get("content").asText().length())
            .isGreaterThan(sent.length() - 6 * 6);
      }
    }
    long updates = bed.changes.stream().filter(key::equals).count();
    assertThat(updates).isBetween(90L, 101L); // 5 s of chunks: one update per 50 ms at most
    List<String> chunks = conversationEvents(c, "message-chunk");
    assertThat(chunks).hasSize(500);
    assertThat(Json.parse(chunks.get(499)).get("seq").asInt()).isEqualTo(500);
    JsonNode done = bed.call(bed.admin(), "messages:finishStream", "{\"messageId\":\"" + id
        + "\",\"status\":\"done\"}");
    assertThat(done.get("content").asText()).isEqualTo(sent.toString());
    assertThat(done.get("status").asText()).isEqualTo("done");
    assertThat(bed.call(bed.user("bob"), "messages:getStreaming", "{\"conversationId\":\"" + c
        + "\"}")).isEmpty();
    assertThat(bed.failure(bed.admin(), "messages:appendStream", "{\"messageId\":\"" + id
        + "\",\"text\":\"late\"}").code()).isEqualTo("CONFLICT");
  }

  @Test
  void aStreamWithNoChunkForTheIdleTimeEndsAsTimeout() {
    String c = create("ann", "bob");
    String id = bed.call(bed.user("ann"), "messages:startStream", "{\"conversationId\":\"" + c
        + "\"}").get("_id").asText();
    assertThat(bed.failure(bed.user("bob"), "messages:appendStream", "{\"messageId\":\"" + id
        + "\",\"text\":\"x\"}").code()).isEqualTo("FORBIDDEN");
    bed.advance(240_000);
    bed.call(bed.user("ann"), "messages:appendStream", "{\"messageId\":\"" + id
        + "\",\"text\":\"partial\"}");
    bed.advance(240_000); // 8 minutes since the start, 4 since the last chunk
    JsonNode m = bed.call(bed.user("bob"), "messages:list", "{\"conversationId\":\"" + c + "\"}")
        .get("page").get(0);
    assertThat(m.get("status").asText()).isEqualTo("streaming");
    bed.advance(61_000);
    m = bed.call(bed.user("bob"), "messages:list", "{\"conversationId\":\"" + c + "\"}")
        .get("page").get(0);
    assertThat(m.get("status").asText()).isEqualTo("timeout");
    assertThat(m.get("content").asText()).isEqualTo("partial");
    assertThat(m.get("isStreaming").asBoolean()).isFalse();
    assertThat(conversationEvents(c, "message-updated")).hasSize(1);
  }

  @Test
  void aStreamIsCappedAtItsSize() throws Exception {
    try (FunctionsTestBed small = new FunctionsTestBed(kind(), App.builder("app-id", "app-key",
        "app-secret").messages(new MessageSettings(100, 100, 300, 10)).build())) {
      String s = small.call(small.user("ann"), "conversations:create", "{\"memberIds\":[\"bob\"]}")
          .get("conversationId").asText();
      String id = small.call(small.user("ann"), "messages:startStream", "{\"conversationId\":\""
          + s + "\"}").get("_id").asText();
      small.call(small.user("ann"), "messages:appendStream", "{\"messageId\":\"" + id
          + "\",\"text\":\"0123456789\"}");
      assertThat(small.failure(small.user("ann"), "messages:appendStream", "{\"messageId\":\"" + id
          + "\",\"text\":\"x\"}").code()).isEqualTo("LIMIT_REACHED");
    }
  }

  @Test
  void membersComeAndGoAndTheListShowsTheirConversations() {
    String c = create("ann");
    assertThat(bed.call(bed.user("ann"), "conversations:addMembers", "{\"conversationId\":\"" + c
        + "\",\"memberIds\":[\"bob\",\"carl\"]}")).hasSize(2);
    assertThat(bed.call(bed.user("carl"), "conversations:listMine", "{}").get("page")).hasSize(1);
    // only the creator removes others
    assertThat(bed.failure(bed.user("bob"), "conversations:removeMember", "{\"conversationId\":\""
        + c + "\",\"memberId\":\"carl\"}").code()).isEqualTo("FORBIDDEN");
    bed.call(bed.user("ann"), "conversations:removeMember", "{\"conversationId\":\"" + c
        + "\",\"memberId\":\"carl\"}");
    assertThat(bed.call(bed.user("carl"), "conversations:listMine", "{}").get("page")).isEmpty();
    // carl's live queries on it run again (and are refused), his channel subscriptions end
    assertThat(bed.changes).contains(DependencyKey.of("app-id", "conversation", c));
    assertThat(bed.events).contains("private-conversation-" + c + " access-ended carl");
    assertThat(bed.failure(bed.user("carl"), "messages:list", "{\"conversationId\":\"" + c
        + "\"}").code()).isEqualTo("FORBIDDEN");
    bed.call(bed.user("bob"), "conversations:leave", "{\"conversationId\":\"" + c + "\"}");
    assertThat(bed.events).contains("private-conversation-" + c + " access-ended bob");
    bed.call(bed.user("ann"), "conversations:addMembers", "{\"conversationId\":\"" + c
        + "\",\"memberIds\":[\"bob\"]}");
    JsonNode updated = bed.call(bed.user("bob"), "conversations:update", "{\"conversationId\":\""
        + c + "\",\"title\":\"plans\"}");
    assertThat(updated.get("title").asText()).isEqualTo("plans");
    assertThat(bed.call(bed.admin(), "conversations:get", "{\"conversationId\":\"" + c + "\"}")
        .get("memberIds").findValuesAsText("x")).isEmpty();
    assertThat(bed.call(bed.user("ann"), "conversations:get", "{\"conversationId\":\"" + c + "\"}")
        .get("memberIds").toString()).isEqualTo("[\"ann\",\"bob\"]");
    // a client-chosen id is kept; taken, it is a conflict
    bed.call(bed.user("ann"), "conversations:create", "{\"conversationId\":\"room-7\"}");
    assertThat(bed.failure(bed.user("bob"), "conversations:create", "{\"conversationId\":\"room-7\"}")
        .code()).isEqualTo("CONFLICT");
  }

  /** A live-query round's evaluation (reads shared with the round's other evaluations). */
  Functions.Evaluation round(SharedReads shared, Caller caller, String path, String args) {
    return bed.functions.evaluate(bed.functions.resolve(path, java.util.Optional.empty()), caller,
        ConvexValues.fromJson(Json.parse(args)), shared);
  }

  @Test
  void aRemovedMemberIsRefusedByTheNextCheckAndAnAddedOneLetIn() {
    // the member sets kept between checks (MemberCache) are dropped by every write of members
    String c = create("ann", "bob", "carl");
    String args = "{\"conversationId\":\"" + c + "\"}";
    for (int i = 0; i < 3; i++) {
      assertThat(bed.call(bed.user("carl"), "messages:getStreaming", args)).isEmpty();
      assertThat(round(SharedReads.round(), bed.user("carl"), "messages:getStreaming", args)
          .failed()).isFalse();
    }
    bed.call(bed.user("ann"), "conversations:removeMember", "{\"conversationId\":\"" + c
        + "\",\"memberId\":\"carl\"}");
    // the round the removal's change starts refuses carl, and only carl
    SharedReads next = SharedReads.round();
    assertThat(round(next, bed.user("carl"), "messages:getStreaming", args).error().get().code())
        .isEqualTo("FORBIDDEN");
    assertThat(round(next, bed.user("bob"), "messages:getStreaming", args).failed()).isFalse();
    for (String f : List.of("messages:getStreaming", "messages:list")) {
      assertThat(bed.failure(bed.user("carl"), f, args).code()).isEqualTo("FORBIDDEN");
    }
    assertThat(bed.failure(bed.user("carl"), "messages:listAfter", "{\"conversationId\":\"" + c
        + "\",\"afterSeq\":0}").code()).isEqualTo("FORBIDDEN");
    bed.call(bed.user("bob"), "conversations:leave", args);
    assertThat(round(SharedReads.round(), bed.user("bob"), "messages:getStreaming", args).error()
        .get().code()).isEqualTo("FORBIDDEN");
    bed.call(bed.user("ann"), "conversations:addMembers", "{\"conversationId\":\"" + c
        + "\",\"memberIds\":[\"carl\"]}");
    assertThat(round(SharedReads.round(), bed.user("carl"), "messages:getStreaming", args)
        .failed()).isFalse();
    assertThat(bed.call(bed.user("carl"), "messages:list", args).get("page")).isEmpty();
    assertThat(bed.failure(bed.user("bob"), "messages:list", args).code()).isEqualTo("FORBIDDEN");
    // a title changed is in the next read of the conversation
    bed.call(bed.user("ann"), "conversations:update", "{\"conversationId\":\"" + c
        + "\",\"title\":\"renamed\"}");
    assertThat(round(SharedReads.round(), bed.user("carl"), "conversations:get", args).value()
        .get("title").asText()).isEqualTo("renamed");
    // a conversation that does not exist: not found for the backend, refused for a user
    String none = "{\"conversationId\":\"nope\"}";
    assertThat(bed.failure(bed.admin(), "messages:getStreaming", none).code())
        .isEqualTo("NOT_FOUND");
    assertThat(bed.failure(bed.user("carl"), "messages:getStreaming", none).code())
        .isEqualTo("FORBIDDEN");
    bed.call(bed.user("carl"), "conversations:create", none);
    assertThat(bed.call(bed.user("carl"), "messages:getStreaming", none)).isEmpty();
  }

  @Test
  void aStreamHeldHereIsShownAsTheStoreHoldsIt() {
    // getStreaming takes a held stream's text from its holder's copy of what it last stored:
    // the same row as reading it, not the text so far
    String c = create("ann", "bob");
    String args = "{\"conversationId\":\"" + c + "\"}";
    String id = bed.call(bed.admin(), "messages:startStream", "{\"conversationId\":\"" + c
        + "\",\"content\":\"so \"}").get("_id").asText();
    send("bob", c, "between");
    String other = bed.call(bed.user("ann"), "messages:startStream", "{\"conversationId\":\"" + c
        + "\"}").get("_id").asText();
    var store = new dev.beacon.server.store.JdbcStores(bed.db).conversations();
    for (int i = 0; i < 40; i++) {
      bed.call(bed.admin(), "messages:appendStream", "{\"messageId\":\"" + id
          + "\",\"text\":\"w" + i + " \"}");
      if (i % 3 == 0) {
        bed.call(bed.user("ann"), "messages:appendStream", "{\"messageId\":\"" + other
            + "\",\"text\":\"x" + i + "\"}");
      }
      bed.advance(i % 4 == 0 ? 60 : 7); // some chunks flushed, some not yet
      List<String> stored = new ArrayList<>();
      List<String> storedAsCalled = new ArrayList<>();
      for (var m : store.streaming("app-id", c)) {
        stored.add(Json.write(m.toJson()));
        storedAsCalled.add(Json.write(ConvexValues.toJson(m.toJson())));
      }
      List<String> shown = new ArrayList<>();
      bed.call(bed.user("bob"), "messages:getStreaming", args).forEach(m -> shown.add(Json.write(m)));
      assertThat(shown).isEqualTo(storedAsCalled).hasSize(2);
      List<String> inRound = new ArrayList<>();
      round(SharedReads.round(), bed.user("ann"), "messages:getStreaming", args).value()
          .forEach(m -> inRound.add(Json.write(m)));
      assertThat(inRound).isEqualTo(stored);
    }
    bed.call(bed.admin(), "messages:finishStream", "{\"messageId\":\"" + id + "\"}");
    JsonNode left = bed.call(bed.user("bob"), "messages:getStreaming", args);
    assertThat(left).hasSize(1);
    assertThat(left.get(0).get("_id").asText()).isEqualTo(other);
    assertThat(Json.write(left.get(0))).isEqualTo(Json.write(ConvexValues.toJson(
        store.streaming("app-id", c).get(0).toJson())));
    bed.call(bed.user("ann"), "messages:delete", "{\"messageId\":\"" + other + "\"}");
    assertThat(bed.call(bed.user("bob"), "messages:getStreaming", args)).isEmpty();
  }

  @Test
  void conversationPresenceIsForAStoredConversationsMembersOnly() {
    String c = create("ann", "bob");
    bed.call(bed.user("bob"), "presence:setPresence", "{\"conversationId\":\"" + c
        + "\",\"status\":\"online\"}");
    assertThat(bed.call(bed.user("ann"), "presence:getPresence", "{\"conversationId\":\"" + c
        + "\"}").findValuesAsText("userId")).containsExactly("bob");
    assertThat(bed.call(bed.user("carl"), "presence:getPresence", "{\"conversationId\":\"" + c
        + "\"}")).isEmpty();
    assertThat(bed.failure(bed.user("carl"), "presence:setPresence", "{\"conversationId\":\"" + c
        + "\",\"status\":\"online\"}").code()).isEqualTo("FORBIDDEN");
    // an id that is no stored conversation keeps the room rule (open rooms: anyone)
    bed.call(bed.user("carl"), "presence:setPresence", "{\"conversationId\":\"free-room\",\"status\":\"online\"}");
    assertThat(bed.call(bed.user("dan"), "presence:getPresence", "{\"conversationId\":\"free-room\"}")
        .findValuesAsText("userId")).containsExactly("carl");
  }

  @Test
  void channelRulesSignOwnUserChannelsRoomsAndConversationsOfMembersOnly() {
    String c = create("ann", "bob");
    var rules = bed.builtIns.channelRules();
    assertThat(rules.refusal(bed.app, "ann", "private-user-ann")).isEmpty();
    assertThat(rules.refusal(bed.app, "ann", "private-user-bob")).isPresent();
    assertThat(rules.refusal(bed.app, "bob", "private-conversation-" + c)).isEmpty();
    assertThat(rules.refusal(bed.app, "carl", "private-conversation-" + c)).isPresent();
    assertThat(rules.refusal(bed.app, "carl", "presence-room-lobby")).isEmpty();
    assertThat(rules.refusal(bed.app, "carl", "presence-room-" + c)).isPresent();
    assertThat(rules.refusal(bed.app, "carl", "private-other")).isPresent();
  }
}
