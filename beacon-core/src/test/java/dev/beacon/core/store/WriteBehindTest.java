package dev.beacon.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WriteBehindTest {

  private final WriteBehind writes = new WriteBehind("test-writes", 50);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    writes.close(5000);
  }

  /** Holds the writer thread in a write until {@link #release} opens. */
  private void blockWriter() throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(1);
    writes.write("blocker", () -> {
      inside.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aBurstFarLargerThanAnyQueueLosesNoKeyAndKeepsOnlyTheLatestValuePerKey() throws Exception {
    blockWriter();
    Map<String, Integer> stored = new ConcurrentHashMap<>();
    AtomicInteger runs = new AtomicInteger();
    int keys = 10_000;
    int rounds = 30; // 300,000 writes while the store is stuck
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < keys; k++) {
        String key = "user" + k;
        int value = round;
        writes.write(key, () -> {
          runs.incrementAndGet();
          stored.put(key, value);
        });
      }
    }
    assertThat(writes.pending()).isEqualTo(keys); // the blocker is being made, not pending
    release.countDown();
    await().atMost(Duration.ofSeconds(20)).until(() -> stored.size() == keys);
    assertThat(stored.values()).containsOnly(rounds - 1);
    assertThat(runs.get()).isEqualTo(keys);
    assertThat(writes.coalesced()).isEqualTo((long) keys * (rounds - 1));
  }

  @Test
  void writesAreMadeInTheOrderTheirKeysWereFirstQueued() throws Exception {
    blockWriter();
    List<String> order = new CopyOnWriteArrayList<>();
    for (String key : List.of("a", "b", "c", "a")) {
      writes.write(key, () -> order.add(key));
    }
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 3);
    assertThat(order).containsExactly("a", "b", "c");
  }

  @Test
  void aFailedWriteIsTriedAgainUntilTheStoreIsBack() {
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    writes.write("k", () -> {
      if (attempts.incrementAndGet() <= 2) {
        throw new IllegalStateException("database away");
      }
      done.countDown();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> done.getCount() == 0);
    assertThat(attempts.get()).isEqualTo(3);
    assertThat(writes.failures()).isEqualTo(2);
  }

  @Test
  void aNewerWriteReplacesAFailedOneInsteadOfBeingOverwrittenByIt() throws Exception {
    List<String> stored = new CopyOnWriteArrayList<>();
    CountDownLatch failing = new CountDownLatch(1);
    CountDownLatch newerQueued = new CountDownLatch(1);
    AtomicInteger oldAttempts = new AtomicInteger();
    writes.write("k", () -> {
      if (oldAttempts.incrementAndGet() == 1) {
        failing.countDown();
        try {
          newerQueued.await(); // the newer write arrives while this one is failing
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("database away");
      }
      stored.add("old"); // the store is back: a retry of the replaced write would land here
    });
    assertThat(failing.await(5, TimeUnit.SECONDS)).isTrue();
    writes.write("k", () -> stored.add("newer"));
    newerQueued.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> stored.contains("newer"));
    // a marker queued after the newer write was made: a retry of the failed write was queued
    // when it failed, before the marker, so once the marker is made it would have been made too
    writes.write("marker", () -> stored.add("marker"));
    await().atMost(Duration.ofSeconds(5)).until(() -> stored.contains("marker"));
    assertThat(stored).containsExactly("newer", "marker");
    assertThat(oldAttempts.get()).isEqualTo(1);
    assertThat(writes.failures()).isEqualTo(1);
  }

  @Test
  void closeMakesEveryPendingWriteBeforeReturningAndLaterWritesRunDirectly() throws Exception {
    blockWriter();
    List<String> stored = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 100; i++) {
      String key = "k" + i;
      writes.write(key, () -> stored.add(key));
    }
    release.countDown();
    writes.close(5000);
    assertThat(stored).hasSize(100);
    writes.write("late", () -> stored.add("late"));
    assertThat(stored).hasSize(101).endsWith("late");
  }
}
