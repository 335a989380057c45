package dev.beacon.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimerWheelTest {

  private final TimerWheel wheel = new TimerWheel(100, 8, 0);
  private final List<String> fired = new ArrayList<>();

  @Test
  void firesAtOrAfterDeadlineNeverBefore() {
    wheel.schedule(250, () -> fired.add("a"));
    wheel.advance(200);
    assertThat(fired).isEmpty();
    wheel.advance(299);
    assertThat(fired).isEmpty(); // at most one tick late
    wheel.advance(300);
    assertThat(fired).containsExactly("a");
    assertThat(wheel.size()).isZero();
  }

  @Test
  void timersManyRevolutionsAwayWaitTheirTurn() {
    wheel.schedule(100 * 8 * 3 + 50, () -> fired.add("far"));
    wheel.schedule(150, () -> fired.add("near"));
    wheel.advance(1000);
    assertThat(fired).containsExactly("near");
    wheel.advance(2399);
    assertThat(fired).containsExactly("near");
    wheel.advance(2500);
    assertThat(fired).containsExactly("near", "far");
  }

  @Test
  void cancelledTimersDoNotFire() {
    TimerWheel.Timeout t = wheel.schedule(150, () -> fired.add("x"));
    t.cancel();
    t.cancel();
    wheel.advance(1000);
    assertThat(fired).isEmpty();
    assertThat(t.isPending()).isFalse();
  }

  @Test
  void aTaskMayRescheduleIntoTheBucketBeingRun() {
    wheel.schedule(100, () -> {
      fired.add("first");
      wheel.schedule(100 + 800, () -> fired.add("next revolution"));
    });
    wheel.advance(100);
    assertThat(fired).containsExactly("first");
    wheel.advance(899);
    assertThat(fired).containsExactly("first");
    wheel.advance(900);
    assertThat(fired).containsExactly("first", "next revolution");
  }

  @Test
  void aTaskMayCancelTheNextTimerInItsBucket() {
    List<TimerWheel.Timeout> holder = new ArrayList<>();
    wheel.schedule(100, () -> {
      fired.add("a");
      holder.get(0).cancel();
    });
    holder.add(wheel.schedule(100, () -> fired.add("b")));
    wheel.schedule(100, () -> fired.add("c"));
    wheel.advance(100);
    assertThat(fired).containsExactly("a", "c");
  }

  @Test
  void pastDeadlinesFireOnTheNextTick() {
    wheel.advance(1000);
    wheel.schedule(10, () -> fired.add("late"));
    wheel.advance(1100);
    assertThat(fired).containsExactly("late");
  }
}
