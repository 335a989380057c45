package dev.beacon.bench.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioConfigTest {

  @Test
  void fanoutDefaultsCompareBeaconWithTheBaseline() {
    ScenarioConfig c = ScenarioConfig.parse(List.of("fanout"));
    assertThat(c.scenario()).isEqualTo(ScenarioKind.FANOUT);
    assertThat(c.targets()).containsExactly(TargetKind.BEACON, TargetKind.BASELINE);
    assertThat(c.connections()).isEqualTo(1000);
    assertThat(c.payloads()).containsExactly(64, 1024);
    assertThat(c.publishers()).containsExactly("http", "client");
    assertThat(c.fraction()).isEqualTo(0.5);
  }

  @Test
  void theGeneratorWarmupIsForConnectAndItsCopyIsOneSmallStorm() {
    ScenarioConfig c = ScenarioConfig.parse(List.of("connect", "--connections=10k",
        "--generator-warmup=5k", "--rounds=3", "--repeat=2"));
    assertThat(c.generatorWarmup()).isEqualTo(5000);
    assertThat(ScenarioConfig.parse(List.of("connect")).generatorWarmup()).isZero();
    ScenarioConfig warm = c.forGeneratorWarmup(c.generatorWarmup());
    assertThat(warm.connections()).isEqualTo(5000);
    assertThat(warm.rounds()).isEqualTo(1);
    assertThat(warm.repeat()).isEqualTo(1);
    assertThat(warm.generatorWarmup()).isZero();
    assertThat(warm.targets()).isEqualTo(c.targets());
    assertThat(warm.inFlight()).isEqualTo(c.inFlight());
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("fanout", "--generator-warmup=100")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("connect only");
  }

  @Test
  void roomsAndChurnMeasureOnlyBeaconByDefault() {
    assertThat(ScenarioConfig.parse(List.of("rooms")).targets()).containsExactly(TargetKind.BEACON);
    ScenarioConfig churn = ScenarioConfig.parse(List.of("churn"));
    assertThat(churn.members()).isEqualTo(500);
    assertThat(churn.rate()).isEqualTo(2000);
  }

  @Test
  void liveAndHeartbeatDefaultToTheLiveQueryGoalsOnBeaconAlone() {
    ScenarioConfig live = ScenarioConfig.parse(List.of("live"));
    assertThat(live.targets()).containsExactly(TargetKind.BEACON);
    assertThat(live.rooms() * live.members()).isEqualTo(10_000);
    assertThat(live.rate()).isEqualTo(1000);
    ScenarioConfig hb = ScenarioConfig.parse(List.of("heartbeat", "--users=20k"));
    assertThat(hb.targets()).containsExactly(TargetKind.BEACON);
    assertThat(hb.rate()).isEqualTo(50_000);
    assertThat(hb.connections()).isEqualTo(64);
    assertThat(hb.users()).isEqualTo(20_000);
  }

  @Test
  void sizesRatesAndDurationsAcceptSuffixes() {
    ScenarioConfig c = ScenarioConfig.parse(List.of("fanout", "--connections=10k",
        "--payloads=64,1kb", "--duration=1.5s", "--warmup", "500ms", "--rate=2k",
        "--beacon=127.0.0.1:6001", "--heap=false"));
    assertThat(c.connections()).isEqualTo(10_000);
    assertThat(c.payloads()).containsExactly(64, 1024);
    assertThat(c.duration()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.warmup()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.rate()).isEqualTo(2000);
    assertThat(c.beaconAddress()).contains("127.0.0.1:6001");
    assertThat(c.heapSamples()).isFalse();
  }

  @Test
  void unknownOptionIsNamed() {
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("idle", "--conections=5")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--conections");
  }

  @Test
  void badValueNamesTheOptionAndTheValue() {
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("idle", "--connections=many")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--connections").hasMessageContaining("many");
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("fanout", "--publishers=carrier-pigeon")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("carrier-pigeon");
  }

  @Test
  void unknownScenarioListsTheScenarios() {
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("soak")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("idle, fanout, rooms, churn, connect");
  }
}
