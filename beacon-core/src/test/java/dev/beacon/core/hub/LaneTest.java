package dev.beacon.core.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.core.time.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LaneTest {

  @Test
  void tasksRunInOrderAndWritesAreFlushedAtTheEndOfTheBatch() {
    List<Runnable> executor = new ArrayList<>();
    Lane lane = new Lane(0, LaneExecutor.on(Thread.currentThread(), executor::add), new ManualClock(0), 100);
    List<String> log = new ArrayList<>();
    Flushable conn = () -> log.add("flush");
    for (int i = 0; i < 3; i++) {
      int n = i;
      lane.submit(() -> {
        log.add("task" + n);
        lane.markDirty(conn);
      });
    }
    assertThat(executor).hasSize(1); // one drain scheduled for the burst
    executor.remove(0).run();
    assertThat(log).containsExactly("task0", "task1", "task2", "flush", "flush", "flush");
  }

  @Test
  void refusesWorkBeyondItsBound() {
    List<Runnable> executor = new ArrayList<>();
    Lane lane = new Lane(0, LaneExecutor.on(Thread.currentThread(), executor::add), new ManualClock(0), 2);
    assertThat(lane.submit(() -> {})).isTrue();
    assertThat(lane.submit(() -> {})).isTrue();
    assertThat(lane.isFull()).isTrue();
    assertThat(lane.submit(() -> {})).isFalse();
    executor.remove(0).run();
    assertThat(lane.pending()).isZero();
    assertThat(lane.submit(() -> {})).isTrue();
  }

  @Test
  void aFailingTaskDoesNotStopTheOthers() {
    List<Runnable> executor = new ArrayList<>();
    Lane lane = new Lane(0, LaneExecutor.on(Thread.currentThread(), executor::add), new ManualClock(0), 10);
    List<String> log = new ArrayList<>();
    lane.submit(() -> {
      throw new IllegalStateException("boom");
    });
    lane.submit(() -> log.add("after"));
    executor.remove(0).run();
    assertThat(log).containsExactly("after");
  }

  @Test
  void aBatchStopsAtTheWriteBudgetFlushesAndGoesOnInTheNextTurn() {
    List<Runnable> executor = new ArrayList<>();
    Lane lane = new Lane(0, LaneExecutor.on(Thread.currentThread(), executor::add), new ManualClock(0), 100);
    List<String> log = new ArrayList<>();
    Flushable conn = () -> log.add("flush");
    for (int i = 0; i < 3; i++) {
      int n = i;
      lane.submit(() -> {
        log.add("task" + n);
        lane.wrote(Lane.WRITE_BUDGET / 2);
        lane.markDirty(conn);
      });
    }
    executor.remove(0).run();
    // two tasks fill the budget: flush, and the third waits for the next turn of the loop
    assertThat(log).containsExactly("task0", "task1", "flush", "flush");
    assertThat(executor).hasSize(1);
    executor.remove(0).run();
    assertThat(log).containsExactly("task0", "task1", "flush", "flush", "task2", "flush");
  }

  @Test
  void testsRunWithAssertionsEnabled() {
    // the confinement checks below are assertions: a build without -ea would check nothing
    assertThat(Lane.class.desiredAssertionStatus()).isTrue();
  }

  @Test
  void laneOnlyMethodsRefuseAnotherThread() throws Exception {
    Lane lane = new Lane(3, LaneExecutor.on(Thread.currentThread(), task -> {}), new ManualClock(0), 10);
    Flushable conn = () -> {};
    lane.markDirty(conn); // the lane's own thread: fine
    assertThat(lane.inLane()).isTrue();

    Throwable fromElsewhere = CompletableFuture.supplyAsync(() -> {
      assertThat(lane.inLane()).isFalse();
      try {
        lane.markDirty(conn);
        return null;
      } catch (AssertionError e) {
        return e;
      }
    }).get(10, TimeUnit.SECONDS);
    assertThat(fromElsewhere).isInstanceOf(AssertionError.class)
        .hasMessageContaining("lane-3 used from thread")
        .hasMessageContaining(Thread.currentThread().getName());
  }

  @Test
  void aTaskRunsOnTheLaneAndTheTimersAreReachableThere() throws Exception {
    try (ThreadedLaneExecutor thread = new ThreadedLaneExecutor("lane-thread")) {
      Lane lane = new Lane(0, thread, new ManualClock(0), 10);
      CompletableFuture<Boolean> onLane = new CompletableFuture<>();
      lane.submit(() -> onLane.complete(lane.inLane() && lane.timers() != null));
      assertThat(onLane.get(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(lane::timers).isInstanceOf(AssertionError.class);
    }
  }
}
