package dev.beacon.core.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.protocol.auth.Hmac;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.pusher.TriggerRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PusherHttpApiTest {

  private final PusherTestBed bed = new PusherTestBed(PusherTestBed.app());
  private final App app = bed.apps.first();

  private Map<String, String> signed(String method, String path, byte[] body, long timestamp) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("auth_key", "app-key");
    q.put("auth_timestamp", Long.toString(timestamp));
    q.put("auth_version", "1.0");
    if (body.length > 0) {
      q.put("body_md5", Hmac.md5Hex(body));
    }
    q.put("auth_signature", PusherSignatures.requestSignature("app-secret", method, path, q));
    return q;
  }

  private long now() {
    return bed.clock.millis() / 1000;
  }

  @Nested
  class Authentication {

    @Test
    void acceptsACorrectlySignedRequest() {
      byte[] body = "{\"name\":\"e\"}".getBytes(StandardCharsets.UTF_8);
      assertThat(bed.api.authenticate("app-id", "POST", "/apps/app-id/events",
          signed("POST", "/apps/app-id/events", body, now()), body)).isEqualTo(app);
    }

    @Test
    void refusesTamperedBodiesSignaturesAndKeys() {
      byte[] body = "{\"name\":\"e\"}".getBytes(StandardCharsets.UTF_8);
      Map<String, String> q = signed("POST", "/apps/app-id/events", body, now());
      assertThatThrownBy(() -> bed.api.authenticate("app-id", "POST", "/apps/app-id/events", q,
          "{\"name\":\"f\"}".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401))
          .hasMessageContaining("body_md5");
      assertThatThrownBy(() -> bed.api.authenticate("app-id", "POST", "/apps/app-id/batch_events",
          q, body)).hasMessageContaining("Invalid signature");
      Map<String, String> wrongKey = new LinkedHashMap<>(q);
      wrongKey.put("auth_key", "other");
      assertThatThrownBy(() -> bed.api.authenticate("app-id", "POST", "/apps/app-id/events",
          wrongKey, body)).hasMessageContaining("auth_key");
    }

    @Test
    void refusesTimestampsOutsideTheWindow() {
      Map<String, String> old = signed("GET", "/apps/app-id/channels", new byte[0], now() - 601);
      assertThatThrownBy(() -> bed.api.authenticate("app-id", "GET", "/apps/app-id/channels",
          old, new byte[0])).hasMessageContaining("Timestamp expired");
      Map<String, String> edge = signed("GET", "/apps/app-id/channels", new byte[0], now() - 600);
      assertThat(bed.api.authenticate("app-id", "GET", "/apps/app-id/channels", edge, new byte[0]))
          .isEqualTo(app);
    }

    @Test
    void unknownAppIs404() {
      assertThatThrownBy(() -> bed.api.authenticate("nope", "GET", "/apps/nope/channels",
          Map.of(), new byte[0]))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
  }

  @Nested
  class Events {

    @Test
    void limitsChannelsNamesAndPayload() {
      List<String> many = new java.util.ArrayList<>();
      for (int i = 0; i < 101; i++) {
        many.add("c" + i);
      }
      assertStatus(() -> bed.api.trigger(app, new TriggerRequest("e", "{}", many, Optional.empty(),
          Set.of())), 400);
      assertStatus(() -> bed.api.trigger(app, PusherSessionTest.trigger("c", "e".repeat(201))), 400);
      assertStatus(() -> bed.api.trigger(app, PusherSessionTest.trigger("c", "e",
          "x".repeat(10 * 1024 + 1))), 413);
      assertStatus(() -> bed.api.trigger(app, PusherSessionTest.trigger("bad channel", "e")), 400);
      assertStatus(() -> bed.api.trigger(app, new TriggerRequest("e", "{}", List.of("c"),
          Optional.of("nope"), Set.of())), 400);
      assertStatus(() -> bed.api.trigger(app, new TriggerRequest("e", "{}",
          List.of("private-encrypted-a", "b"), Optional.empty(), Set.of())), 400);
    }

    @Test
    void publishedEventsAppearInTheDebugConsoleAndRefusedOnesDoNot() {
      bed.api.trigger(app, PusherSessionTest.trigger("news", "update", "{\"n\":1}"));
      assertStatus(() -> bed.api.trigger(app, PusherSessionTest.trigger("bad channel", "e")), 400);
      assertThat(bed.observed.console).containsExactly("api event update on news: {\"n\":1}");
    }

    @Test
    void anEventForSeveralChannelsIsRefusedWholeWhenOneOfItsQueuesIsFull() {
      FakeClient a = bed.connect(0).send(bed.subscribe("a"));
      bed.connect(1).send(bed.subscribe("b"));
      while (!bed.lanes.lane(1).isFull()) {
        bed.lanes.lane(1).submit(() -> { });
      }
      a.clear();
      assertStatus(() -> bed.api.trigger(app, new TriggerRequest("e", "{}", List.of("a", "b"),
          Optional.empty(), Set.of())), 503);
      assertStatus(() -> bed.api.batch(app, List.of(PusherSessionTest.trigger("a", "e"),
          PusherSessionTest.trigger("b", "e"))), 503);
      bed.lanes.runAll();
      assertThat(a.eventNames()).doesNotContain("e"); // not half delivered
      bed.api.trigger(app, new TriggerRequest("e", "{}", List.of("a", "b"), Optional.empty(), Set.of()));
      bed.lanes.runAll();
      assertThat(a.eventNames()).contains("e");
    }

    @Test
    void excludesTheGivenSocket() {
      FakeClient a = bed.connect(0).send(bed.subscribe("news"));
      FakeClient b = bed.connect(1).send(bed.subscribe("news"));
      bed.api.trigger(app, new TriggerRequest("e", "hi", List.of("news"),
          Optional.of(a.socketId()), Set.of()));
      bed.lanes.runAll();
      assertThat(a.events("e")).isEmpty();
      assertThat(b.last("e").get("data").asText()).isEqualTo("hi");
    }

    @Test
    void reportsCountsWhenAskedForInfo() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePresence(a, "presence-p", "ann", "{}"));
      ObjectNode out = bed.api.trigger(app, new TriggerRequest("e", "{}", List.of("presence-p"),
          Optional.empty(), Set.of("user_count", "subscription_count"))).toCompletableFuture().join();
      assertThat(out.toString()).isEqualTo(
          "{\"channels\":{\"presence-p\":{\"user_count\":1,\"subscription_count\":1}}}");
    }

    @Test
    void batchIsValidatedWholeBeforeAnythingIsSent() {
      FakeClient a = bed.connect(0).send(bed.subscribe("news"));
      assertStatus(() -> bed.api.batch(app, List.of(
          PusherSessionTest.trigger("news", "ok"), PusherSessionTest.trigger("bad name", "x"))), 400);
      bed.lanes.runAll();
      assertThat(a.events("ok")).isEmpty();
      List<TriggerRequest> eleven = new java.util.ArrayList<>();
      for (int i = 0; i < 11; i++) {
        eleven.add(PusherSessionTest.trigger("news", "e"));
      }
      assertStatus(() -> bed.api.batch(app, eleven), 400);
    }
  }

  @Nested
  class Channels {

    @Test
    void listsOccupiedChannelsWithUserCountsForPresencePrefixes() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePresence(a, "presence-one", "ann", "{}"));
      a.send(bed.subscribe("public-one"));
      assertThat(bed.api.channels(app, Optional.empty(), Set.of()).toCompletableFuture().join().toString())
          .isEqualTo("{\"channels\":{\"presence-one\":{},\"public-one\":{}}}");
      assertThat(bed.api.channels(app, Optional.of("presence-"), Set.of("user_count")).toCompletableFuture().join().toString())
          .isEqualTo("{\"channels\":{\"presence-one\":{\"user_count\":1}}}");
      assertStatus(() -> bed.api.channels(app, Optional.empty(), Set.of("user_count")), 400);
    }

    @Test
    void describesOneChannelAndItsUsers() {
      FakeClient a = bed.connect(0);
      a.send(bed.subscribePresence(a, "presence-one", "ann", "{}"));
      FakeClient b = bed.connect(1);
      b.send(bed.subscribePresence(b, "presence-one", "ann", "{}"));
      assertThat(bed.api.channel(app, "presence-one", Set.of("user_count", "subscription_count")).toCompletableFuture().join()
          .toString()).isEqualTo("{\"occupied\":true,\"user_count\":1,\"subscription_count\":2}");
      assertThat(bed.api.channel(app, "empty", Set.of()).toCompletableFuture().join().toString()).isEqualTo("{\"occupied\":false}");
      assertThat(bed.api.users(app, "presence-one").toCompletableFuture().join().toString()).isEqualTo("{\"users\":[{\"id\":\"ann\"}]}");
      assertStatus(() -> bed.api.users(app, "public"), 400);
      assertStatus(() -> bed.api.channel(app, "public", Set.of("user_count")), 400);
    }
  }

  private static void assertStatus(Runnable call, int status) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status));
  }
}
