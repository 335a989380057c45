package dev.beacon.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.store.DurableWrites;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  final AtomicLong wall = new AtomicLong(1_700_000_000_000_000_000L);
  final AtomicLong stored = new AtomicLong();

  Timestamps timestamps() {
    return new Timestamps(new Timestamps.Store() {
      @Override
      public long load() {
        return stored.get();
      }

      @Override
      public void save(long reserve) {
        stored.set(reserve);
      }
    }, DurableWrites.DIRECT, wall::get);
  }

  @Test
  void strictlyIncreasingEvenWhenTheWallClockStepsBack() {
    Timestamps t = timestamps();
    long a = t.next();
    wall.addAndGet(-5_000_000_000L);
    long b = t.next();
    assertThat(b).isGreaterThan(a);
  }

  @Test
  void aRestartStartsAboveEveryTimestampGivenBefore() {
    Timestamps first = timestamps();
    long given = 0;
    for (int i = 0; i < 1000; i++) {
      given = first.next();
    }
    wall.addAndGet(-60_000_000_000L); // the new process's clock is behind
    assertThat(timestamps().next()).isGreaterThan(given);
  }

  @Test
  void anObservedTimestampIsNeverAnsweredWithALowerOne() {
    Timestamps t = timestamps();
    long seen = t.next() + 30_000_000_000L; // e.g. given by this server before its clock stepped back
    assertThat(t.observe(seen)).isTrue();
    assertThat(t.next()).isGreaterThan(seen);
  }

  @Test
  void aClaimFarAheadOfAnythingGivenIsIgnored() {
    Timestamps t = timestamps();
    long before = t.next();
    long storedBefore = stored.get();
    assertThat(t.observe(4_000_000_000_000_000_000L)).isFalse();
    assertThat(t.observe(-1)).isFalse();
    long after = t.next();
    assertThat(after).isGreaterThan(before).isLessThan(wall.get() + Timestamps.MAX_AHEAD_NANOS);
    assertThat(stored.get()).isEqualTo(storedBefore);
  }

  @Test
  void claimsAtTheLimitOverAndOverDoNotRatchetTheClockAhead() {
    Timestamps t = timestamps();
    long limit = wall.get() + Timestamps.MAX_AHEAD_NANOS;
    for (int i = 0; i < 10_000; i++) {
      t.observe(limit);
      t.observe(t.next() + 60_000_000_000L); // what the raised reserve would allow next
      t.next();
    }
    assertThat(t.next()).isLessThan(limit + 1_000_000_000L);
  }
}
