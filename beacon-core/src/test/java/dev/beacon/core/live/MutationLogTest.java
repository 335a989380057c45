package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.protocol.convex.sync.SyncServerMessage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MutationLogTest {

  @Test
  void aRequestSeenAgainIsAnsweredFromTheLog() {
    MutationLog log = new MutationLog();
    assertThat(log.begin("s", 1, e -> {})).isTrue();
    log.finish("s", 1, new SyncServerMessage.Ping(), 42);
    AtomicReference<MutationLog.Entry> known = new AtomicReference<>();
    assertThat(log.begin("s", 1, known::set)).isFalse();
    assertThat(known.get().ts()).isEqualTo(42);
  }

  @Test
  void boundedPerSessionAndInAll() {
    MutationLog log = new MutationLog();
    for (int r = 0; r < MutationLog.MAX_REQUESTS * 2; r++) {
      log.begin("one", r, e -> {});
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
    assertThat(log.begin("s1999", 99, e -> {})).isFalse();
  }
}
