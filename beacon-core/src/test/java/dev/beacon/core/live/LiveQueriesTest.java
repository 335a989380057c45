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
  final LiveQueries live = new LiveQueries(functions, engineQueue::add, Runnable::run);

  void runEngine() {
    Runnable r;
    while ((r = engineQueue.poll()) != null) {
      r.run();
    }
  }

  final class Recorder implements LiveQueries.Watcher {
    final List<String> seen = new ArrayList<>();

    @Override
    public void updated(LiveQueries.LiveQuery query, QueryResult result) {
      seen.add(result.failed() ? "error:" + result.errorCode().orElse("") : result.value().get().toString());
    }
  }

  String subscribe(String key, Recorder r) {
    return live.subscribe(functions.resolve("test:value", java.util.Optional.empty()),
        Caller.anonymous(app), JsonNodeFactory.instance.objectNode().put("key", key), r);
  }

  void change(String key, int value) {
    values.put(key, value);
    live.changed(List.of(DependencyKey.of("a", "value", key)));
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
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    subscribe("x", a);
    subscribe("x", b);
    runEngine();
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
}
