package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.time.ManualClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LiveQueriesTest {

  final App app = App.builder("a", "k", "secret").build();
  final Map<String, Integer> values = new HashMap<>();
  final AtomicInteger evaluations = new AtomicInteger();
  final ArrayDeque<Runnable> engineQueue = new ArrayDeque<>();
  final Functions functions = new Functions(new ManualClock(0))
      .register(FunctionDefinition.query("test:value", Access.PUBLIC,
          Map.of("key", Validator.string(10)), false, call -> {
            evaluations.incrementAndGet();
            String key = call.args().string("key");
            call.read("value", key);
            Integer v = values.get(key);
            if (v == null) {
              throw FunctionException.notFound("value " + key);
            }
            return JsonNodeFactory.instance.numberNode(v);
          }));
  /** test:object returns a new tree each time: {"key": K, "value": V} or, with no value, a failure. */
  final LiveQueries live = new LiveQueries(functions.register(FunctionDefinition.query(
      "test:object", Access.PUBLIC, Map.of("key", Validator.string(10)), false, call -> {
        evaluations.incrementAndGet();
        String key = call.args().string("key");
        call.read("value", key);
        Integer v = values.get(key);
        if (v == null) {
          throw FunctionException.notFound("value " + key);
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("key", key).putArray("values").add(v).add("\u00e9t\u00e9 \ud83d\ude00");
        return o;
      })), engineQueue::add, Runnable::run);

  void runEngine() {
    Runnable r;
    while ((r = engineQueue.poll()) != null) {
      r.run();
    }
  }

  final class Recorder implements LiveQueries.Watcher {
    final List<String> seen = new ArrayList<>();
    final List<QueryResult> results = new ArrayList<>();
    LiveQueries.LiveQuery query;

    @Override
    public void updated(LiveQueries.LiveQuery query, QueryResult result) {
      this.query = query;
      results.add(result);
      seen.add(result.failed() ? "error:" + result.errorCode().orElse("") : result.value().get().toString());
    }
  }

  String subscribe(String key, Recorder r) {
    return subscribe("test:value", key, r);
  }

  String subscribe(String function, String key, Recorder r) {
    return live.subscribe(functions.resolve(function, java.util.Optional.empty()),
        Caller.anonymous(app), JsonNodeFactory.instance.objectNode().put("key", key), r);
  }

  /** What a session writes for a result: its value as raw JSON in a Transition's frame. */
  static String wire(QueryResult r) {
    return new String(dev.beacon.protocol.json.Json.bytes(g -> g.writeTree(r.wireValue())),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  void change(String key, int value) {
    values.put(key, value);
    live.changed(List.of(DependencyKey.of("a", "value", key)));
  }

  /** {@code n} watchers of {@code function} on {@code key}, subscribed and given their first result. */
  Recorder[] watchers(String function, String key, int n) {
    Recorder[] recorders = new Recorder[n];
    for (int i = 0; i < n; i++) {
      recorders[i] = new Recorder();
      subscribe(function, key, recorders[i]);
    }
    runEngine();
    return recorders;
  }

  @Test
  void onlyQueriesThatReadAChangedKeyRunAgain() {
    values.put("x", 1);
    values.put("y", 1);
    Recorder rx = new Recorder();
    Recorder ry = new Recorder();
    subscribe("x", rx);
    subscribe("y", ry);
    runEngine();
    assertThat(evaluations).hasValue(2);
    change("x", 2);
    runEngine();
    assertThat(evaluations).hasValue(3);
    assertThat(rx.seen).containsExactly("1", "2");
    assertThat(ry.seen).containsExactly("1");
  }

  @Test
  void identicalSubscriptionsShareOneEvaluation() {
    values.put("x", 1);
    Recorder[] w = watchers("test:value", "x", 2);
    Recorder a = w[0];
    Recorder b = w[1];
    assertThat(evaluations).hasValue(1);
    change("x", 5);
    runEngine();
    assertThat(evaluations).hasValue(2);
    assertThat(a.seen).containsExactly("1", "5");
    assertThat(b.seen).containsExactly("1", "5");
    // a late subscriber gets the current result without an evaluation
    Recorder c = new Recorder();
    subscribe("x", c);
    runEngine();
    assertThat(c.seen).containsExactly("5");
    assertThat(evaluations).hasValue(2);
  }

  @Test
  void changesCloseTogetherCoalesceIntoOneEvaluation() {
    values.put("x", 1);
    Recorder r = new Recorder();
    subscribe("x", r);
    runEngine();
    change("x", 2);
    change("x", 3);
    change("x", 4);
    runEngine();
    assertThat(evaluations).hasValue(2);
    assertThat(r.seen).containsExactly("1", "4");
  }

  @Test
  void unchangedResultsAreNotSent() {
    values.put("x", 1);
    Recorder r = new Recorder();
    subscribe("x", r);
    runEngine();
    change("x", 1);
    runEngine();
    assertThat(evaluations).hasValue(2);
    assertThat(r.seen).containsExactly("1");
  }

  @Test
  void failuresAreResultsAndTheirReadsStillCount() {
    Recorder r = new Recorder();
    subscribe("missing", r);
    runEngine();
    assertThat(r.seen).containsExactly("error:NOT_FOUND");
    change("missing", 7);
    runEngine();
    assertThat(r.seen).containsExactly("error:NOT_FOUND", "7");
  }

  @Test
  void aQueryNobodyWatchesIsForgotten() {
    values.put("x", 1);
    Recorder r = new Recorder();
    String key = subscribe("x", r);
    runEngine();
    live.unsubscribe(key, r);
    runEngine();
    assertThat(live.size()).isZero();
    change("x", 2);
    runEngine();
    assertThat(evaluations).hasValue(1);
  }

  @Test
  void whenSettledRunsAfterTheChangesBeforeItWerePassedOn() {
    values.put("x", 1);
    Recorder r = new Recorder();
    subscribe("x", r);
    runEngine();
    List<String> order = new ArrayList<>();
    change("x", 2);
    live.whenSettled(() -> order.add("settled after " + r.seen));
    runEngine();
    assertThat(order).containsExactly("settled after [1, 2]");
    live.whenSettled(() -> order.add("idle"));
    runEngine();
    assertThat(order).hasSize(2);
  }

  // ---------------------------------------------------------- the last result kept as bytes

  @Test
  void anEqualResultBuiltAfreshIsNotSentAgain() {
    values.put("x", 1);
    Recorder[] w = watchers("test:object", "x", 2);
    Recorder a = w[0];
    Recorder b = w[1];
    // every evaluation builds a new tree; the same JSON is the same result
    change("x", 1);
    runEngine();
    change("x", 1);
    runEngine();
    assertThat(evaluations).hasValue(3);
    assertThat(a.seen).hasSize(1);
    assertThat(b.seen).hasSize(1);
  }

  @Test
  void aChangedResultIsSentOnceToEachWatcherAndKeptAsItsJson() {
    values.put("x", 1);
    Recorder[] w = watchers("test:object", "x", 2);
    Recorder a = w[0];
    Recorder b = w[1];
    change("x", 2);
    runEngine();
    assertThat(a.seen).hasSize(2);
    assertThat(b.seen).hasSize(2);
    // both watchers get the one result of the one evaluation, and the query keeps it
    assertThat(a.results.get(1)).isSameAs(b.results.get(1)).isSameAs(a.query.last);
    assertThat(wire(a.results.get(1)))
        .isEqualTo("{\"key\":\"x\",\"values\":[2,\"\u00e9t\u00e9 \ud83d\ude00\"]}");
    assertThat(a.results.get(1).value().get().get("values").get(0).asInt()).isEqualTo(2);
    // back to an earlier value: a change again, sent once
    change("x", 1);
    runEngine();
    change("x", 1);
    runEngine();
    assertThat(a.seen).hasSize(3);
    assertThat(wire(a.results.get(2))).isEqualTo(wire(a.results.get(0)));
  }

  @Test
  void aLateWatcherGetsTheKeptResultAsItWasSent() {
    values.put("x", 3);
    Recorder a = watchers("test:object", "x", 1)[0];
    Recorder late = watchers("test:object", "x", 1)[0];
    assertThat(evaluations).hasValue(1);
    assertThat(late.results).hasSize(1);
    assertThat(wire(late.results.get(0))).isEqualTo(wire(a.results.get(0)));
  }

  @Test
  void theSameFailureIsSentOnceAndARecoveryAndAFailureAgainAreSent() {
    Recorder r = new Recorder();
    subscribe("test:object", "gone", r);
    runEngine();
    live.changed(List.of(DependencyKey.of("a", "value", "gone")));
    runEngine();
    assertThat(r.seen).containsExactly("error:NOT_FOUND");
    change("gone", 4);
    runEngine();
    values.remove("gone");
    live.changed(List.of(DependencyKey.of("a", "value", "gone")));
    runEngine();
    assertThat(r.seen).hasSize(3);
    assertThat(r.seen.get(2)).isEqualTo("error:NOT_FOUND");
    assertThat(r.results.get(2).sameAs(r.results.get(0))).isTrue();
    assertThat(r.results.get(1).sameAs(r.results.get(0))).isFalse();
  }

  @Test
  void resultsAreTheSameExactlyWhenTheirJsonIs() {
    QueryResult one = QueryResult.success(JsonNodeFactory.instance.numberNode(1));
    assertThat(one.sameAs(QueryResult.success(JsonNodeFactory.instance.numberNode(1)))).isTrue();
    assertThat(one.sameAs(QueryResult.success(JsonNodeFactory.instance.numberNode(2)))).isFalse();
    assertThat(one.sameAs(QueryResult.success(JsonNodeFactory.instance.textNode("1")))).isFalse();
    assertThat(one.sameAs(null)).isFalse();
    QueryResult missing = QueryResult.failure(FunctionException.notFound("x"));
    assertThat(one.sameAs(missing)).isFalse();
    assertThat(missing.sameAs(one)).isFalse();
    assertThat(missing.sameAs(QueryResult.failure(FunctionException.notFound("x")))).isTrue();
    assertThat(missing.sameAs(QueryResult.failure(FunctionException.notFound("y")))).isFalse();
  }

  @Test
  void aQueryThatReadsTheSameKeysKeepsItsReadSet() {
    values.put("x", 1);
    Recorder r = new Recorder();
    subscribe("x", r);
    runEngine();
    java.util.Set<DependencyKey> reads = r.query.reads;
    assertThat(reads).containsExactly(DependencyKey.of("a", "value", "x"));
    change("x", 2);
    runEngine();
    assertThat(r.query.reads).isSameAs(reads);
    // and still runs again on the next change
    change("x", 3);
    runEngine();
    assertThat(r.seen).containsExactly("1", "2", "3");
  }
}
