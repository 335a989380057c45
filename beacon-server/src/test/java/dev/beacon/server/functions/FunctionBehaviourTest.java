package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.FunctionSettings;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.builtins.Retention;
import dev.beacon.core.presence.UserPresence;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.Subscriber;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PresenceData;
import dev.beacon.core.live.Timestamps;
import dev.beacon.core.store.DurableWrites;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.JdbcStores;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every built-in function's behaviour, run against each durable store (see the SQLite and
 * PostgreSQL subclasses): the same tests, two stores.
 */
abstract class FunctionBehaviourTest {

  FunctionsTestBed bed;

  abstract Database.Kind kind();

  @BeforeEach
  void open() throws Exception {
    bed = new FunctionsTestBed(kind());
  }

  @AfterEach
  void close() throws Exception {
    bed.close();
  }

  static List<String> userIds(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get("userId").asText()));
    return out;
  }

  @Nested
  class Presence {

    @Test
    void heartbeatsAreRateLimitedPerUserAtTheAppsHeartbeatsPerSecond() throws Exception {
      bed.close();
      bed = new FunctionsTestBed(kind(), new FunctionSettings(60, 5, 24, 90, true, 3, 10));
      for (int i = 0; i < 3; i++) {
        bed.call(bed.user("ann"), "presence:heartbeat", "{\"sessionId\":\"s" + i + "\"}");
      }
      var refused = bed.failure(bed.user("ann"), "presence:heartbeat", "{}");
      assertThat(refused.code()).isEqualTo("RATE_LIMITED");
      assertThat(refused.getMessage()).contains("3 times per second");
      // per user: bob is not held back by ann's heartbeats
      bed.call(bed.user("bob"), "presence:heartbeat", "{}");
      bed.advance(1_000);
      assertThat(bed.call(bed.user("ann"), "presence:heartbeat", "{}").get("online").asBoolean())
          .isTrue();
    }

    @Test
    void heartbeatKeepsAUserOnlineUntilItsSessionExpires() {
      long start = bed.clock.millis();
      JsonNode first = bed.call(bed.user("ann"), "presence:heartbeat", "{}");
      assertThat(first.get("online").asBoolean()).isTrue();
      assertThat(first.get("status").asText()).isEqualTo("online");
      bed.advance(30_000);
      // while online, lastSeen is when she came online: a heartbeat does not move it (so live
      // readers, who are told only of transitions, never hold a stale value)
      JsonNode again = bed.call(bed.user("ann"), "presence:heartbeat", "{}");
      assertThat(again.get("lastSeen").asLong()).isEqualTo(first.get("lastSeen").asLong()).isEqualTo(start);
      bed.advance(59_000);
      assertThat(bed.call(bed.user("ann"), "presence:getMyPresence", "{}").get("online").asBoolean()).isTrue();
      bed.advance(1_200);
      JsonNode after = bed.call(bed.user("ann"), "presence:getMyPresence", "{}");
      assertThat(after.get("online").asBoolean()).isFalse();
      assertThat(after.get("status").asText()).isEqualTo("offline");
      assertThat(after.get("lastSeen").asLong()).isBetween(start + 90_000, start + 90_300);
      assertThat(bed.changes).contains(DependencyKey.of("app-id", "presence", "ann"));
    }

    @Test
    void aUserWithSeveralSessionsGoesOfflineWhenTheLastEnds() {
      bed.call(bed.user("ann"), "presence:heartbeat", "{\"sessionId\":\"phone\"}");
      bed.call(bed.user("ann"), "presence:heartbeat", "{\"sessionId\":\"laptop\"}");
      JsonNode one = bed.call(bed.user("ann"), "presence:setOffline", "{\"sessionId\":\"phone\"}");
      assertThat(one.get("online").asBoolean()).isTrue();
      JsonNode all = bed.call(bed.user("ann"), "presence:setOffline", "{\"all\":true}");
      assertThat(all.get("online").asBoolean()).isFalse();
      assertThat(all.get("lastSeen").asLong()).isEqualTo(bed.clock.millis());
    }

    @Test
    void statusAndMessageAreKeptAndOfflineHidesTheUser() {
      bed.call(bed.user("ann"), "presence:heartbeat", "{}");
      JsonNode away = bed.call(bed.user("ann"), "presence:updatePresence",
          "{\"status\":\"away\",\"statusMessage\":\"lunch\"}");
      assertThat(away.get("status").asText()).isEqualTo("away");
      assertThat(away.get("statusMessage").asText()).isEqualTo("lunch");
      assertThat(away.get("online").asBoolean()).isTrue();
      JsonNode hidden = bed.call(bed.user("ann"), "presence:updatePresence", "{\"status\":\"offline\"}");
      assertThat(hidden.get("online").asBoolean()).isFalse();
      assertThat(bed.failure(bed.user("ann"), "presence:updatePresence", "{\"status\":\"busy\"}")
          .getMessage()).contains("ArgumentValidationError").contains("busy");
    }

    @Test
    void theOnlineCountFollowsSessionsExpiryAndHiding() {
      bed.call(bed.user("ann"), "presence:heartbeat", "{}");
      bed.builtIns.userPresence().connected("app-id", "bob");
      bed.builtIns.userPresence().connected("app-id", "bob");
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isEqualTo(2);
      bed.call(bed.user("bob"), "presence:updatePresence", "{\"status\":\"offline\"}");
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isEqualTo(1);
      bed.advance(61_000);
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isZero();
      bed.call(bed.user("bob"), "presence:updatePresence", "{\"status\":\"online\"}");
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isEqualTo(1);
      bed.builtIns.userPresence().disconnected("app-id", "bob");
      bed.builtIns.userPresence().disconnected("app-id", "bob");
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isZero();
      assertThat(bed.builtIns.userPresence().onlineUsers("other-app")).isZero();
    }

    @Test
    void readersAreToldAgainOnceALastSeenTimeIsStored() {
      bed.builtIns.userPresence().connected("app-id", "ann");
      bed.deferBackground = true;
      bed.runBackground();
      bed.advance(5_000);
      bed.changes.clear();
      bed.builtIns.userPresence().disconnected("app-id", "ann");
      DependencyKey ann = UserPresence.key("app-id", "ann");
      assertThat(bed.changes).containsOnlyOnce(ann);
      bed.runBackground();
      assertThat(bed.changes.stream().filter(ann::equals)).hasSize(2);
      bed.deferBackground = false;
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"ann\"}")
          .get("lastSeen").asLong()).isEqualTo(bed.clock.millis());
    }

    @Test
    void aWebSocketConnectionIsASessionWithoutHeartbeats() {
      bed.builtIns.userPresence().connected("app-id", "ann");
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"ann\"}")
          .get("online").asBoolean()).isTrue();
      bed.advance(120_000);
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"ann\"}")
          .get("online").asBoolean()).isTrue();
      bed.builtIns.userPresence().disconnected("app-id", "ann");
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"ann\"}")
          .get("online").asBoolean()).isFalse();
    }

    @Test
    void othersSeeOnlyFriendsAndRoomMates() {
      bed.call(bed.user("bob"), "presence:heartbeat", "{}");
      assertThat(bed.failure(bed.user("ann"), "presence:getUserPresence", "{\"userId\":\"bob\"}")
          .code()).isEqualTo("FORBIDDEN");
      bed.call(bed.admin(), "friends:add", "{\"userId\":\"ann\",\"friendId\":\"bob\"}");
      assertThat(bed.call(bed.user("ann"), "presence:getUserPresence", "{\"userId\":\"bob\"}")
          .get("online").asBoolean()).isTrue();
      // a room-mate, not a friend
      assertThat(bed.failure(bed.user("cy"), "presence:getUserPresence", "{\"userId\":\"bob\"}")
          .code()).isEqualTo("FORBIDDEN");
      bed.call(bed.user("cy"), "rooms:heartbeat", "{\"roomId\":\"lobby\"}");
      bed.call(bed.user("bob"), "rooms:heartbeat", "{\"roomId\":\"lobby\"}");
      assertThat(bed.call(bed.user("cy"), "presence:getUserPresence", "{\"userId\":\"bob\"}")
          .get("userId").asText()).isEqualTo("bob");
    }

    @Test
    void batchReturnsTheVisibleUsersAndIsBounded() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\",\"cy\"]}");
      bed.call(bed.user("bob"), "presence:heartbeat", "{}");
      JsonNode batch = bed.call(bed.user("ann"), "presence:getBatchPresence",
          "{\"userIds\":[\"bob\",\"cy\",\"stranger\"]}");
      assertThat(userIds(batch)).containsExactly("bob", "cy");
      assertThat(batch.get(0).get("online").asBoolean()).isTrue();
      assertThat(batch.get(1).get("online").asBoolean()).isFalse();
      StringBuilder many = new StringBuilder("{\"userIds\":[");
      for (int i = 0; i < 501; i++) {
        many.append(i == 0 ? "" : ",").append("\"u").append(i).append('"');
      }
      assertThat(bed.failure(bed.admin(), "presence:getBatchPresence", many.append("]}").toString())
          .getMessage()).contains("501 items").contains("500");
    }

    @Test
    void onlineFriendsComeFromTheRegisteredFriendsOrTheGivenIds() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\",\"cy\"]}");
      bed.call(bed.user("bob"), "presence:heartbeat", "{}");
      assertThat(userIds(bed.call(bed.user("ann"), "presence:getOnlineFriends", "{}")))
          .containsExactly("bob");
      bed.call(bed.user("cy"), "presence:heartbeat", "{}");
      assertThat(userIds(bed.call(bed.user("ann"), "presence:getOnlineFriends",
          "{\"friendIds\":[\"cy\",\"stranger\"]}"))).containsExactly("cy");
      assertThat(userIds(bed.call(bed.admin(), "presence:getOnlineFriends", "{\"userId\":\"ann\"}")))
          .containsExactly("bob", "cy");
    }

    @Test
    void followersHearOfTransitionsOnTheirUserChannel() {
      bed.call(bed.admin(), "friends:add", "{\"userId\":\"ann\",\"friendId\":\"bob\"}");
      bed.call(bed.user("bob"), "presence:heartbeat", "{}");
      assertThat(bed.events).anyMatch(e -> e.startsWith("private-user-ann presence ")
          && e.contains("\"userId\":\"bob\"") && e.contains("\"online\":true"));
    }

    @Test
    void aUserWhoChoseToAppearOfflineIsNeverAnnouncedOnlineWhileTheirStatusLoads() {
      bed.call(bed.admin(), "friends:add", "{\"userId\":\"fan\",\"friendId\":\"shy\"}");
      bed.call(bed.user("shy"), "presence:updatePresence", "{\"status\":\"offline\"}");
      // read once, so the server forgets shy in memory: the status is in the store only
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"shy\"}")
          .get("online").asBoolean()).isFalse();
      bed.events.clear();
      bed.changes.clear();
      bed.deferBackground = true; // the stored status loads later, as on a busy server
      bed.call(bed.user("shy"), "presence:heartbeat", "{}");
      bed.builtIns.userPresence().connected("app-id", "shy");
      assertThat(bed.builtIns.userPresence().isOnline("app-id", "shy")).isFalse();
      bed.runBackground();
      bed.deferBackground = false;
      assertThat(bed.events).noneMatch(e -> e.contains("\"userId\":\"shy\"")
          && e.contains("\"online\":true"));
      assertThat(bed.builtIns.userPresence().isOnline("app-id", "shy")).isFalse();
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isZero();
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"shy\"}")
          .get("online").asBoolean()).isFalse();
    }

    @Test
    void statusAndLastSeenAreStoredBeforeTheMutationsReturn() {
      bed.call(bed.user("dora"), "presence:heartbeat", "{}");
      bed.deferBackground = true; // nothing written behind the caller's back gets through
      bed.call(bed.user("dora"), "presence:updatePresence",
          "{\"status\":\"away\",\"statusMessage\":\"brb\"}");
      bed.advance(1_000);
      bed.call(bed.user("dora"), "presence:setOffline", "{\"all\":true}");
      var stored = new dev.beacon.server.store.JdbcStores(bed.db).presence().load("app-id", "dora");
      assertThat(stored).isPresent();
      assertThat(stored.get().status()).isEqualTo("away");
      assertThat(stored.get().statusMessage()).isEqualTo("brb");
      assertThat(stored.get().lastSeen()).isEqualTo(bed.clock.millis());
      bed.deferBackground = false;
      bed.runBackground();
    }

    @Test
    void aUserFirstSeenIsAnnouncedOnceTheirStatusHasLoaded() {
      bed.call(bed.admin(), "friends:add", "{\"userId\":\"fan\",\"friendId\":\"eve\"}");
      bed.deferBackground = true;
      bed.call(bed.user("eve"), "presence:heartbeat", "{}");
      assertThat(bed.builtIns.userPresence().isOnline("app-id", "eve")).isFalse();
      bed.runBackground(); // the load, then the follower notification it queues
      bed.runBackground();
      bed.deferBackground = false;
      assertThat(bed.builtIns.userPresence().isOnline("app-id", "eve")).isTrue();
      assertThat(bed.builtIns.userPresence().onlineUsers("app-id")).isEqualTo(1);
      assertThat(bed.events).anyMatch(e -> e.startsWith("private-user-fan presence ")
          && e.contains("\"userId\":\"eve\"") && e.contains("\"online\":true"));
      assertThat(bed.changes).contains(UserPresence.key("app-id", "eve"));
    }
  }

  @Nested
  class Rooms {

    @Test
    void membersAreListedOnlineFirstWithTheirData() {
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"r\",\"data\":{\"status\":\"active\"}}");
      bed.call(bed.user("bob"), "rooms:heartbeat", "{\"roomId\":\"r\"}");
      bed.advance(1_000);
      bed.call(bed.user("bob"), "rooms:leave", "{\"roomId\":\"r\"}");
      bed.advance(1_000);
      bed.call(bed.user("cy"), "rooms:heartbeat", "{\"roomId\":\"r\",\"data\":{\"status\":\"typing\"}}");
      JsonNode list = bed.call(bed.user("ann"), "rooms:list", "{\"roomId\":\"r\"}");
      assertThat(userIds(list)).containsExactly("ann", "cy", "bob");
      assertThat(list.get(0).get("data").get("status").asText()).isEqualTo("active");
      assertThat(list.get(2).get("online").asBoolean()).isFalse();
      assertThat(list.get(2).get("lastSeen").asLong()).isEqualTo(bed.clock.millis() - 1_000);
    }

    @Test
    void readersAreToldAgainOnceALeaversVisitIsStored() {
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"r\"}");
      bed.deferBackground = true;
      bed.changes.clear();
      bed.call(bed.user("ann"), "rooms:leave", "{\"roomId\":\"r\"}");
      DependencyKey room = DependencyKey.of("app-id", "room", "r");
      // told at once, though a list read now cannot see the visit yet
      assertThat(bed.changes).containsOnlyOnce(room);
      assertThat(bed.call(bed.user("bob"), "rooms:list", "{\"roomId\":\"r\"}")).isEmpty();
      bed.runBackground();
      assertThat(bed.changes.stream().filter(room::equals)).hasSize(2);
      assertThat(bed.call(bed.user("bob"), "rooms:list", "{\"roomId\":\"r\"}").get(0)
          .get("userId").asText()).isEqualTo("ann");
    }

    @Test
    void membershipExpiresWithoutHeartbeats() {
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"r\"}");
      bed.advance(30_000);
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"r\"}");
      bed.advance(59_000);
      assertThat(bed.call(bed.user("ann"), "rooms:list", "{\"roomId\":\"r\"}").get(0)
          .get("online").asBoolean()).isTrue();
      bed.advance(1_200);
      assertThat(bed.call(bed.user("ann"), "rooms:list", "{\"roomId\":\"r\"}").get(0)
          .get("online").asBoolean()).isFalse();
    }

    @Test
    void joinsAndLeavesRacingEachOtherLeaveNoOneOnline() throws Exception {
      // heartbeats and leaves of one user in one room from several threads at once: whatever the
      // interleaving, once the user has left the room they are offline
      int threads = 4;
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      try (FunctionsTestBed bed = new FunctionsTestBed(kind(), new FunctionSettings(60, 5, 24, 90, true, 1_000_000, 10))) {
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            for (int i = 0; i < 300; i++) {
              bed.call(bed.admin(), "rooms:heartbeat", "{\"roomId\":\"race\",\"userId\":\"racer\"}");
              bed.call(bed.admin(), "rooms:leave", "{\"roomId\":\"race\",\"userId\":\"racer\"}");
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        bed.call(bed.admin(), "rooms:leave", "{\"roomId\":\"race\",\"userId\":\"racer\"}");
        assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"racer\"}")
            .get("online").asBoolean()).isFalse();
        assertThat(bed.call(bed.admin(), "rooms:list", "{\"roomId\":\"race\"}").findValues("online")
            .stream().noneMatch(JsonNode::asBoolean)).isTrue();
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void beingInARoomOverHttpIsBeingOnline() {
      // one presence model: a rooms:heartbeat member is online, as a subscriber of the channel is
      bed.call(bed.user("gus"), "rooms:heartbeat", "{\"roomId\":\"r1\"}");
      bed.call(bed.user("gus"), "rooms:heartbeat", "{\"roomId\":\"r2\"}");
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"gus\"}")
          .get("online").asBoolean()).isTrue();
      bed.call(bed.user("gus"), "rooms:leave", "{\"roomId\":\"r1\"}");
      assertThat(bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"gus\"}")
          .get("online").asBoolean()).as("still in r2").isTrue();
      bed.advance(61_000); // r2's session expires
      JsonNode gone = bed.call(bed.admin(), "presence:getUserPresence", "{\"userId\":\"gus\"}");
      assertThat(gone.get("online").asBoolean()).isFalse();
      assertThat(gone.get("lastSeen").isNumber()).isTrue();
    }

    @Test
    void theRoomChannelAndTheFunctionsShowOneMembership() {
      // a Pusher subscriber of presence-room-r is a member for rooms:list ...
      Subscriber ws = subscriber(bed.lanes.lane(0), "1.1");
      bed.hub.subscribe(bed.app, ChannelName.parse("presence-room-r"), ws,
          Optional.of(new PresenceData("dee", "{\"name\":\"Dee\"}")));
      assertThat(userIds(bed.call(bed.user("ann"), "rooms:list", "{\"roomId\":\"r\"}")))
          .containsExactly("dee");
      // ... and an HTTP member is a member of the channel
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"r\"}");
      assertThat(bed.hub.users(bed.app, "presence-room-r")).containsExactly("dee", "ann");
    }

    @Test
    void listUserAndSummary() {
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"a\"}");
      bed.call(bed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"b\"}");
      bed.call(bed.user("bob"), "rooms:heartbeat", "{\"roomId\":\"b\"}");
      JsonNode mine = bed.call(bed.user("ann"), "rooms:listUser", "{}");
      assertThat(mine.findValuesAsText("roomId")).containsExactly("a", "b");
      JsonNode summary = bed.call(bed.admin(), "rooms:summary", "{\"roomIds\":[\"a\",\"b\",\"c\"]}");
      assertThat(summary.get("rooms").findValuesAsText("roomId")).containsExactly("a", "b", "c");
      assertThat(summary.get("rooms").get(1).get("count").asInt()).isEqualTo(2);
      assertThat(summary.get("rooms").get(2).get("count").asInt()).isZero();
      assertThat(summary.get("distinctUsers").asInt()).isEqualTo(2);
    }

    @Test
    void closedRoomsAdmitOnlyRegisteredMembers() throws Exception {
      try (FunctionsTestBed closed = new FunctionsTestBed(kind(), new FunctionSettings(60, 5, 24, 90, false, 5, 10))) {
        assertThat(closed.failure(closed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"vip\"}").code())
            .isEqualTo("FORBIDDEN");
        closed.call(closed.admin(), "rooms:setMembers", "{\"roomId\":\"vip\",\"userIds\":[\"ann\"]}");
        closed.call(closed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"vip\"}");
        assertThat(closed.failure(closed.user("bob"), "rooms:list", "{\"roomId\":\"vip\"}").code())
            .isEqualTo("FORBIDDEN");
        assertThat(closed.failure(closed.user("bob"), "typing:startTyping", "{\"chatroomId\":\"vip\"}")
            .code()).isEqualTo("FORBIDDEN");
        closed.call(closed.admin(), "rooms:addMember", "{\"roomId\":\"vip\",\"userId\":\"bob\"}");
        assertThat(userIds(closed.call(closed.user("bob"), "rooms:list", "{\"roomId\":\"vip\"}")))
            .containsExactly("ann", "bob");

        // removed by the backend: out at once, not when the heartbeat would have expired
        closed.call(closed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"vip\"}");
        closed.call(closed.admin(), "rooms:removeMember", "{\"roomId\":\"vip\",\"userId\":\"ann\"}");
        JsonNode list = closed.call(closed.user("bob"), "rooms:list", "{\"roomId\":\"vip\"}");
        assertThat(list.findValues("online").stream().map(JsonNode::asBoolean).toList())
            .as(list.toString()).containsExactly(false, false);
        assertThat(closed.call(closed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"vip\"}").asInt())
            .isZero();
        assertThat(closed.call(closed.admin(), "rooms:listUser", "{\"userId\":\"ann\"}")).isEmpty();
        // and the same through setMembers
        closed.call(closed.admin(), "rooms:addMember", "{\"roomId\":\"vip\",\"userId\":\"ann\"}");
        closed.call(closed.user("ann"), "rooms:heartbeat", "{\"roomId\":\"vip\"}");
        closed.call(closed.admin(), "rooms:setMembers", "{\"roomId\":\"vip\",\"userIds\":[\"bob\"]}");
        assertThat(closed.call(closed.admin(), "rooms:listUser", "{\"userId\":\"ann\"}")).isEmpty();
      }
    }

    @Test
    void aRoomAtItsMemberLimitRefusesNewUsers() {
      for (int i = 0; i < 100; i++) {
        bed.call(bed.admin(), "rooms:heartbeat", "{\"roomId\":\"full\",\"userId\":\"u" + i + "\"}");
      }
      assertThat(bed.failure(bed.user("late"), "rooms:heartbeat", "{\"roomId\":\"full\"}")
          .getMessage()).contains("full");
    }
  }

  @Nested
  class Typing {

    @Test
    void othersSeeTheTypistUntilItExpires() {
      bed.call(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}");
      assertThat(userIds(bed.call(bed.user("bob"), "typing:getTypingInChatroom", "{\"chatroomId\":\"r\"}")))
          .containsExactly("ann");
      assertThat(bed.call(bed.user("ann"), "typing:getTypingInChatroom", "{\"chatroomId\":\"r\"}")).isEmpty();
      assertThat(bed.call(bed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"r\"}").asInt()).isEqualTo(1);
      bed.advance(4_900);
      assertThat(bed.call(bed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"r\"}").asInt()).isEqualTo(1);
      bed.advance(200);
      assertThat(bed.call(bed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"r\"}").asInt()).isZero();
      assertThat(bed.events).containsSubsequence(
          "presence-room-r typing {\"userId\":\"ann\",\"typing\":true}",
          "presence-room-r typing {\"userId\":\"ann\",\"typing\":false}");
      assertThat(bed.changes.stream().filter(k -> k.equals(DependencyKey.of("app-id", "typing", "r"))))
          .hasSize(2);
    }

    @Test
    void refreshingExtendsAndStoppingEnds() {
      bed.call(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}");
      bed.advance(4_000);
      bed.changes.clear();
      bed.events.clear();
      bed.call(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}");
      // live queries hear of the later expiresAt; the room channel hears nothing new
      assertThat(bed.changes).containsExactly(DependencyKey.of("app-id", "typing", "r"));
      assertThat(bed.events).noneMatch(e -> e.contains("typing"));
      bed.advance(4_000);
      assertThat(bed.call(bed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"r\"}").asInt()).isEqualTo(1);
      bed.call(bed.user("ann"), "typing:stopTyping", "{\"chatroomId\":\"r\"}");
      assertThat(bed.call(bed.user("bob"), "typing:getTypingCount", "{\"chatroomId\":\"r\"}").asInt()).isZero();
    }

    @Test
    void typingIsRateLimitedPerUser() {
      for (int i = 0; i < 10; i++) {
        bed.call(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}");
      }
      assertThat(bed.failure(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}").code())
          .isEqualTo("RATE_LIMITED");
      bed.advance(1_000);
      bed.call(bed.user("ann"), "typing:startTyping", "{\"chatroomId\":\"r\"}");
    }
  }

  @Nested
  class ConvexTimestamps {

    /**
     * The reserve is kept in the database: a server started again on the same store gives
     * timestamps above every one the previous process gave, even with its wall clock set back
     * an hour (a host whose clock was wrong, a node with a skewed clock taking over).
     */
    @Test
    void timestampsKeepIncreasingAcrossARestartWithTheClockSetBack() {
      long wall = 1_700_000_000_000_000_000L;
      Timestamps before = new Timestamps(new JdbcStores(bed.db).timestamps(), DurableWrites.DIRECT,
          () -> wall);
      long last = 0;
      for (int i = 0; i < 1_000; i++) {
        long ts = before.next();
        assertThat(ts).isGreaterThan(last);
        last = ts;
      }
      try (Database again = bed.openDatabase()) {
        long anHourEarlier = wall - 3_600_000_000_000L;
        Timestamps after = new Timestamps(new JdbcStores(again).timestamps(), DurableWrites.DIRECT,
            () -> anHourEarlier);
        long first = after.next();
        assertThat(first).isGreaterThan(last);
        assertThat(after.next()).isGreaterThan(first);
      }
    }
  }

  @Nested
  class Notifications {

    @Test
    void aMutationSentAgainWithTheSameRequestKeyIsAppliedOnce() {
      // what a sync client does after a reconnect when the reply was lost: same session, same id
      var def = bed.functions.resolve("notifications:pushNotification", Optional.empty());
      var args = dev.beacon.protocol.convex.ConvexValues.fromJson(dev.beacon.protocol.json.Json.parse(
          "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"hi\"}"));
      var first = bed.functions.invoke(def, bed.admin(), args, Optional.of("session-1/7"));
      var again = bed.functions.invoke(def, bed.admin(), args, Optional.of("session-1/7"));
      assertThat(again.value()).isEqualTo(first.value());
      assertThat(bed.call(bed.user("ann"), "notifications:getUnreadCount", "{}").asInt()).isEqualTo(1);
      bed.functions.invoke(def, bed.admin(), args, Optional.of("session-1/8"));
      assertThat(bed.call(bed.user("ann"), "notifications:getUnreadCount", "{}").asInt()).isEqualTo(2);
    }

    @Test
    void pushedNotificationsAreListedNewestFirstAndCounted() {
      for (int i = 1; i <= 3; i++) {
        bed.call(bed.admin(), "notifications:pushNotification",
            "{\"userId\":\"ann\",\"type\":\"like\",\"title\":\"n" + i + "\",\"data\":{\"i\":" + i + "}}");
        bed.advance(10);
      }
      JsonNode page = bed.call(bed.user("ann"), "notifications:subscribeToNotifications", "{}");
      assertThat(page.get("page").findValuesAsText("title")).containsExactly("n3", "n2", "n1");
      assertThat(page.get("page").get(0).get("data").get("i").asInt()).isEqualTo(3);
      assertThat(page.get("isDone").asBoolean()).isTrue();
      assertThat(bed.call(bed.user("ann"), "notifications:getUnreadCount", "{}").asInt()).isEqualTo(3);
      assertThat(bed.events).anyMatch(e -> e.startsWith("private-user-ann notification ")
          && e.contains("\"title\":\"n1\""));
    }

    @Test
    void convexPaginationOptsPageNotificationsAsUsePaginatedQueryAsks() {
      for (int i = 1; i <= 5; i++) {
        bed.call(bed.admin(), "notifications:pushNotification",
            "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"n" + i + "\"}");
        bed.advance(1);
      }
      JsonNode first = bed.call(bed.user("ann"), "notifications:subscribeToNotifications",
          "{\"unreadOnly\":false,\"paginationOpts\":{\"numItems\":2,\"cursor\":null,\"id\":7}}");
      assertThat(first.get("page").findValuesAsText("title")).containsExactly("n5", "n4");
      assertThat(first.get("isDone").asBoolean()).isFalse();
      JsonNode rest = bed.call(bed.user("ann"), "notifications:subscribeToNotifications",
          "{\"paginationOpts\":{\"numItems\":10,\"cursor\":\"" + first.get("continueCursor").asText() + "\"}}");
      assertThat(rest.get("page").findValuesAsText("title")).containsExactly("n3", "n2", "n1");
      assertThat(rest.get("isDone").asBoolean()).isTrue();
    }

    @Test
    void pagesFollowTheCursorAndUnreadOnlyFilters() {
      for (int i = 1; i <= 5; i++) {
        bed.call(bed.admin(), "notifications:pushNotification",
            "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"n" + i + "\"}");
        bed.advance(1);
      }
      JsonNode first = bed.call(bed.user("ann"), "notifications:subscribeToNotifications", "{\"limit\":2}");
      assertThat(first.get("page").findValuesAsText("title")).containsExactly("n5", "n4");
      assertThat(first.get("isDone").asBoolean()).isFalse();
      JsonNode second = bed.call(bed.user("ann"), "notifications:subscribeToNotifications",
          "{\"limit\":2,\"cursor\":\"" + first.get("continueCursor").asText() + "\"}");
      assertThat(second.get("page").findValuesAsText("title")).containsExactly("n3", "n2");
      String n4 = first.get("page").get(1).get("_id").asText();
      bed.call(bed.user("ann"), "notifications:markAsRead", "{\"notificationId\":\"" + n4 + "\"}");
      JsonNode unread = bed.call(bed.user("ann"), "notifications:subscribeToNotifications", "{\"unreadOnly\":true}");
      assertThat(unread.get("page").findValuesAsText("title")).containsExactly("n5", "n3", "n2", "n1");
      assertThat(bed.call(bed.user("ann"), "notifications:markAllAsRead", "{}").asInt()).isEqualTo(4);
      assertThat(bed.call(bed.user("ann"), "notifications:getUnreadCount", "{}").asInt()).isZero();
      // a limit that is not a whole number ≥ 1, or a cursor no query returned, is refused
      for (String bad : new String[] {"{\"limit\":0}", "{\"limit\":-1}", "{\"limit\":2.5}",
          "{\"cursor\":\"garbage\"}"}) {
        assertThat(bed.failure(bed.user("ann"), "notifications:subscribeToNotifications", bad)
            .getMessage()).as(bad).contains("ArgumentValidationError");
      }
      assertThat(bed.call(bed.user("ann"), "notifications:subscribeToNotifications",
          "{\"limit\":1000}").get("page")).hasSize(5);
    }

    @Test
    void noUserReadsOrMarksAnotherUsersNotifications() {
      String id = bed.call(bed.admin(), "notifications:pushNotification",
          "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"secret\"}").asText();
      assertThat(bed.call(bed.user("bob"), "notifications:subscribeToNotifications", "{}")
          .get("page")).isEmpty();
      assertThat(bed.failure(bed.user("bob"), "notifications:markAsRead",
          "{\"notificationId\":\"" + id + "\"}").code()).isEqualTo("NOT_FOUND");
      assertThat(bed.failure(bed.user("bob"), "notifications:getUnreadCount", "{\"userId\":\"ann\"}")
          .code()).isEqualTo("FORBIDDEN");
      assertThat(bed.failure(bed.user("bob"), "notifications:pushNotification",
          "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"spam\"}").code()).isEqualTo("FORBIDDEN");
      assertThat(bed.call(bed.user("ann"), "notifications:getUnreadCount", "{}").asInt()).isEqualTo(1);
    }

    @Test
    void oldNotificationsAreRemovedByRetention() {
      bed.call(bed.admin(), "notifications:pushNotification", "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"old\"}");
      bed.advance(91L * 86_400_000);
      bed.call(bed.admin(), "notifications:pushNotification", "{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"new\"}");
      bed.changes.clear();
      bed.builtIns.retention().run();
      assertThat(bed.call(bed.user("ann"), "notifications:subscribeToNotifications", "{}")
          .get("page").findValuesAsText("title")).containsExactly("new");
      // live subscribers re-run: every notification query reads the expiry key
      DependencyKey expiry = DependencyKey.of("app-id", Retention.NOTIFICATION_EXPIRY, "*");
      assertThat(bed.changes).containsExactly(expiry);
      assertThat(bed.reads(bed.user("ann"), "notifications:subscribeToNotifications", "{}"))
          .contains(expiry);
    }
  }

  @Nested
  class ReadReceipts {

    @Test
    void messageReceiptsSayWhoReadAndWhen() {
      long t0 = bed.clock.millis();
      bed.call(bed.user("ann"), "readReceipts:markMessageRead",
          "{\"chatroomId\":\"r\",\"messageId\":\"m1\",\"messageTs\":" + (t0 - 5000) + "}");
      bed.advance(1_000);
      bed.call(bed.user("bob"), "readReceipts:markMessageRead", "{\"chatroomId\":\"r\",\"messageId\":\"m1\"}");
      bed.call(bed.user("ann"), "readReceipts:markMessageRead", "{\"chatroomId\":\"r\",\"messageId\":\"m1\"}");
      JsonNode receipts = bed.call(bed.user("cy"), "readReceipts:getMessageReadReceipts",
          "{\"chatroomId\":\"r\",\"messageId\":\"m1\"}");
      assertThat(userIds(receipts)).containsExactly("ann", "bob");
      assertThat(receipts.get(0).get("readAt").asLong()).isEqualTo(t0);
      assertThat(bed.call(bed.user("cy"), "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"m1\",\"userId\":\"bob\"}").asBoolean()).isTrue();
      assertThat(bed.call(bed.user("cy"), "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"m1\",\"userId\":\"dee\"}").asBoolean()).isFalse();
      assertThat(bed.events).anyMatch(e -> e.startsWith("presence-room-r read ") && e.contains("\"messageId\":\"m1\""));
    }

    @Test
    void aChatroomWatermarkReadsEverythingUpToItsTime() {
      long t0 = bed.clock.millis();
      bed.call(bed.user("bob"), "readReceipts:markChatroomRead", "{\"chatroomId\":\"r\",\"upToTs\":" + (t0 - 100) + "}");
      assertThat(bed.call(bed.user("ann"), "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"old\",\"userId\":\"bob\",\"messageTs\":" + (t0 - 200) + "}").asBoolean()).isTrue();
      assertThat(bed.call(bed.user("ann"), "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"new\",\"userId\":\"bob\",\"messageTs\":" + t0 + "}").asBoolean()).isFalse();
      // NaN and ±Infinity are refused (Infinity would read every future message for good)
      for (String bad : new String[] {"AAAAAAAA8H8=", "AAAAAAAA+H8=", "AAAAAAAA8P8="}) {
        assertThat(bed.failure(bed.user("bob"), "readReceipts:markChatroomRead",
            "{\"chatroomId\":\"r\",\"upToTs\":{\"$float\":\"" + bad + "\"}}").getMessage())
            .contains("ArgumentValidationError");
      }
      assertThat(bed.call(bed.user("ann"), "readReceipts:hasUserReadMessage",
          "{\"chatroomId\":\"r\",\"messageId\":\"new\",\"userId\":\"bob\",\"messageTs\":" + t0 + "}").asBoolean()).isFalse();
      // a watermark never moves back
      bed.call(bed.user("bob"), "readReceipts:markChatroomRead", "{\"chatroomId\":\"r\",\"upToTs\":" + (t0 - 10_000) + "}");
      assertThat(userIds(bed.call(bed.user("ann"), "readReceipts:getMessageReadReceipts",
          "{\"chatroomId\":\"r\",\"messageId\":\"old\",\"messageTs\":" + (t0 - 200) + "}"))).containsExactly("bob");
      // default: up to now
      bed.advance(1_000);
      bed.call(bed.user("cy"), "readReceipts:markChatroomRead", "{\"chatroomId\":\"r\"}");
      assertThat(userIds(bed.call(bed.user("ann"), "readReceipts:getMessageReadReceipts",
          "{\"chatroomId\":\"r\",\"messageId\":\"new\",\"messageTs\":" + t0 + "}"))).containsExactly("cy");
    }
  }

  @Nested
  class FriendActivity {

    @Test
    void friendsSeeActivityNewestFirstAndPaged() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\",\"cy\"]}");
      bed.call(bed.user("bob"), "friendActivity:recordActivity", "{\"type\":\"played\",\"data\":{\"song\":\"a\"}}");
      bed.advance(5);
      bed.call(bed.user("cy"), "friendActivity:recordActivity", "{\"type\":\"posted\"}");
      bed.advance(5);
      bed.call(bed.user("stranger"), "friendActivity:recordActivity", "{\"type\":\"posted\"}");
      bed.advance(5);
      bed.call(bed.user("bob"), "friendActivity:recordActivity", "{\"type\":\"liked\"}");
      JsonNode first = bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed", "{\"limit\":2}");
      assertThat(first.get("page").findValuesAsText("type")).containsExactly("liked", "posted");
      JsonNode second = bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed",
          "{\"limit\":2,\"cursor\":\"" + first.get("continueCursor").asText() + "\"}");
      assertThat(second.get("page").findValuesAsText("type")).containsExactly("played");
      assertThat(second.get("isDone").asBoolean()).isTrue();
      assertThat(second.get("page").get(0).get("data").get("song").asText()).isEqualTo("a");
    }

    @Test
    void convexPaginationOptsPageTheFeed() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\"]}");
      for (int i = 1; i <= 3; i++) {
        bed.call(bed.user("bob"), "friendActivity:recordActivity", "{\"type\":\"t" + i + "\"}");
        bed.advance(1);
      }
      JsonNode first = bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed",
          "{\"paginationOpts\":{\"numItems\":2,\"cursor\":null}}");
      assertThat(first.get("page").findValuesAsText("type")).containsExactly("t3", "t2");
      JsonNode second = bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed",
          "{\"paginationOpts\":{\"numItems\":2,\"cursor\":\"" + first.get("continueCursor").asText() + "\"}}");
      assertThat(second.get("page").findValuesAsText("type")).containsExactly("t1");
      assertThat(second.get("isDone").asBoolean()).isTrue();
    }

    @Test
    void givenIdsAreFilteredToUsersTheCallerMaySee() {
      bed.call(bed.user("stranger"), "friendActivity:recordActivity", "{\"type\":\"posted\"}");
      assertThat(bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed",
          "{\"friendIds\":[\"stranger\"]}").get("page")).isEmpty();
    }

    @Test
    void hasNewActivitySinceAndExpiryAfterADay() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\"]}");
      long before = bed.clock.millis();
      bed.advance(10);
      bed.call(bed.user("bob"), "friendActivity:recordActivity", "{\"type\":\"x\"}");
      assertThat(bed.call(bed.user("ann"), "friendActivity:hasNewActivity", "{\"since\":" + before + "}")
          .asBoolean()).isTrue();
      assertThat(bed.call(bed.user("ann"), "friendActivity:hasNewActivity",
          "{\"since\":" + bed.clock.millis() + "}").asBoolean()).isFalse();
      bed.advance(24 * 3_600_000L + 1_000);
      assertThat(bed.call(bed.user("ann"), "friendActivity:getFriendActivityFeed", "{}").get("page")).isEmpty();
      assertThat(bed.call(bed.user("ann"), "friendActivity:hasNewActivity", "{\"since\":" + before + "}")
          .asBoolean()).isFalse();
      bed.changes.clear();
      bed.builtIns.retention().run();
      assertThat(bed.db.one("SELECT COUNT(*) FROM activities", rs -> rs.getLong(1)).orElseThrow()).isZero();
      assertThat(bed.changes).containsExactly(DependencyKey.of("app-id", Retention.ACTIVITY_EXPIRY, "*"));
    }

    @Test
    void followersHearOfActivityOnTheirUserChannel() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\"]}");
      bed.call(bed.user("bob"), "friendActivity:recordActivity", "{\"type\":\"x\"}");
      assertThat(bed.events).anyMatch(e -> e.startsWith("private-user-ann activity ")
          && e.contains("\"userId\":\"bob\""));
    }
  }

  @Nested
  class Friends {

    @Test
    void theBackendManagesTheGraph() {
      bed.call(bed.admin(), "friends:set", "{\"userId\":\"ann\",\"friendIds\":[\"bob\",\"cy\",\"bob\",\"ann\"]}");
      assertThat(bed.call(bed.admin(), "friends:list", "{\"userId\":\"ann\"}").toString())
          .isEqualTo("[\"bob\",\"cy\"]");
      assertThat(bed.call(bed.admin(), "friends:add", "{\"userId\":\"ann\",\"friendId\":\"dee\"}").asBoolean()).isTrue();
      assertThat(bed.call(bed.admin(), "friends:add", "{\"userId\":\"ann\",\"friendId\":\"dee\"}").asBoolean()).isFalse();
      assertThat(bed.call(bed.admin(), "friends:remove", "{\"userId\":\"ann\",\"friendId\":\"bob\"}").asBoolean()).isTrue();
      assertThat(bed.call(bed.admin(), "friends:list", "{\"userId\":\"ann\"}").toString())
          .isEqualTo("[\"cy\",\"dee\"]");
      assertThat(bed.failure(bed.user("ann"), "friends:add", "{\"userId\":\"ann\",\"friendId\":\"eve\"}").code())
          .isEqualTo("FORBIDDEN");
    }
  }

  @Test
  void queriesDeclareWhatTheyRead() {
    assertThat(bed.reads(bed.user("ann"), "typing:getTypingInChatroom", "{\"chatroomId\":\"r\"}"))
        .containsExactly(DependencyKey.of("app-id", "typing", "r"));
    assertThat(bed.reads(bed.user("ann"), "notifications:getUnreadCount", "{}"))
        .containsExactly(DependencyKey.of("app-id", "notifications", "ann"),
            DependencyKey.of("app-id", Retention.NOTIFICATION_EXPIRY, "*"));
    assertThat(bed.reads(bed.user("ann"), "rooms:list", "{\"roomId\":\"r\"}"))
        .contains(DependencyKey.of("app-id", "room", "r"));
  }

  @Test
  void seeingSomeoneThroughASharedRoomDependsOnRoomMembership() {
    bed.call(bed.admin(), "rooms:addMember", "{\"roomId\":\"club\",\"userId\":\"ann\"}");
    bed.call(bed.admin(), "rooms:addMember", "{\"roomId\":\"club\",\"userId\":\"bob\"}");
    DependencyKey membership = DependencyKey.of("app-id", "registeredRooms", "*");
    assertThat(bed.reads(bed.user("ann"), "presence:getUserPresence", "{\"userId\":\"bob\"}"))
        .contains(membership);
    bed.changes.clear();
    bed.call(bed.admin(), "rooms:removeMember", "{\"roomId\":\"club\",\"userId\":\"bob\"}");
    assertThat(bed.changes).contains(membership); // so a live query of bob's presence re-runs...
    assertThat(bed.failure(bed.user("ann"), "presence:getUserPresence", "{\"userId\":\"bob\"}")
        .code()).isEqualTo("FORBIDDEN"); // ...and now fails
  }

  static Subscriber subscriber(Lane lane, String socketId) {
    return new Subscriber() {
      @Override
      public Lane lane() {
        return lane;
      }

      @Override
      public String socketId() {
        return socketId;
      }

      @Override
      public void deliver(byte[] frame) {}
    };
  }
}
