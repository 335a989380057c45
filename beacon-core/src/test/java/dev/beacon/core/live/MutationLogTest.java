package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.protocol.convex.sync.SyncServerMessage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MutationLogTest {

  @Test
  void aRequestSeenAgainIsAnsweredFromTheLog() {
    MutationLog log = new MutationLog();
    MutationLog.Entry started = log.begin("s", 1, e -> {});
    assertThat(started).isNotNull();
    log.finish(started, new SyncServerMessage.Ping(), 42);
    AtomicReference<MutationLog.Entry> known = new AtomicReference<>();
    assertThat(log.begin("s", 1, known::set)).isNull();
    assertThat(known.get().ts()).isEqualTo(42);
  }

  @Test
  void aRetryWaitingOnARunningRequestIsAnsweredEvenIfTheLogForgotIt() {
    MutationLog log = new MutationLog();
    MutationLog.Entry running = log.begin("s", 1, e -> {});
    AtomicReference<MutationLog.Entry> told = new AtomicReference<>();
    assertThat(log.begin("s", 1, told::set)).isNull(); // the retry waits
    for (int r = 2; r < 2 + MutationLog.MAX_REQUESTS; r++) {
      log.begin("s", r, e -> {}); // pushes request 1 out of the session's log
    }
    log.finish(running, new SyncServerMessage.Ping(), 7);
    assertThat(told.get()).isNotNull();
    assertThat(told.get().ts()).isEqualTo(7);
  }

  @Test
  void boundedPerSessionAndInAll() {
    MutationLog log = new MutationLog();
    for (int r = 0; r < MutationLog.MAX_REQUESTS * 2; r++) {
      log.begin("one", r, e -> { });
    }
    assertThat(log.size()).isEqualTo(MutationLog.MAX_REQUESTS);
    // many sessions each with many requests: never more than the global bound
    for (int s = 0; s < 2_000; s++) {
      for (int r = 0; r < 100; r++) {
        log.begin("s" + s, r, e -> {});
      }
      assertThat(log.size()).isLessThanOrEqualTo(MutationLog.MAX_ENTRIES);
    }
    assertThat(log.size()).isGreaterThan(MutationLog.MAX_ENTRIES - 100);
    // the most recent session is intact
    assertThat(log.begin("s1999", 99, e -> {})).isNull();
  }
}
