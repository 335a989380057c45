package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.hub.ManualLanes;
import dev.beacon.core.hub.UserConnections;
import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.time.ManualClock;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SyncSessionTest {

  final App app = App.builder("a", "k", "secret").build();
  final ManualClock clock = new ManualClock(1_700_000_000_000L);
  final ManualLanes lanes = new ManualLanes(1, clock, 10_000);
  final ArrayDeque<Runnable> engineQueue = new ArrayDeque<>();
  final AtomicInteger counter = new AtomicInteger();
  final AtomicInteger increments = new AtomicInteger();
  final List<String> presence = new ArrayList<>();
  LiveQueries live;
  SyncService service;

  SyncSessionTest() {
    Functions functions = new Functions(clock);
    live = new LiveQueries(functions, engineQueue::add, Runnable::run);
    functions
        .register(FunctionDefinition.query("counter:get", Access.PUBLIC, Map.of(), false, call -> {
          call.read("counter", "c");
          return JsonNodeFactory.instance.numberNode(counter.get());
        }))
        .register(FunctionDefinition.query("who:ami", Access.PUBLIC, Map.of(), false, call ->
            JsonNodeFactory.instance.textNode(call.caller().userId().orElse("nobody"))))
        .register(FunctionDefinition.query("counter:mine", Access.PUBLIC, Map.of(), false, call -> {
          call.read("counter", "c");
          return JsonNodeFactory.instance.textNode(
              call.caller().userId().orElse("nobody") + ":" + counter.get());
        }))
        .register(FunctionDefinition.mutation("counter:increment", Access.PUBLIC, Map.of(
            "by", Validator.optional(Validator.number())), false, call -> {
              increments.incrementAndGet();
              int v = counter.addAndGet((int) call.args().optNumber("by").orElse(1.0).doubleValue());
              live.changed(List.of(DependencyKey.of("a", "counter", "c")));
              return JsonNodeFactory.instance.numberNode(v);
            }));
    Timestamps timestamps = new Timestamps(new Timestamps.Store() {
      long saved;

      @Override
      public long load() {
        return saved;
      }

      @Override
      public void save(long reserve) {
        saved = reserve;
      }
    }, DurableWrites.DIRECT, () -> clock.millis() * 1_000_000L);
    Authenticator auth = new Authenticator() {
      @Override
      public Identity authenticate(dev.beacon.protocol.convex.sync.SyncClientMessage.TokenType type,
          Optional<String> value, Optional<JsonNode> impersonating) {
        if (value.isPresent() && value.get().startsWith("good:")) {
          return Identity.lasting(Caller.user(app, value.get().substring(5)));
        }
        if (value.isPresent() && value.get().startsWith("ten-seconds:")) {
          return new Identity(Caller.user(app, value.get().substring(12)),
              java.util.OptionalLong.of(clock.millis() + 10_000));
        }
        throw FunctionException.unauthenticated("the token is invalid");
      }

      @Override
      public Caller anonymous() {
        return Caller.anonymous(app);
      }
    };
    UserConnections users = new UserConnections() {
      @Override
      public void connected(String appId, String userId) {
        presence.add("+" + userId);
      }

      @Override
      public void disconnected(String appId, String userId) {
        presence.add("-" + userId);
      }
    };
    service = new SyncService(functions, live, timestamps, auth, Runnable::run, users);
  }

  /** A client socket: sends frames, records what the server sent. */
  final class Client implements SyncTransport {
    final List<JsonNode> received = new ArrayList<>();
    Integer closeCode;
    SyncSession session;

    Client() {
      this(lanes);
    }

    Client(ManualLanes on) {
      session = service.open(on.lane(0), this);
    }

    Client frame(String json) {
      session.onText(json);
      settle();
      return this;
    }

    @Override
    public void send(String text) {
      received.add(Json.parse(text));
    }

    @Override
    public void ping() {}

    @Override
    public void close(int code, String reason) {
      closeCode = code;
    }

    List<JsonNode> ofType(String type) {
      return received.stream().filter(m -> m.get("type").asText().equals(type)).toList();
    }

    JsonNode lastTransition() {
      List<JsonNode> t = ofType("Transition");
      return t.get(t.size() - 1);
    }
  }

  void settle() {
    for (int i = 0; i < 10; i++) {
      Runnable r;
      while ((r = engineQueue.poll()) != null) {
        r.run();
      }
      lanes.runAll();
    }
  }

  static String add(int base, int next, int queryId, String path) {
    return "{\"type\":\"ModifyQuerySet\",\"baseVersion\":" + base + ",\"newVersion\":" + next
        + ",\"modifications\":[{\"type\":\"Add\",\"queryId\":" + queryId + ",\"udfPath\":\"" + path
        + "\",\"args\":[{}]}]}";
  }

  static long ts(JsonNode version) {
    return ConvexValues.decodeInt64(version.get("ts").asText());
  }

  @Test
  void aResultOfTheFormerIdentityQueuedBeforeASwitchIsNeverShownToTheNewUser() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:ann\",\"baseVersion\":0}");
    c.frame(add(0, 1, 0, "counter:mine"));
    assertThat(c.lastTransition().get("modifications").get(0).get("value").asText()).isEqualTo("ann:0");
    // ann's query re-runs and its result is queued for the lane, not yet taken...
    counter.set(7);
    live.changed(List.of(DependencyKey.of("a", "counter", "c")));
    Runnable r;
    while ((r = engineQueue.poll()) != null) {
      r.run();
    }
    // ...when the client switches to bob
    c.session.onText("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:bob\",\"baseVersion\":1}");
    settle();
    List<String> values = new ArrayList<>();
    for (JsonNode t : c.ofType("Transition")) {
      if (t.get("endVersion").get("identity").asInt() == 2) {
        t.get("modifications").forEach(m -> values.add(m.path("value").asText()));
      }
    }
    assertThat(values).containsExactly("bob:7");
  }

  @Test
  void aResultIsDeliveredEvenWhenTheLaneIsAtItsBound() {
    ManualLanes tight = new ManualLanes(1, clock, 2);
    Client c = new Client(tight);
    c.session.onText("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    tight.runAll();
    c.session.onText(add(0, 1, 0, "counter:get"));
    tight.lane(0).submit(() -> { });
    tight.lane(0).submit(() -> { }); // the lane is full of other work (a burst of publications)
    assertThat(tight.lane(0).isFull()).isTrue();
    for (int i = 0; i < 5; i++) {
      Runnable r;
      while ((r = engineQueue.poll()) != null) {
        r.run();
      }
      tight.runAll();
    }
    assertThat(c.ofType("Transition")).isNotEmpty();
    assertThat(c.lastTransition().get("modifications").get(0).get("value").asInt()).isZero();
  }

  @Test
  void transitionsChainFromTheInitialVersion() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame(add(0, 1, 0, "counter:get"));
    JsonNode first = c.lastTransition();
    assertThat(first.get("startVersion").toString())
        .isEqualTo("{\"querySet\":0,\"ts\":\"AAAAAAAAAAA=\",\"identity\":0}");
    assertThat(first.get("endVersion").get("querySet").asInt()).isEqualTo(1);
    assertThat(first.get("modifications").get(0).get("value").asInt()).isZero();
    c.frame(add(1, 2, 1, "who:ami"));
    JsonNode second = c.lastTransition();
    assertThat(second.get("startVersion")).isEqualTo(first.get("endVersion"));
    assertThat(ts(second.get("endVersion"))).isGreaterThan(ts(first.get("endVersion")));
    assertThat(second.get("modifications").get(0).get("value").asText()).isEqualTo("nobody");
  }

  @Test
  void aMutationIsFollowedByATransitionCarryingItsEffects() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame(add(0, 1, 0, "counter:get"));
    c.frame("{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    JsonNode response = c.ofType("MutationResponse").get(0);
    assertThat(response.get("success").asBoolean()).isTrue();
    assertThat(response.get("result").asInt()).isEqualTo(1);
    int responseAt = c.received.indexOf(response);
    JsonNode after = c.received.get(c.received.size() - 1);
    assertThat(c.received.indexOf(after)).isGreaterThan(responseAt);
    assertThat(after.get("type").asText()).isEqualTo("Transition");
    assertThat(ts(after.get("endVersion"))).isGreaterThanOrEqualTo(
        ConvexValues.decodeInt64(response.get("ts").asText()));
    assertThat(after.get("modifications").get(0).get("value").asInt()).isEqualTo(1);
  }

  /**
   * A client watching counter:get (query 0) and who:ami (query 1) whose increment has been
   * answered, but whose change the engine has not passed on yet; the clock moved {@code
   * advanceMillis} before the mutation.
   */
  Client withAnsweredUnsettledIncrement(long advanceMillis) {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame(add(0, 1, 0, "counter:get"));
    c.frame(add(1, 2, 1, "who:ami"));
    clock.advance(advanceMillis);
    c.session.onText("{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    lanes.runAll();
    return c;
  }

  /** The client removes who:ami (query 1), on the lane only. */
  void removeWhoAmI(Client c) {
    c.session.onText("{\"type\":\"ModifyQuerySet\",\"baseVersion\":2,\"newVersion\":3,"
        + "\"modifications\":[{\"type\":\"Remove\",\"queryId\":1}]}");
    lanes.runAll();
  }

  @Test
  void noTransitionReachesAMutationsTimestampBeforeItsEffectsAreIn() {
    // the mutation is answered, but the engine has not passed its change on yet ...
    Client c = withAnsweredUnsettledIncrement(0);
    JsonNode response = c.ofType("MutationResponse").get(0);
    long mutationTs = ConvexValues.decodeInt64(response.get("ts").asText());
    // ... when the client removes another query: that transition must stay below the mutation
    removeWhoAmI(c);
    settle();
    // (sent at once below the mutation's timestamp when there is room, else held until it settles)
    assertThat(c.ofType("Transition").toString()).contains("QueryRemoved");
    boolean carried = false;
    for (JsonNode m : c.received.subList(c.received.indexOf(response), c.received.size())) {
      if (!m.get("type").asText().equals("Transition") || ts(m.get("endVersion")) < mutationTs) {
        continue;
      }
      // the first transition at or past the mutation must carry the new count
      if (!carried) {
        assertThat(m.get("modifications").toString()).as("first transition at the mutation's ts")
            .contains("\"queryId\":0").contains("\"value\":1");
        carried = true;
      }
    }
    assertThat(carried).isTrue();
    List<JsonNode> transitions = c.ofType("Transition");
    for (int i = 1; i < transitions.size(); i++) {
      assertThat(transitions.get(i).get("startVersion")).isEqualTo(transitions.get(i - 1).get("endVersion"));
      assertThat(ts(transitions.get(i).get("endVersion"))).isGreaterThan(ts(transitions.get(i - 1).get("endVersion")));
    }
  }

  @Test
  void aTransitionWhileAMutationSettlesIsSentBelowTheMutationsTimestamp() {
    // the clock moves: room between the last transition's timestamp and the mutation's
    Client c = withAnsweredUnsettledIncrement(5);
    long mutationTs = ConvexValues.decodeInt64(c.ofType("MutationResponse").get(0).get("ts").asText());
    removeWhoAmI(c);
    JsonNode removed = c.lastTransition();
    assertThat(removed.get("modifications").toString()).contains("QueryRemoved");
    assertThat(ts(removed.get("endVersion"))).isLessThan(mutationTs);
    settle();
    JsonNode carried = c.lastTransition();
    assertThat(ts(carried.get("endVersion"))).isGreaterThanOrEqualTo(mutationTs);
    assertThat(carried.get("modifications").get(0).get("value").asInt()).isEqualTo(1);
  }

  @Test
  void aMutationWithoutVisibleEffectsStillGetsATransition() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame(add(0, 1, 0, "who:ami"));
    int before = c.ofType("Transition").size();
    c.frame("{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    assertThat(c.ofType("Transition")).hasSize(before + 1);
    assertThat(c.lastTransition().get("modifications")).isEmpty();
  }

  @Test
  void aMutationSentAgainAfterAReconnectIsNotAppliedTwice() {
    Client first = new Client();
    first.frame("{\"type\":\"Connect\",\"sessionId\":\"same\",\"connectionCount\":0}");
    first.frame("{\"type\":\"Mutation\",\"requestId\":7,\"udfPath\":\"counter:increment\",\"args\":[{\"by\":5}]}");
    first.session.onClosed();
    Client second = new Client();
    second.frame("{\"type\":\"Connect\",\"sessionId\":\"same\",\"connectionCount\":1}");
    second.frame(add(0, 1, 0, "counter:get"));
    second.frame("{\"type\":\"Mutation\",\"requestId\":7,\"udfPath\":\"counter:increment\",\"args\":[{\"by\":5}]}");
    assertThat(increments).hasValue(1);
    assertThat(second.ofType("MutationResponse").get(0).get("result").asInt()).isEqualTo(5);
    assertThat(ts(second.lastTransition().get("endVersion"))).isGreaterThanOrEqualTo(
        ConvexValues.decodeInt64(second.ofType("MutationResponse").get(0).get("ts").asText()));
  }

  @Test
  void aRetryAnsweredFromTheLogIsFollowedByATransitionEvenWhenAnEarlierOnePassedItsTimestamp() {
    Client first = new Client();
    first.frame("{\"type\":\"Connect\",\"sessionId\":\"again\",\"connectionCount\":0}");
    first.frame("{\"type\":\"Mutation\",\"requestId\":3,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    first.session.onClosed();
    clock.advance(5);
    Client second = new Client();
    second.frame("{\"type\":\"Connect\",\"sessionId\":\"again\",\"connectionCount\":1}");
    second.frame(add(0, 1, 0, "counter:get")); // its transition is already past the mutation's ts
    second.frame("{\"type\":\"Mutation\",\"requestId\":3,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    JsonNode response = second.ofType("MutationResponse").get(0);
    JsonNode last = second.received.get(second.received.size() - 1);
    assertThat(second.received.indexOf(last)).isGreaterThan(second.received.indexOf(response));
    assertThat(last.get("type").asText()).isEqualTo("Transition");
    assertThat(ts(last.get("endVersion"))).isGreaterThanOrEqualTo(
        ConvexValues.decodeInt64(response.get("ts").asText()));
    assertThat(increments).hasValue(1);
  }

  @Test
  void aSecondConnectOnOneSocketIsAProtocolError() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    assertThat(c.ofType("FatalError")).hasSize(1);
  }

  @Test
  void anotherUserNamingTheSameSessionAndRequestIdGetsNothingOfTheFirstCall() {
    Client mallory = new Client();
    mallory.frame("{\"type\":\"Connect\",\"sessionId\":\"shared\",\"connectionCount\":0}");
    mallory.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:mallory\",\"baseVersion\":0}");
    mallory.frame("{\"type\":\"Mutation\",\"requestId\":7,\"udfPath\":\"counter:increment\",\"args\":[{\"by\":5}]}");
    Client victim = new Client();
    victim.frame("{\"type\":\"Connect\",\"sessionId\":\"shared\",\"connectionCount\":0}");
    victim.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:victim\",\"baseVersion\":0}");
    victim.frame("{\"type\":\"Mutation\",\"requestId\":7,\"udfPath\":\"counter:increment\",\"args\":[{\"by\":1}]}");
    assertThat(increments).as("the victim's call ran").hasValue(2);
    assertThat(victim.ofType("MutationResponse").get(0).get("result").asInt()).isEqualTo(6);
  }

  @Test
  void authenticationChangesTheIdentityAndRerunsQueries() {
    Client c = new Client();
    c.frame(add(0, 1, 0, "who:ami"));
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:ann\",\"baseVersion\":0}");
    JsonNode t = c.lastTransition();
    assertThat(t.get("endVersion").get("identity").asInt()).isEqualTo(1);
    assertThat(t.get("modifications").get(0).get("value").asText()).isEqualTo("ann");
    assertThat(presence).containsExactly("+ann");
    // a fresh token for the same user moves only the version
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:ann\",\"baseVersion\":1}");
    assertThat(c.lastTransition().get("endVersion").get("identity").asInt()).isEqualTo(2);
    assertThat(c.lastTransition().get("modifications")).isEmpty();
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:bob\",\"baseVersion\":2}");
    assertThat(c.lastTransition().get("modifications").get(0).get("value").asText()).isEqualTo("bob");
    assertThat(presence).containsExactly("+ann", "-ann", "+bob");
    c.session.onClosed();
    assertThat(presence).containsExactly("+ann", "-ann", "+bob", "-bob");
  }

  @Test
  void anIdentityEndsWhenItsTokenExpiresUnlessAFresherOneCame() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"ten-seconds:ann\",\"baseVersion\":0}");
    clock.advance(6_000);
    lanes.tick();
    // a refreshed token before expiry: the identity lasts another ten seconds
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"ten-seconds:ann\",\"baseVersion\":1}");
    clock.advance(6_000);
    lanes.tick();
    assertThat(c.ofType("AuthError")).isEmpty();
    assertThat(c.closeCode).isNull();
    clock.advance(5_000);
    lanes.tick();
    settle();
    JsonNode error = c.ofType("AuthError").get(0);
    assertThat(error.get("authUpdateAttempted").asBoolean()).isFalse();
    assertThat(error.get("baseVersion").asInt()).as("the version before the expired identity").isEqualTo(1);
    assertThat(error.get("error").asText()).contains("expired");
    assertThat(c.closeCode).isEqualTo(1000);
    assertThat(presence).containsExactly("+ann", "-ann");
  }

  @Test
  void aQueryBeyondTheLimitFailsAloneAndTheOthersKeepWorking() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    int max = SyncService.MAX_QUERIES_PER_CONNECTION;
    StringBuilder mods = new StringBuilder();
    for (int i = 0; i <= max; i++) {
      mods.append(i == 0 ? "" : ",").append("{\"type\":\"Add\",\"queryId\":").append(i)
          .append(",\"udfPath\":\"counter:get\",\"args\":[{}]}");
    }
    c.frame("{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,\"modifications\":["
        + mods + "]}");
    assertThat(c.ofType("FatalError")).isEmpty();
    JsonNode t = c.lastTransition();
    assertThat(t.get("modifications")).hasSize(max + 1);
    List<JsonNode> failedOnes = new ArrayList<>();
    t.get("modifications").forEach(m -> {
      if (m.get("type").asText().equals("QueryFailed")) {
        failedOnes.add(m);
      }
    });
    assertThat(failedOnes).hasSize(1);
    assertThat(failedOnes.get(0).get("queryId").asInt()).isEqualTo(max);
    assertThat(failedOnes.get(0).get("errorData").get("code").asText()).isEqualTo("LIMIT_REACHED");
    // the others still update
    c.frame("{\"type\":\"Mutation\",\"requestId\":0,\"udfPath\":\"counter:increment\",\"args\":[{}]}");
    assertThat(c.lastTransition().get("modifications")).hasSize(max);
    assertThat(c.closeCode).isNull();
  }

  @Test
  void theBackendActingAsAUserReadsAsThemButIsNotTheirPresence() {
    Client c = new Client();
    c.frame("{\"type\":\"Connect\",\"sessionId\":\"s1\",\"connectionCount\":0}");
    c.frame(add(0, 1, 0, "who:ami"));
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"Admin\",\"value\":\"good:ann\","
        + "\"impersonating\":{\"subject\":\"ann\"},\"baseVersion\":0}");
    assertThat(c.lastTransition().get("modifications").get(0).get("value").asText()).isEqualTo("ann");
    assertThat(presence).isEmpty();
    assertThat(c.session.signedInAs("ann")).as("terminating ann spares the backend").isFalse();
    // the same user signing in for real is their presence
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"good:ann\",\"baseVersion\":1}");
    assertThat(presence).containsExactly("+ann");
    assertThat(c.session.signedInAs("ann")).isTrue();
    c.session.onClosed();
    assertThat(presence).containsExactly("+ann", "-ann");
  }

  @Test
  void aBadTokenGetsAnAuthErrorAndTheConnectionCloses() {
    Client c = new Client();
    c.frame("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"forged\",\"baseVersion\":0}");
    JsonNode error = c.ofType("AuthError").get(0);
    assertThat(error.get("error").asText()).contains("invalid");
    assertThat(error.get("baseVersion").asInt()).isZero();
    assertThat(c.closeCode).isNotNull();
  }

  @Test
  void protocolViolationsAreFatal() {
    Client c = new Client();
    c.frame(add(3, 4, 0, "counter:get"));
    assertThat(c.ofType("FatalError").get(0).get("error").asText()).contains("query set version");
    assertThat(c.closeCode).isEqualTo(1008);
    Client d = new Client();
    d.frame("{\"type\":\"Bogus\"}");
    assertThat(d.ofType("FatalError")).hasSize(1);
  }

  @Test
  void unknownFunctionsFailAndRemovedQueriesAreReported() {
    Client c = new Client();
    c.frame(add(0, 1, 0, "nope:missing"));
    JsonNode failed = c.lastTransition().get("modifications").get(0);
    assertThat(failed.get("type").asText()).isEqualTo("QueryFailed");
    assertThat(failed.get("errorMessage").asText()).contains("nope:missing");
    c.frame("{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,\"modifications\":"
        + "[{\"type\":\"Remove\",\"queryId\":0}]}");
    assertThat(c.lastTransition().get("modifications").get(0).get("type").asText()).isEqualTo("QueryRemoved");
  }

  @Test
  void aQuietConnectionIsPinged() {
    Client c = new Client();
    clock.advance(15_100);
    lanes.tick();
    assertThat(c.ofType("Ping")).hasSize(1);
  }

  void runEngine() {
    Runnable r;
    while ((r = engineQueue.poll()) != null) {
      r.run();
    }
  }

  @Test
  void resultsWaitingForOneTransitionGoOutInItTheLatestOfEachQueryOnly() {
    Client c = new Client();
    c.frame(add(0, 1, 0, "counter:get"));
    c.frame(add(1, 2, 1, "counter:mine"));
    int before = c.ofType("Transition").size();
    // two changes evaluated before the lane runs: each query's latest result waits for the lane
    counter.set(1);
    live.changed(List.of(DependencyKey.of("a", "counter", "c")));
    runEngine();
    counter.set(2);
    live.changed(List.of(DependencyKey.of("a", "counter", "c")));
    runEngine();
    settle();
    List<JsonNode> after = c.ofType("Transition").subList(before, c.ofType("Transition").size());
    assertThat(after).hasSize(1);
    assertThat(after.get(0).get("startVersion")).isEqualTo(c.ofType("Transition").get(before - 1).get("endVersion"));
    List<String> mods = new ArrayList<>();
    after.get(0).get("modifications").forEach(m ->
        mods.add(m.get("type").asText() + " " + m.get("queryId").asInt() + " " + m.get("value")));
    assertThat(mods).containsExactlyInAnyOrder("QueryUpdated 0 2", "QueryUpdated 1 \"nobody:2\"");
    // nothing more to send
    settle();
    assertThat(c.ofType("Transition")).hasSize(before + 1);
  }

  @Test
  void aResultWaitingForAQueryRemovedMeanwhileIsNotSent() {
    Client c = new Client();
    c.frame(add(0, 1, 0, "counter:get"));
    counter.set(5);
    live.changed(List.of(DependencyKey.of("a", "counter", "c")));
    runEngine(); // the result waits for the lane...
    c.session.onText("{\"type\":\"ModifyQuerySet\",\"baseVersion\":1,\"newVersion\":2,"
        + "\"modifications\":[{\"type\":\"Remove\",\"queryId\":0}]}"); // ...when it is removed
    settle();
    JsonNode last = c.lastTransition();
    assertThat(last.get("endVersion").get("querySet").asInt()).isEqualTo(2);
    assertThat(last.get("modifications")).hasSize(1);
    assertThat(last.get("modifications").get(0).get("type").asText()).isEqualTo("QueryRemoved");
    for (JsonNode t : c.ofType("Transition")) {
      t.get("modifications").forEach(m -> assertThat(m.path("value").asInt(0)).isNotEqualTo(5));
    }
  }
}
