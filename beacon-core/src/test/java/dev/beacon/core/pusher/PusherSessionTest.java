package dev.beacon.core.pusher;

import static dev.beacon.core.pusher.FakeClient.data;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PusherSessionTest {

  private final PusherTestBed bed = new PusherTestBed(PusherTestBed.app());

  @Test
  void connectionEstablishedCarriesSocketIdAndActivityTimeout() {
    FakeClient c = bed.connect(0);
    JsonNode data = data(c.last("pusher:connection_established"));
    assertThat(data.get("socket_id").asText()).matches("\\d+\\.\\d+");
    assertThat(data.get("activity_timeout").asInt()).isEqualTo(120);
  }

  @Test
  void pingIsAnsweredWithPong() {
    FakeClient c = bed.connect(0).send("{\"event\":\"pusher:ping\",\"data\":{}}");
    assertThat(c.last("pusher:pong").get("data").asText()).isEqualTo("{}");
  }

  @Nested
  class Subscriptions {

    @Test
    void publicSubscriptionSucceedsWithData() {
      FakeClient c = bed.connect(0).send(bed.subscribe("news"));
      JsonNode ok = c.last("pusher_internal:subscription_succeeded");
      assertThat(ok.get("channel").asText()).isEqualTo("news");
      assertThat(ok.get("data").asText()).isEqualTo("{}");
    }

    @Test
    void privateSubscriptionNeedsTheRightSignature() {
      FakeClient c = bed.connect(0);
      c.send(bed.subscribe("private-a"));
      JsonNode error = c.last("pusher:subscription_error");
      assertThat(error.get("channel").asText()).isEqualTo("private-a");
      assertThat(error.get("data").get("type").asText()).isEqualTo("AuthError");
      assertThat(error.get("data").get("status").asInt()).isEqualTo(401);

      String forOtherSocket = "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-a\","
          + "\"auth\":\"" + bed.auth("1.1", "private-a") + "\"}}";
      c.clear();
      c.send(forOtherSocket);
      assertThat(c.eventNames()).containsExactly("pusher:subscription_error");

      c.clear();
      c.send(bed.subscribePrivate(c, "private-a"));
      assertThat(c.eventNames()).containsExactly("pusher_internal:subscription_succeeded");
    }

    @Test
    void invalidChannelNameIsASubscriptionError() {
      FakeClient c = bed.connect(0).send(bed.subscribe("bad name!"));
      assertThat(c.last("pusher:subscription_error").get("data").get("status").asInt()).isEqualTo(400);
    }

    @Test
    void eventsStopAfterUnsubscribe() throws Exception {
      FakeClient c = bed.connect(0).send(bed.subscribe("news"));
      c.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}");
      c.clear();
      bed.api.trigger(bed.apps.first(), trigger("news", "e"));
      bed.lanes.runAll();
      assertThat(c.received).isEmpty();
    }
  }

  @Nested
  class Presence {

    @Test
    void snapshotListsMembersWithInfo() {
      FakeClient ann = bed.connect(0);
      ann.send(bed.subscribePresence(ann, "presence-room", "ann", "{\"name\":\"Ann\"}"));
      FakeClient bob = bed.connect(1);
      bob.send(bed.subscribePresence(bob, "presence-room", "bob", "{\"name\":\"Bob\"}"));
      JsonNode presence = data(bob.last("pusher_internal:subscription_succeeded")).get("presence");
      assertThat(presence.get("count").asInt()).isEqualTo(2);
      assertThat(presence.get("ids").toString()).isEqualTo("[\"ann\",\"bob\"]");
      assertThat(presence.get("hash").get("ann").get("name").asText()).isEqualTo("Ann");
    }

    @Test
    void memberAddedOnlyForAUsersFirstConnectionAndRemovedOnlyWithItsLast() {
      FakeClient watcher = bed.connect(0);
      watcher.send(bed.subscribePresence(watcher, "presence-room", "w", "{}"));
      FakeClient tab1 = bed.connect(1);
      tab1.send(bed.subscribePresence(tab1, "presence-room", "ann", "{}"));
      FakeClient tab2 = bed.connect(0);
      tab2.send(bed.subscribePresence(tab2, "presence-room", "ann", "{}"));
      assertThat(watcher.events("pusher_internal:member_added")).hasSize(1);
      assertThat(data(watcher.last("pusher_internal:member_added")).get("user_id").asText())
          .isEqualTo("ann");
      assertThat(tab1.events("pusher_internal:member_added")).isEmpty();

      tab1.disconnect();
      assertThat(watcher.events("pusher_internal:member_removed")).isEmpty();
      tab2.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"presence-room\"}}");
      assertThat(watcher.events("pusher_internal:member_removed")).hasSize(1);
      assertThat(data(watcher.last("pusher_internal:member_removed")).get("user_id").asText())
          .isEqualTo("ann");
    }

    @Test
    void aFullChannelRefusesNewUsersButNotNewTabsOfMembers() {
      PusherTestBed small = new PusherTestBed(
          PusherTestBed.app().toBuilder().maxPresenceMembers(1).build());
      FakeClient a = small.connect(0);
      a.send(small.subscribePresence(a, "presence-x", "a", "{}"));
      FakeClient b = small.connect(0);
      b.send(small.subscribePresence(b, "presence-x", "b", "{}"));
      JsonNode error = b.last("pusher:subscription_error").get("data");
      assertThat(error.get("type").asText()).isEqualTo("LimitReached");
      FakeClient a2 = small.connect(1);
      a2.send(small.subscribePresence(a2, "presence-x", "a", "{}"));
      assertThat(a2.eventNames()).contains("pusher_internal:subscription_succeeded");
    }

    @Test
    void aConnectionMaySubscribeToAtMostMaxSubscriptionsChannels() {
      PusherTestBed small = new PusherTestBed(
          PusherTestBed.app().toBuilder().maxSubscriptionsPerConnection(3).build());
      FakeClient c = small.connect(0);
      for (int i = 0; i < 4; i++) {
        c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c" + i + "\"}}");
      }
      assertThat(c.events("pusher_internal:subscription_succeeded")).hasSize(3);
      JsonNode error = c.last("pusher:subscription_error").get("data");
      assertThat(error.get("type").asText()).isEqualTo("LimitReached");
      assertThat(error.get("status").asInt()).isEqualTo(429);
      // leaving one makes room again
      c.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"c0\"}}");
      c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c3\"}}");
      assertThat(c.events("pusher_internal:subscription_succeeded")).hasSize(4);
    }

    @Test
    void userInfoOverTheLimitIsRefused() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePresence(a, "presence-x", "a", "{\"bio\":\"" + "x".repeat(1100) + "\"}"));
      assertThat(a.last("pusher:subscription_error").get("data").get("type").asText())
          .isEqualTo("LimitReached");
    }

    @Test
    void numericUserIdsBecomeStrings() {
      FakeClient a = bed.connect(0);
      String data = "{\"user_id\":10,\"user_info\":{}}";
      App app = bed.apps.first();
      String auth = dev.beacon.protocol.auth.PusherSignatures.channelAuth(app.key(), app.secret(),
          a.socketId(), "presence-n", java.util.Optional.of(data));
      a.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-n\",\"auth\":\""
          + auth + "\",\"channel_data\":" + dev.beacon.protocol.json.Json.quote(data) + "}}");
      JsonNode presence = data(a.last("pusher_internal:subscription_succeeded")).get("presence");
      assertThat(presence.get("ids").get(0).asText()).isEqualTo("10");
    }
  }

  @Nested
  class ClientEvents {

    @Test
    void deliveredToOthersNeverEchoedWithUserIdOnPresence() {
      FakeClient ann = bed.connect(0);
      ann.send(bed.subscribePresence(ann, "presence-room", "ann", "{}"));
      FakeClient bob = bed.connect(1);
      bob.send(bed.subscribePresence(bob, "presence-room", "bob", "{}"));
      ann.clear();
      bob.clear();
      ann.send("{\"event\":\"client-typing\",\"channel\":\"presence-room\",\"data\":{\"on\":true}}");
      assertThat(ann.received).isEmpty();
      JsonNode event = bob.last("client-typing");
      assertThat(event.get("data").get("on").asBoolean()).isTrue();
      assertThat(event.get("user_id").asText()).isEqualTo("ann");
    }

    @Test
    void privateChannelEventsHaveNoUserId() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePrivate(a, "private-x"));
      FakeClient b = bed.connect(1);
      b.send(bed.subscribePrivate(b, "private-x"));
      a.send("{\"event\":\"client-x\",\"channel\":\"private-x\",\"data\":\"hi\"}");
      JsonNode event = b.last("client-x");
      assertThat(event.get("data").asText()).isEqualTo("hi");
      assertThat(event.has("user_id")).isFalse();
    }

    @Test
    void refusedOnPublicAndEncryptedChannelsAndWhenNotSubscribed() {
      FakeClient a = bed.connect(0).send(bed.subscribe("news"));
      a.send("{\"event\":\"client-x\",\"channel\":\"news\",\"data\":{}}");
      assertThat(a.last("pusher:error").get("data").get("message").asText())
          .contains("private and presence");
      a.send(bed.subscribePrivate(a, "private-encrypted-x"));
      a.send("{\"event\":\"client-x\",\"channel\":\"private-encrypted-x\",\"data\":{}}");
      assertThat(a.last("pusher:error").get("data").get("message").asText())
          .contains("private-encrypted-x");
      a.send("{\"event\":\"client-x\",\"channel\":\"private-never\",\"data\":{}}");
      assertThat(a.last("pusher:error").get("data").get("message").asText())
          .contains("not subscribed");
    }

    @Test
    void refusedWhenTheAppDisablesThem() {
      PusherTestBed off = new PusherTestBed(PusherTestBed.app().toBuilder().clientEvents(false).build());
      FakeClient a = off.connect(0);
      a.send(off.subscribePrivate(a, "private-x"));
      a.send("{\"event\":\"client-x\",\"channel\":\"private-x\",\"data\":{}}");
      assertThat(a.last("pusher:error").get("data").get("message").asText()).contains("disabled");
    }

    @Test
    void rateLimitedAt10PerSecondWith4301() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePrivate(a, "private-x"));
      FakeClient b = bed.connect(1);
      b.send(bed.subscribePrivate(b, "private-x"));
      for (int i = 0; i < 12; i++) {
        a.send("{\"event\":\"client-n\",\"channel\":\"private-x\",\"data\":" + i + "}");
      }
      assertThat(b.events("client-n")).hasSize(10);
      List<JsonNode> errors = a.events("pusher:error");
      assertThat(errors).hasSize(2);
      assertThat(errors.get(0).get("data").get("code").asInt()).isEqualTo(4301);
      assertThat(a.closeCode).isNull();
      bed.advance(1000);
      a.send("{\"event\":\"client-n\",\"channel\":\"private-x\",\"data\":99}");
      assertThat(b.events("client-n")).hasSize(11);
    }

    @Test
    void oversizedPayloadAndLongNamesAreRefused() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePrivate(a, "private-x"));
      a.send("{\"event\":\"client-x\",\"channel\":\"private-x\",\"data\":\"" + "x".repeat(10_300) + "\"}");
      assertThat(a.last("pusher:error").get("data").get("message").asText()).contains("exceeds");
      a.send("{\"event\":\"client-" + "y".repeat(200) + "\",\"channel\":\"private-x\",\"data\":1}");
      assertThat(a.last("pusher:error").get("data").get("message").asText()).contains("limit is 200");
    }
  }

  @Nested
  class UserAuthentication {

    @Test
    void signinSucceedsAndOpensTheServerToUserChannel() {
      FakeClient a = bed.connect(0);
      a.send(bed.signin(a, "{\"id\":\"ann\"}"));
      assertThat(data(a.last("pusher:signin_success")).get("user_data").asText())
          .isEqualTo("{\"id\":\"ann\"}");
      a.send(bed.subscribe("#server-to-user-ann"));
      assertThat(a.last("pusher_internal:subscription_succeeded").get("channel").asText())
          .isEqualTo("#server-to-user-ann");
    }

    @Test
    void serverToUserChannelIsOnlyForThatUser() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribe("#server-to-user-ann"));
      assertThat(a.last("pusher:subscription_error").get("data").get("status").asInt()).isEqualTo(401);
      a.send(bed.signin(a, "{\"id\":\"bob\"}"));
      a.clear();
      a.send(bed.subscribe("#server-to-user-ann"));
      assertThat(a.eventNames()).containsExactly("pusher:subscription_error");
    }

    @Test
    void badSigninSignatureIsA4009Error() {
      FakeClient a = bed.connect(0);
      a.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"app-key:00\",\"user_data\":\"{\\\"id\\\":\\\"x\\\"}\"}}");
      assertThat(a.last("pusher:error").get("data").get("code").asInt()).isEqualTo(4009);
      assertThat(a.closeCode).isNull();
    }

    @Test
    void anIdThatCannotNameAUserChannelIsRefusedAtSignin() {
      FakeClient a = bed.connect(0);
      a.send(bed.signin(a, "{\"id\":\"jane doe\"}"));
      JsonNode error = a.last("pusher:error").get("data");
      assertThat(error.get("code").asInt()).isEqualTo(4009);
      assertThat(error.get("message").asText()).contains("jane doe");
      assertThat(a.events("pusher:signin_success")).isEmpty();
      a.send(bed.signin(a, "{\"id\":\"" + "x".repeat(PusherSession.MAX_USER_ID_LENGTH + 1) + "\"}"));
      assertThat(a.events("pusher:signin_success")).isEmpty();
      // an e-mail address with a '+' is an id like any other, and names its own channel
      a.send(bed.signin(a, "{\"id\":\"jane+doe@example.com\"}"));
      assertThat(a.events("pusher:signin_success")).hasSize(1);
      a.send(bed.subscribe("#server-to-user-jane+doe@example.com"));
      assertThat(a.last("pusher_internal:subscription_succeeded").get("channel").asText())
          .isEqualTo("#server-to-user-jane+doe@example.com");
    }

    @Test
    void signingInAgainAsTheSameUserChangesTheWatchlistWithoutAnOfflineOnlineBlip() {
      FakeClient bob = bed.connect(1);
      bob.send(bed.signin(bob, "{\"id\":\"bob\",\"watchlist\":[\"ann\"]}"));
      FakeClient ann = bed.connect(0);
      ann.send(bed.signin(ann, "{\"id\":\"ann\"}"));
      bob.clear();
      ann.send(bed.signin(ann, "{\"id\":\"ann\",\"watchlist\":[\"bob\"]}"));
      ann.send(bed.signin(ann, "{\"id\":\"ann\",\"watchlist\":[\"bob\"]}"));
      assertThat(bob.events("pusher_internal:watchlist_events")).isEmpty();
      assertThat(ann.events("pusher:signin_success")).hasSize(3);
      // the new watchlist is in force
      JsonNode latest = data(ann.last("pusher_internal:watchlist_events"));
      assertThat(latest.toString()).isEqualTo("{\"events\":[{\"name\":\"online\",\"user_ids\":[\"bob\"]}]}");
      bob.disconnect();
      assertThat(data(ann.last("pusher_internal:watchlist_events")).toString())
          .isEqualTo("{\"events\":[{\"name\":\"offline\",\"user_ids\":[\"bob\"]}]}");
    }

    @Test
    void watchlistReportsCurrentStatusThenTransitions() {
      FakeClient ann = bed.connect(0);
      ann.send(bed.signin(ann, "{\"id\":\"ann\",\"watchlist\":[\"bob\",\"cy\"]}"));
      JsonNode initial = data(ann.last("pusher_internal:watchlist_events"));
      assertThat(initial.toString()).isEqualTo("{\"events\":[{\"name\":\"offline\",\"user_ids\":[\"bob\",\"cy\"]}]}");
      FakeClient bob = bed.connect(1);
      bob.send(bed.signin(bob, "{\"id\":\"bob\"}"));
      FakeClient bob2 = bed.connect(0);
      bob2.send(bed.signin(bob2, "{\"id\":\"bob\"}"));
      List<JsonNode> events = ann.events("pusher_internal:watchlist_events");
      assertThat(events).hasSize(2);
      assertThat(data(events.get(1)).toString())
          .isEqualTo("{\"events\":[{\"name\":\"online\",\"user_ids\":[\"bob\"]}]}");
      bob.disconnect();
      assertThat(ann.events("pusher_internal:watchlist_events")).hasSize(2);
      bob2.disconnect();
      assertThat(data(ann.last("pusher_internal:watchlist_events")).toString())
          .isEqualTo("{\"events\":[{\"name\":\"offline\",\"user_ids\":[\"bob\"]}]}");
    }

    @Test
    void appsRequiringSigninCloseSilentConnectionsWith4009() {
      PusherTestBed strict = new PusherTestBed(
          PusherTestBed.app().toBuilder().userAuthenticationRequired(true).signinTimeoutSeconds(5).build());
      FakeClient late = strict.connect(0);
      FakeClient prompt = strict.connect(1);
      prompt.send(strict.signin(prompt, "{\"id\":\"p\"}"));
      strict.advance(4_000);
      assertThat(late.closeCode).isNull();
      strict.advance(1_200);
      assertThat(late.closeCode).isEqualTo(4009);
      assertThat(prompt.closeCode).isNull();
    }
  }

  @Nested
  class Liveness {

    @Test
    void silentClientIsPingedThenClosedWith4201() {
      FakeClient c = bed.connect(0);
      bed.advance(119_000);
      assertThat(c.events("pusher:ping")).isEmpty();
      bed.advance(1_200);
      assertThat(c.events("pusher:ping")).hasSize(1);
      assertThat(c.pings).isEqualTo(1);
      bed.advance(29_000);
      assertThat(c.closeCode).isNull();
      bed.advance(1_200);
      assertThat(c.closeCode).isEqualTo(4201);
    }

    @Test
    void anAnswerKeepsTheConnectionOpen() {
      FakeClient c = bed.connect(0);
      bed.advance(120_200);
      c.send("{\"event\":\"pusher:pong\",\"data\":{}}");
      bed.advance(40_000);
      assertThat(c.closeCode).isNull();
      c.session.onActivity(); // a WebSocket pong frame counts too
      bed.advance(100_000);
      assertThat(c.closeCode).isNull();
      assertThat(c.events("pusher:ping")).hasSize(1);
    }

    @Test
    void protocol5ClientsGetTheErrorBeforeTheClose() {
      FakeClient old = bed.connect(0, "app-key", "5");
      bed.advance(121_000);
      bed.advance(31_000);
      assertThat(old.closeCode).isEqualTo(4201);
      assertThat(old.last("pusher:error").get("data").get("code").asInt()).isEqualTo(4201);
      FakeClient modern = bed.connect(0);
      bed.advance(121_000);
      bed.advance(31_000);
      assertThat(modern.closeCode).isEqualTo(4201);
      assertThat(modern.events("pusher:error")).isEmpty();
    }
  }

  @Nested
  class BadInput {

    @Test
    void malformedFramesGetAnErrorAndTheConnectionKeepsWorking() {
      FakeClient c = bed.connect(0);
      c.send("{this is not json");
      c.send("[]");
      c.send("{\"event\":\"pusher:subscribe\"}");
      assertThat(c.events("pusher:error")).hasSize(3);
      assertThat(c.closeCode).isNull();
      c.send(bed.subscribe("news"));
      assertThat(c.eventNames()).contains("pusher_internal:subscription_succeeded");
    }

    @Test
    void unknownEventsAreReported() {
      FakeClient c = bed.connect(0).send("{\"event\":\"hello\",\"data\":{}}");
      assertThat(c.last("pusher:error").get("data").get("message").asText()).contains("hello");
    }
  }

  @Nested
  class CacheChannels {

    @Test
    void missThenReplayOfTheLastEvent() throws Exception {
      FakeClient first = bed.connect(0).send(bed.subscribe("cache-scores"));
      assertThat(first.eventNames()).containsSubsequence(
          "pusher_internal:subscription_succeeded", "pusher:cache_miss");
      bed.api.trigger(bed.apps.first(), trigger("cache-scores", "score", "{\"v\":1}"));
      bed.api.trigger(bed.apps.first(), trigger("cache-scores", "score", "{\"v\":2}"));
      bed.lanes.runAll();
      first.disconnect();
      FakeClient later = bed.connect(1).send(bed.subscribe("cache-scores"));
      assertThat(later.eventNames()).containsExactly("pusher:connection_established",
          "pusher_internal:subscription_succeeded", "score");
      assertThat(data(later.last("score")).get("v").asInt()).isEqualTo(2);
    }

    @Test
    void cachedEventsExpire() throws Exception {
      bed.api.trigger(bed.apps.first(), trigger("cache-x", "e", "{}"));
      bed.advance(1_801_000);
      FakeClient c = bed.connect(0).send(bed.subscribe("cache-x"));
      assertThat(c.eventNames()).contains("pusher:cache_miss");
    }
  }

  @Test
  void terminateClosesEveryConnectionSignedInAsTheUserAndLeavesPresenceOnlyOnesOpen() {
    FakeClient signedIn = bed.connect(0);
    signedIn.send(bed.signin(signedIn, "{\"id\":\"ann\"}"));
    FakeClient present = bed.connect(1);
    present.send(bed.subscribePresence(present, "presence-r", "ann", "{}"));
    FakeClient other = bed.connect(1);
    other.send(bed.signin(other, "{\"id\":\"bob\"}"));
    bed.api.terminate(bed.apps.first(), "ann");
    bed.lanes.runAll();
    assertThat(signedIn.closeCode).isEqualTo(4009);
    assertThat(present.closeCode).as("only a presence member, not signed in (as Pusher)").isNull();
    assertThat(other.closeCode).isNull();
  }

  @Test
  void admissionRefusalsUsePushersCodes() {
    PusherTestBed b = new PusherTestBed(PusherTestBed.app().toBuilder().maxConnections(1).build(),
        App.builder("off", "off-key", "s").enabled(false).build());
    assertThat(code(b.service.admit("nope", "7"))).isEqualTo(4001);
    assertThat(code(b.service.admit("off-key", "7"))).isEqualTo(4003);
    assertThat(code(b.service.admit("app-key", null))).isEqualTo(4008);
    assertThat(code(b.service.admit("app-key", "seven"))).isEqualTo(4006);
    assertThat(code(b.service.admit("app-key", "4"))).isEqualTo(4007);
    assertThat(code(b.service.admit("app-key", "8"))).isEqualTo(4007);
    b.connect(0);
    assertThat(code(b.service.admit("app-key", "7"))).isEqualTo(4004);
  }

  @Nested
  class WhatTheOperatorSees {

    @Test
    void theDebugConsoleHearsConnectionsSubscriptionsClientEventsAndClosing() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePresence(a, "presence-room-lobby", "alice", "{}"));
      FakeClient b = bed.connect(1);
      b.send(bed.subscribePresence(b, "presence-room-lobby", "bob", "{}"));
      a.send("{\"event\":\"client-message\",\"channel\":\"presence-room-lobby\",\"data\":{\"text\":\"hi\"}}");
      a.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"presence-room-lobby\"}}");
      b.session.onClosed();
      assertThat(bed.observed.console).containsExactly(
          "connected " + a.socketId(),
          "subscribed presence-room-lobby as alice",
          "connected " + b.socketId(),
          "subscribed presence-room-lobby as bob",
          "client event client-message on presence-room-lobby: {\"text\":\"hi\"}",
          "unsubscribed presence-room-lobby",
          "disconnected " + b.socketId());
    }

    @Test
    void eachRefusalIsCountedOnceAndShownInTheConsole() {
      FakeClient a = bed.connect(0);
      a.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"app-key:00\",\"user_data\":\"{\\\"id\\\":\\\"x\\\"}\"}}");
      a.send(bed.subscribe("private-a"));
      a.send(bed.subscribe("bad channel"));
      assertThat(bed.observed.errorsCounted).containsExactly("4009", "401", "400");
      assertThat(bed.observed.console).contains("error 4009", "error 401", "error 400");
    }

    @Test
    void rateLimitedClientEventsAreCountedOnceEach() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePrivate(a, "private-x"));
      for (int i = 0; i < 12; i++) {
        a.send("{\"event\":\"client-n\",\"channel\":\"private-x\",\"data\":" + i + "}");
      }
      assertThat(bed.observed.errorsCounted).containsExactly("4301", "4301");
    }
  }

  @Test
  void aFrameHandledOffTheSessionsLaneFailsItsConfinementCheck() throws Exception {
    FakeClient c = bed.connect(0);
    Throwable offLane = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        c.session.onText("{\"event\":\"pusher:ping\",\"data\":{}}");
        return null;
      } catch (AssertionError e) {
        return e;
      }
    }).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(offLane).isInstanceOf(AssertionError.class).hasMessageContaining("lane-0 used from");
    assertThat(c.eventNames()).doesNotContain("pusher:pong");
  }

  private static int code(PusherChannels.Admission admission) {
    return ((PusherChannels.Admission.Refused) admission).refusal().error().code();
  }

  static dev.beacon.protocol.pusher.TriggerRequest trigger(String channel, String event) {
    return trigger(channel, event, "{}");
  }

  static dev.beacon.protocol.pusher.TriggerRequest trigger(String channel, String event, String data) {
    return new dev.beacon.protocol.pusher.TriggerRequest(event, data, new ArrayList<>(List.of(channel)),
        java.util.Optional.empty(), java.util.Set.of());
  }
}
