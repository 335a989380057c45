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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine with blocking evaluations on a worker pool: refusals and races with changes. */
class LiveQueriesOnWorkersTest {

  final App app = App.builder("a", "k", "secret").build();
  final Map<String, Integer> values = new ConcurrentHashMap<>();
  final ExecutorService engine = Executors.newSingleThreadExecutor();
  final ExecutorService pool = Executors.newFixedThreadPool(2);
  /** Set to make the next evaluation stop after its read until {@link #resume} opens. */
  volatile CountDownLatch pauseAfterRead;
  final CountDownLatch paused = new CountDownLatch(1);
  final CountDownLatch resume = new CountDownLatch(1);
  final Functions functions = new Functions(new ManualClock(0))
      .register(FunctionDefinition.query("test:value", Access.PUBLIC,
          Map.of("key", Validator.string(10)), true, call -> {
            String key = call.args().string("key");
            call.read("value", key);
            int v = values.getOrDefault(key, 0);
            CountDownLatch gate = pauseAfterRead;
            if (gate != null) {
              pauseAfterRead = null;
              paused.countDown();
              try {
                gate.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return JsonNodeFactory.instance.numberNode(v);
          }));

  @AfterEach
  void stop() {
    resume.countDown();
    engine.shutdownNow();
    pool.shutdownNow();
  }

  List<String> subscribe(LiveQueries live, String key) {
    List<String> seen = new CopyOnWriteArrayList<>();
    live.subscribe(functions.resolve("test:value", Optional.empty()), Caller.anonymous(app),
        JsonNodeFactory.instance.objectNode().put("key", key),
        (q, r) -> seen.add(r.value().get().toString()));
    return seen;
  }

  void change(LiveQueries live, String key, int value) {
    values.put(key, value);
    live.changed(List.of(DependencyKey.of("a", "value", key)));
  }

  @Test
  void aChangeLandingWhileTheFirstEvaluationRunsIsNotLost() throws Exception {
    LiveQueries live = new LiveQueries(functions, engine, pool);
    values.put("x", 1);
    pauseAfterRead = resume;
    List<String> seen = subscribe(live, "x");
    assertThat(paused.await(5, TimeUnit.SECONDS)).isTrue();
    change(live, "x", 2); // after the read, before the query is indexed under the key
    CountDownLatch reported = new CountDownLatch(1);
    live.whenSettled(reported::countDown);
    resume.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("2"));
    assertThat(seen).containsExactly("1", "2");
    assertThat(reported.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void evaluationsTheFullPoolRefusesAreRetriedAndSettlingWaitsForThem() throws Exception {
    AtomicBoolean full = new AtomicBoolean(true);
    AtomicInteger refused = new AtomicInteger();
    LiveQueries live = new LiveQueries(functions, engine, task -> {
      if (full.get()) {
        refused.incrementAndGet();
        throw new RejectedExecutionException("full");
      }
      pool.execute(task);
    });
    values.put("x", 1);
    List<String> seen = subscribe(live, "x");
    CountDownLatch settled = new CountDownLatch(1);
    live.whenSettled(settled::countDown);
    await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() >= 2);
    assertThat(seen).isEmpty();
    assertThat(settled.getCount()).as("settled before the query ran").isEqualTo(1);
    full.set(false);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("1"));
    assertThat(settled.await(5, TimeUnit.SECONDS)).isTrue();
    change(live, "x", 5); // and the engine is alive afterwards
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("5"));
    assertThat(live.refusals()).isEqualTo(refused.get());

  }
}
