package dev.beacon.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionDeadlinesTest {

  private final ManualClock clock = new ManualClock(0);
  private final ExpiryScheduler expiry = new ExpiryScheduler(clock, 10);
  private final List<String> ended = new ArrayList<>();
  private final SessionDeadlines[] self = new SessionDeadlines[1];
  private int firings;
  private final SessionDeadlines sessions = new SessionDeadlines(expiry, () -> {
    firings++;
    ended.addAll(self[0].expire(clock.millis()));
  });

  {
    self[0] = sessions;
  }

  private void runTo(long millis) {
    clock.advance(millis - clock.millis());
    expiry.tick();
  }

  @Test
  void eachSessionEndsAtItsOwnDeadline() {
    sessions.renew("phone", 1_000);
    sessions.renew("laptop", 3_000);
    runTo(1_000);
    assertThat(ended).containsExactly("phone");
    assertThat(sessions.isEmpty()).isFalse();
    runTo(3_000);
    assertThat(ended).containsExactly("phone", "laptop");
    assertThat(sessions.isEmpty()).isTrue();
    assertThat(sessions.timerPending()).isFalse();
  }

  @Test
  void renewingLaterCostsNoTimerAndTheTimerReArmsWhenItFires() {
    sessions.renew("tab", 1_000);
    for (int i = 1; i <= 50; i++) {
      sessions.renew("tab", 1_000 + i * 100L);
    }
    assertThat(expiry.size()).isEqualTo(1);
    runTo(1_000);
    assertThat(ended).isEmpty(); // the one timer fired, found the session renewed, re-armed
    assertThat(firings).isEqualTo(1);
    runTo(6_000);
    assertThat(ended).containsExactly("tab");
    assertThat(firings).isEqualTo(2);
  }

  @Test
  void anEarlierDeadlineMovesTheTimerForward() {
    sessions.renew("slow", 5_000);
    sessions.renew("fast", 500);
    runTo(500);
    assertThat(ended).containsExactly("fast");
    assertThat(sessions.timerPending()).isTrue();
  }

  @Test
  void endAllStopsTheTimer() {
    sessions.renew("a", 1_000);
    sessions.renew("b", 2_000);
    sessions.endAll();
    runTo(5_000);
    assertThat(firings).isZero();
    assertThat(sessions.isEmpty()).isTrue();
  }

  @Test
  void anEndedSessionDoesNotExpireAgain() {
    sessions.renew("a", 1_000);
    assertThat(sessions.end("a")).isTrue();
    assertThat(sessions.end("a")).isFalse();
    runTo(1_000);
    assertThat(ended).isEmpty();
  }
}
