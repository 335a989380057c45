package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A round's evaluations that may block go to the worker pool in groups of {@link
 * LiveQueries#EVALUATIONS_PER_TASK}, not one task each, and every query still gets its result.
 */
class LiveQueriesGroupedEvaluationsTest {

  final App app = App.builder("a", "k", "secret").build();
  final Map<String, Integer> values = new ConcurrentHashMap<>();
  final ExecutorService engine = Executors.newSingleThreadExecutor();
  final ExecutorService pool = Executors.newFixedThreadPool(2);
  final Functions functions = new Functions(new ManualClock(0))
      .register(FunctionDefinition.query("test:value", Access.PUBLIC,
          Map.of("key", Validator.string(10)), true, call -> {
            String key = call.args().string("key");
            call.read("value", key);
            return JsonNodeFactory.instance.numberNode(values.getOrDefault(key, 0));
          }));

  @AfterEach
  void stop() {
    engine.shutdownNow();
    pool.shutdownNow();
  }

  @Test
  void aRoundOfFortyBlockingEvaluationsIsThreeTasks() {
    AtomicInteger tasks = new AtomicInteger();
    LiveQueries live = new LiveQueries(functions, engine, task -> {
      tasks.incrementAndGet();
      pool.execute(task);
    });
    int n = 40;
    List<List<String>> seen = new ArrayList<>();
    List<DependencyKey> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = "k" + i;
      values.put(key, 1);
      List<String> mine = new java.util.concurrent.CopyOnWriteArrayList<>();
      seen.add(mine);
      keys.add(DependencyKey.of("a", "value", key));
      live.subscribe(functions.resolve("test:value", Optional.empty()), Caller.anonymous(app),
          JsonNodeFactory.instance.objectNode().put("key", key),
          (q, r) -> mine.add(r.value().get().toString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().allMatch(s -> s.contains("1")));
    tasks.set(0);
    for (int i = 0; i < n; i++) {
      values.put("k" + i, 2);
    }
    live.changed(keys); // one round: all forty are dirty together
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().allMatch(s -> s.contains("2")));
    int per = LiveQueries.EVALUATIONS_PER_TASK;
    assertThat(tasks.get()).isEqualTo((n + per - 1) / per);
    for (List<String> s : seen) {
      assertThat(s).containsExactly("1", "2");
    }
  }
}
