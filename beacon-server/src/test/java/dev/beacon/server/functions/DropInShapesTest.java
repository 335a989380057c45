package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.FunctionSettings;
import dev.beacon.core.functions.Caller;
import dev.beacon.server.store.Database;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The drop-in shapes (core/shapes) over the one presence, rooms and typing model: each shape's
 * calls, and that every shape sees the others' changes. SQLite only: the shapes add no SQL of
 * their own beyond the room events, which RestartDurabilityTest-style tests need not repeat.
 */
class DropInShapesTest {

  FunctionsTestBed bed;

  @BeforeEach
  void open() throws Exception {
    bed = new FunctionsTestBed(Database.Kind.SQLITE);
  }

  @AfterEach
  void close() throws Exception {
    bed.close();
  }

  Caller anonymous() {
    return Caller.anonymous(bed.app);
  }

  static List<String> field(JsonNode array, String name) {
    return array.findValuesAsText(name);
  }

  @Nested
  class ConvexDevPresenceComponent {

    JsonNode heartbeat(String user, String room, String session, int interval) {
      return bed.call(bed.user(user), "presence:heartbeat", "{\"roomId\":\"" + room
          + "\",\"userId\":\"" + user + "\",\"sessionId\":\"" + session + "\",\"interval\":" + interval + "}");
    }

    @Test
    void twoUsersInARoomListEachOtherOnlineThenOfflineAfterTwoAndAHalfIntervals() {
      JsonNode ann = heartbeat("ann", "lobby", "tab-1/lobby/ann", 1000);
      bed.advance(10);
      JsonNode bob = heartbeat("bob", "lobby", "tab-2/lobby/bob", 1000);
      assertThat(ann.get("roomToken").asText()).isEqualTo(bob.get("roomToken").asText());
      assertThat(ann.get("sessionToken").asText()).isNotEqualTo(bob.get("sessionToken").asText());
      // the token is the right to read: no credentials needed
      JsonNode list = bed.call(anonymous(), "presence:list",
          "{\"roomToken\":\"" + ann.get("roomToken").asText() + "\"}");
      assertThat(field(list, "userId")).containsExactly("ann", "bob");
      assertThat(list.get(0).get("online").asBoolean()).isTrue();
      assertThat(list.get(0).get("lastDisconnected").asLong()).isZero();
      // the same membership as rooms:list
      assertThat(field(bed.call(bed.user("cy"), "rooms:list", "{\"roomId\":\"lobby\"}"), "userId"))
          .containsExactly("ann", "bob");
      bed.advance(1_000);
      heartbeat("bob", "lobby", "tab-2/lobby/bob", 1000);
      bed.advance(1_600); // ann: 2.5 intervals without a heartbeat
      JsonNode after = bed.call(anonymous(), "presence:list",
          "{\"roomToken\":\"" + ann.get("roomToken").asText() + "\"}");
      assertThat(field(after, "userId")).containsExactly("bob", "ann");
      assertThat(after.get(1).get("online").asBoolean()).isFalse();
      assertThat(after.get(1).get("lastDisconnected").asLong()).isEqualTo(bed.clock.millis());
    }

    @Test
    void disconnectNeedsNoCredentialsAndIgnoresTokensItNeverIssued() {
      JsonNode ann = heartbeat("ann", "lobby", "s-1", 10_000);
      String roomToken = ann.get("roomToken").asText();
      assertThat(bed.call(anonymous(), "presence:disconnect",
          "{\"sessionToken\":\"s.bm9uZQ.AAAA\"}").isNull()).isTrue();
      String token = ann.get("sessionToken").asText();
      int at = token.lastIndexOf('.') + 3; // a character of the MAC
      String forged = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
      assertThat(bed.call(anonymous(), "presence:disconnect",
          "{\"sessionToken\":\"" + forged + "\"}").isNull()).isTrue();
      assertThat(bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + roomToken + "\"}")
          .get(0).get("online").asBoolean()).isTrue();
      bed.call(anonymous(), "presence:disconnect",
          "{\"sessionToken\":\"" + ann.get("sessionToken").asText() + "\"}");
      JsonNode list = bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + roomToken + "\"}");
      assertThat(list.get(0).get("online").asBoolean()).as(list.toString() + " " + ann).isFalse();
      assertThat(bed.call(anonymous(), "presence:list", "{\"roomToken\":\"r.bG9iYnk.AAAA\"}")).isEmpty();
    }

    @Test
    void theUserIdIsTheCallerAndASessionIdBelongsToOneRoomAndUser() {
      assertThat(bed.failure(bed.user("eve"), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"ann\",\"sessionId\":\"s\"}").code()).isEqualTo("FORBIDDEN");
      assertThat(bed.failure(anonymous(), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"ann\",\"sessionId\":\"s\"}").code()).isEqualTo("UNAUTHENTICATED");
      assertThat(bed.call(bed.admin(), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"ann\",\"sessionId\":\"s\"}").has("roomToken")).isTrue();
      assertThat(bed.failure(bed.admin(), "presence:heartbeat",
          "{\"roomId\":\"other\",\"userId\":\"ann\",\"sessionId\":\"s\"}").code()).isEqualTo("CONFLICT");
      // Beacon's own heartbeat keeps its meaning: no roomId, the user's presence
      assertThat(bed.call(bed.user("ann"), "presence:heartbeat", "{}").get("online").asBoolean()).isTrue();
    }

    @Test
    void aHeartbeatWithoutIntervalLastsTwentyFiveSecondsAndAListHoldsAtMost104() {
      JsonNode ann = bed.call(bed.user("ann"), "presence:heartbeat",
          "{\"roomId\":\"plaza\",\"userId\":\"ann\",\"sessionId\":\"ann-1\"}");
      String token = ann.get("roomToken").asText();
      bed.advance(24_900); // 2.5 x the default interval of 10 s, less a little
      assertThat(bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + token + "\"}")
          .get(0).get("online").asBoolean()).isTrue();
      bed.advance(200);
      assertThat(bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + token + "\"}")
          .get(0).get("online").asBoolean()).isFalse();
      // 100 users online (a room's most, max_presence_members) after ann and 9 more left: the
      // default limit lists 104, the online ones in arrival order, then the 4 who left last
      for (int i = 0; i < 9; i++) {
        JsonNode t = bed.call(bed.admin(), "presence:heartbeat", "{\"roomId\":\"plaza\",\"userId\":\"p"
            + i + "\",\"sessionId\":\"p" + i + "\"}");
        bed.advance(1);
        bed.call(anonymous(), "presence:disconnect",
            "{\"sessionToken\":\"" + t.get("sessionToken").asText() + "\"}");
      }
      for (int i = 0; i < 100; i++) {
        bed.call(bed.admin(), "presence:heartbeat", "{\"roomId\":\"plaza\",\"userId\":\"u" + i
            + "\",\"sessionId\":\"s" + i + "\",\"interval\":600000}");
        bed.advance(1);
      }
      bed.runBackground();
      JsonNode list = bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + token + "\"}");
      assertThat(list).hasSize(104);
      assertThat(list.get(0).get("userId").asText()).isEqualTo("u0");
      assertThat(list.get(99).get("userId").asText()).isEqualTo("u99");
      assertThat(field(list, "userId").subList(100, 104)).containsExactly("p8", "p7", "p6", "p5");
      assertThat(bed.call(anonymous(), "presence:list", "{\"roomToken\":\"" + token
          + "\",\"limit\":3}")).hasSize(3);
    }

    @Test
    void offlineMembersComeAfterTheOnlineOnesMostRecentlyDisconnectedFirst() {
      JsonNode ann = heartbeat("ann", "den", "a", 60_000);
      heartbeat("bob", "den", "b", 60_000);
      JsonNode cy = heartbeat("cy", "den", "c", 60_000);
      heartbeat("dee", "den", "d", 60_000);
      bed.call(anonymous(), "presence:disconnect",
          "{\"sessionToken\":\"" + ann.get("sessionToken").asText() + "\"}");
      bed.advance(1_000);
      bed.call(anonymous(), "presence:disconnect",
          "{\"sessionToken\":\"" + cy.get("sessionToken").asText() + "\"}");
      bed.runBackground();
      JsonNode list = bed.call(anonymous(), "presence:list",
          "{\"roomToken\":\"" + ann.get("roomToken").asText() + "\"}");
      assertThat(field(list, "userId")).containsExactly("bob", "dee", "cy", "ann");
      assertThat(field(list, "online")).containsExactly("true", "true", "false", "false");
      assertThat(list.get(2).get("lastDisconnected").asLong())
          .isGreaterThan(list.get(3).get("lastDisconnected").asLong());
    }

    @Test
    void aSessionIdIsNotReusedByAnotherUserAndOnlyTheUserOrTheBackendRemovesIt() {
      bed.call(bed.admin(), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"ann\",\"sessionId\":\"shared\"}");
      assertThat(bed.failure(bed.admin(), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"bob\",\"sessionId\":\"shared\"}").code())
          .isEqualTo("CONFLICT");
      // once the session has lapsed the id is free again
      bed.advance(25_100);
      assertThat(bed.call(bed.admin(), "presence:heartbeat",
          "{\"roomId\":\"r\",\"userId\":\"bob\",\"sessionId\":\"shared\"}").has("roomToken"))
          .isTrue();
      heartbeat("cy", "r", "cy-1", 60_000);
      assertThat(bed.failure(bed.user("bob"), "presence:removeRoomUser",
          "{\"roomId\":\"r\",\"userId\":\"cy\"}").code()).isEqualTo("FORBIDDEN");
      assertThat(bed.failure(bed.user("cy"), "presence:removeRoom", "{\"roomId\":\"r\"}").code())
          .isEqualTo("FORBIDDEN");
      bed.call(bed.user("cy"), "presence:removeRoomUser", "{\"roomId\":\"r\",\"userId\":\"cy\"}");
      bed.runBackground();
      // cy left and is forgotten; ann, whose session lapsed, is a past member
      JsonNode room = bed.call(bed.admin(), "presence:listRoom", "{\"roomId\":\"r\"}");
      assertThat(field(room, "userId")).containsExactly("bob", "ann");
      assertThat(field(room, "online")).containsExactly("true", "false");
    }

    @Test
    void helpersListRoomsAndUsersUpdateDataAndRemove() {
      heartbeat("ann", "a", "s1", 10_000);
      heartbeat("ann", "b", "s2", 10_000);
      heartbeat("bob", "a", "s3", 10_000);
      bed.call(bed.user("ann"), "presence:updateRoomUser", "{\"roomId\":\"a\",\"userId\":\"ann\",\"data\":{\"emoji\":\"x\"}}");
      JsonNode room = bed.call(bed.admin(), "presence:listRoom", "{\"roomId\":\"a\"}");
      assertThat(field(room, "userId")).containsExactly("ann", "bob");
      assertThat(room.get(0).has("data")).isFalse();
      assertThat(bed.call(bed.user("cy"), "rooms:list", "{\"roomId\":\"a\"}").get(0).get("data")
          .get("emoji").asText()).isEqualTo("x");
      bed.call(bed.user("ann"), "rooms:leave", "{\"roomId\":\"b\"}");
      bed.runBackground();
      JsonNode rooms = bed.call(bed.admin(), "presence:listUser", "{\"userId\":\"ann\"}");
      assertThat(field(rooms, "roomId")).containsExactly("a", "b");
      assertThat(rooms.get(1).get("online").asBoolean()).isFalse();
      assertThat(bed.call(bed.admin(), "presence:listUser", "{\"userId\":\"ann\",\"onlineOnly\":true}"))
          .hasSize(1);
      bed.call(bed.admin(), "presence:removeRoomUser", "{\"roomId\":\"a\",\"userId\":\"bob\"}");
      bed.runBackground();
      assertThat(field(bed.call(bed.admin(), "presence:listRoom", "{\"roomId\":\"a\"}"), "userId"))
          .containsExactly("ann");
      bed.call(bed.admin(), "presence:removeRoom", "{\"roomId\":\"a\"}");
      bed.runBackground();
      assertThat(bed.call(bed.admin(), "presence:listRoom", "{\"roomId\":\"a\"}")).isEmpty();
    }
  }

  @Test
  void anonymousPresenceTakesTheUserIdAsGiven() throws Exception {
    bed.close();
    bed = new FunctionsTestBed(Database.Kind.SQLITE,
        new FunctionSettings(60, 5, 24, 90, true, 5, 10, true));
    JsonNode tokens = bed.call(anonymous(), "presence:heartbeat",
        "{\"roomId\":\"demo\",\"userId\":\"guest-7\",\"sessionId\":\"s\"}");
    assertThat(field(bed.call(anonymous(), "presence:list",
        "{\"roomToken\":\"" + tokens.get("roomToken").asText() + "\"}"), "userId")).containsExactly("guest-7");
  }

  @Test
  void setOfflineMakesAUserWithAnOpenSocketOfflineUntilItActsAgain() {
    bed.call(bed.admin(), "friends:add", "{\"userId\":\"fan\",\"friendId\":\"ann\"}");
    bed.builtIns.userPresence().connected("app-id", "ann");
    assertThat(bed.builtIns.userPresence().isOnline("app-id", "ann")).isTrue();
    bed.events.clear();
    JsonNode off = bed.call(bed.user("ann"), "presence:setOffline", "{}");
    assertThat(off.get("online").asBoolean()).isFalse();
    assertThat(bed.events).anyMatch(e -> e.startsWith("private-user-fan presence ")
        && e.contains("\"online\":false"));
    bed.call(bed.user("ann"), "presence:heartbeat", "{}");
    assertThat(bed.builtIns.userPresence().isOnline("app-id", "ann")).isTrue();
    bed.call(bed.user("ann"), "presence:setOffline", "{\"all\":true}");
    assertThat(bed.builtIns.userPresence().isOnline("app-id", "ann")).isFalse();
    bed.builtIns.userPresence().connected("app-id", "ann"); // a new connection
    assertThat(bed.builtIns.userPresence().isOnline("app-id", "ann")).isTrue();
    bed.call(bed.user("ann"), "presence:setOffline", "{\"clerkId\":\"ann\"}");
    bed.call(bed.user("ann"), "presence:updatePresence", "{\"status\":\"online\"}");
    assertThat(bed.builtIns.userPresence().isOnline("app-id", "ann")).isTrue();
  }

  @Test
  void conversationPresenceIsOneConversationAtATimeWithTyping() {
    bed.call(bed.user("ann"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"online\"}");
    bed.call(bed.user("bob"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"typing\"}");
    JsonNode c1 = bed.call(bed.user("ann"), "presence:getPresence", "{\"conversationId\":\"c1\"}");
    assertThat(field(c1, "userId")).containsExactly("ann", "bob");
    assertThat(field(c1, "status")).containsExactly("online", "typing");
    assertThat(c1.get(0).get("conversationId").asText()).isEqualTo("c1");
    // the same room and typing as Beacon's own functions
    assertThat(field(bed.call(bed.user("ann"), "typing:getTypingInChatroom", "{\"chatroomId\":\"c1\"}"),
        "userId")).containsExactly("bob");
    bed.call(bed.user("ann"), "presence:setPresence", "{\"conversationId\":\"c2\",\"status\":\"online\"}");
    bed.runBackground();
    JsonNode moved = bed.call(bed.user("bob"), "presence:getPresence", "{\"conversationId\":\"c1\"}");
    assertThat(moved.get(0).get("userId").asText()).isEqualTo("bob");
    assertThat(moved.get(1).get("status").asText()).isEqualTo("offline");
    assertThat(bed.call(anonymous(), "presence:getPresence", "{\"conversationId\":\"c1\"}")).isEmpty();
    bed.call(bed.user("bob"), "presence:setPresence", "{\"status\":\"offline\"}");
    assertThat(field(bed.call(bed.user("ann"), "rooms:list", "{\"roomId\":\"c1\"}"), "online"))
        .doesNotContain("true");
  }

  @Test
  void conversationPresenceGoesStaleWithThePresenceTtl() {
    bed.call(bed.user("ann"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"online\"}");
    bed.call(bed.user("bob"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"online\"}");
    bed.advance(30_000);
    bed.call(bed.user("bob"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"typing\"}");
    bed.advance(30_100); // ann: 60 s (presence_ttl_seconds) without a word; bob renewed at 30 s
    bed.runBackground();
    JsonNode c1 = bed.call(bed.user("bob"), "presence:getPresence", "{\"conversationId\":\"c1\"}");
    assertThat(field(c1, "userId")).containsExactly("bob", "ann");
    // bob's typing lasted typing_ttl_seconds (5): he is still in the conversation, not typing
    assertThat(field(c1, "status")).containsExactly("online", "offline");
    bed.advance(30_000);
    bed.runBackground();
    assertThat(field(bed.call(bed.user("ann"), "presence:getPresence", "{\"conversationId\":\"c1\"}"),
        "status")).containsExactly("offline", "offline");
  }

  @Test
  void aNonMemberOfAClosedConversationGetsAnEmptyList() throws Exception {
    bed.close();
    bed = new FunctionsTestBed(Database.Kind.SQLITE, new FunctionSettings(60, 5, 24, 90, false, 5, 10));
    bed.call(bed.admin(), "rooms:setMembers", "{\"roomId\":\"c1\",\"userIds\":[\"ann\"]}");
    bed.call(bed.user("ann"), "presence:setPresence", "{\"conversationId\":\"c1\",\"status\":\"online\"}");
    assertThat(bed.call(bed.user("ann"), "presence:getPresence", "{\"conversationId\":\"c1\"}")).hasSize(1);
    assertThat(bed.call(bed.user("eve"), "presence:getPresence", "{\"conversationId\":\"c1\"}")).isEmpty();
    assertThat(bed.failure(bed.user("eve"), "presence:setPresence",
        "{\"conversationId\":\"c1\",\"status\":\"online\"}").code()).isEqualTo("FORBIDDEN");
  }

  @Test
  void eventRoomsCarryTheTokensProfileAndCountAUserInTwoRoomsOnce() {
    bed.call(bed.admin(), "rooms:setEvent", "{\"roomId\":\"stage\",\"eventId\":\"conf\"}");
    bed.call(bed.admin(), "rooms:setEvent", "{\"roomId\":\"hall\",\"eventId\":\"conf\"}");
    Caller ann = Caller.user(bed.app, "ann", new Caller.Profile(Optional.of("Ann"), Optional.of("https://a/p.png")));
    JsonNode entered = bed.call(ann, "presence:updatePresence", "{\"roomId\":\"stage\",\"data\":{\"role\":\"host\"}}");
    assertThat(entered.get("data").get("name").asText()).isEqualTo("Ann");
    assertThat(entered.get("data").get("role").asText()).isEqualTo("host");
    bed.call(ann, "presence:updatePresence", "{\"roomId\":\"hall\"}");
    bed.call(bed.user("bob"), "presence:updatePresence", "{\"roomId\":\"hall\",\"data\":{\"name\":\"Bobby\"}}");
    JsonNode event = bed.call(bed.user("cy"), "presence:getEventPresence", "{\"eventId\":\"conf\"}");
    assertThat(field(event.get("rooms"), "roomId")).containsExactly("hall", "stage");
    assertThat(event.get("rooms").get(0).get("activeCount").asInt()).isEqualTo(2);
    assertThat(event.get("totalActiveUsers").asInt()).isEqualTo(2);
    assertThat(bed.call(bed.user("cy"), "presence:listPresence", "{\"roomId\":\"hall\"}").get(1)
        .get("data").get("name").asText()).isEqualTo("Bobby");
    bed.call(ann, "presence:leaveRoom", "{\"roomId\":\"hall\"}");
    assertThat(bed.call(bed.user("cy"), "presence:getEventPresence", "{\"eventId\":\"conf\"}")
        .get("rooms").get(0).get("activeCount").asInt()).isEqualTo(1);
    // Beacon's own {status} form of updatePresence is unchanged
    assertThat(bed.call(bed.user("ann"), "presence:updatePresence", "{\"status\":\"away\"}")
        .get("status").asText()).isEqualTo("away");
    assertThat(bed.failure(bed.user("ann"), "rooms:setEvent", "{\"roomId\":\"x\",\"eventId\":\"y\"}")
        .code()).isEqualTo("FORBIDDEN");
  }

  @Test
  void chatConventionsAreBeaconsOwnFunctionsByOtherNames() {
    String n1 = bed.call(bed.admin(), "notifications:pushNotification",
        "{\"userId\":\"ann\",\"type\":\"mention\",\"title\":\"Bob\",\"body\":\"hi @ann\"}").asText();
    bed.advance(1);
    String n2 = bed.call(bed.admin(), "notifications:pushNotification",
        "{\"userId\":\"ann\",\"type\":\"like\",\"title\":\"Cy liked it\"}").asText();
    String other = bed.call(bed.admin(), "notifications:pushNotification",
        "{\"userId\":\"bob\",\"type\":\"like\",\"title\":\"x\"}").asText();
    JsonNode unread = bed.call(bed.user("ann"), "notifications:getUnread", "{}");
    assertThat(field(unread, "message")).containsExactly("Cy liked it", "hi @ann");
    assertThat(field(unread, "type")).containsExactly("like", "mention");
    bed.call(bed.user("ann"), "notifications:markAsRead", "{\"ids\":[\"" + n1 + "\",\"" + other + "\"]}");
    assertThat(field(bed.call(bed.user("ann"), "notifications:getUnread", "{}"), "_id")).containsExactly(n2);
    assertThat(bed.call(bed.user("bob"), "notifications:getUnreadCount", "{}").asInt()).isEqualTo(1);

    JsonNode me = bed.call(bed.user("ann"), "presence:update",
        "{\"threadId\":\"t1\",\"lastSeen\":1,\"status\":\"online\",\"clerkId\":\"ann\"}");
    assertThat(me.get("online").asBoolean()).isTrue();
    // the server's clock wins over the client's lastSeen
    assertThat(me.get("lastSeen").asLong()).isEqualTo(bed.clock.millis());
    assertThat(field(bed.call(bed.user("bob"), "rooms:list", "{\"roomId\":\"t1\"}"), "userId")).containsExactly("ann");
    bed.call(bed.user("ann"), "presence:updateTyping", "{\"threadId\":\"t1\",\"isTyping\":true}");
    assertThat(field(bed.call(bed.user("bob"), "presence:getTypingUsers", "{\"threadId\":\"t1\"}"), "userId"))
        .containsExactly("ann");
    bed.call(bed.user("ann"), "presence:updateTyping", "{\"threadId\":\"t1\",\"isTyping\":false}");
    assertThat(bed.call(bed.user("bob"), "presence:getTypingUsers", "{\"threadId\":\"t1\"}")).isEmpty();

    assertThat(bed.failure(bed.user("eve"), "presence:heartbeat", "{\"clerkId\":\"ann\"}").code())
        .isEqualTo("FORBIDDEN");
    bed.call(bed.admin(), "friends:set", "{\"userId\":\"bob\",\"friendIds\":[\"ann\"]}");
    assertThat(field(bed.call(bed.user("bob"), "presence:getOnlineFriends",
        "{\"clerkId\":\"bob\",\"friendClerkIds\":[\"ann\"]}"), "userId")).containsExactly("ann");
    assertThat(bed.call(bed.admin(), "presence:getMyPresence", "{\"clerkId\":\"ann\"}").get("userId")
        .asText()).isEqualTo("ann");
  }
}
