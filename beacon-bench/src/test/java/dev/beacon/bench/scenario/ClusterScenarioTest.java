package dev.beacon.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterScenarioTest {

  @Test
  void medianOfTheKillTimesIsTheMiddleOneOrTheMeanOfTheMiddleTwo() {
    assertThat(ClusterScenario.median(new long[] {})).isZero();
    assertThat(ClusterScenario.median(new long[] {3900, 3100, 4200})).isEqualTo(3900);
    assertThat(ClusterScenario.median(new long[] {4000, 3000, 5000, 3500})).isEqualTo(3750);
  }
}
