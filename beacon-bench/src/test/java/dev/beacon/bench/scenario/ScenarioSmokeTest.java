package dev.beacon.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.bench.BenchRuns;
import dev.beacon.bench.client.BenchTokens;
import dev.beacon.bench.report.RunResult;
import dev.beacon.bench.target.BaselineServer;
import dev.beacon.server.BeaconServer;
import dev.beacon.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each scenario at a tiny size against Beacon and the baseline started in this JVM: the point is
 * that deliveries are counted and latencies recorded, not that anything is fast.
 */
@Timeout(60)
class ScenarioSmokeTest {

  private static BeaconServer beacon;
  private static BaselineServer baseline;
  @TempDir
  static Path out;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_PORT", "0");
    env.put("BEACON_EVENT_LOOPS", "2");
    env.put("BEACON_SHUTDOWN_GRACE_SECONDS", "1");
    env.put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0");
    env.put("BEACON_DATA_DIR", Files.createTempDirectory("beacon-bench-smoke").toString());
    env.put("BEACON_APPS_0_ID", "bench");
    env.put("BEACON_APPS_0_KEY", "bench-key");
    env.put("BEACON_APPS_0_SECRET", "bench-secret");
    env.put("BEACON_APPS_0_CLIENT_EVENTS_PER_SECOND", "100000");
    env.put("BEACON_APPS_0_MAX_PRESENCE_MEMBERS", "1000");
    env.put("BEACON_APPS_0_JWT_SECRET", BenchTokens.SECRET);
    env.put("BEACON_APPS_0_TYPING_PER_SECOND", "10000");
    env.put("BEACON_APPS_0_HEARTBEATS_PER_SECOND", "10000");
    env.put("BEACON_APPS_0_MESSAGES_PER_SECOND", "100000");
    beacon = BeaconServer.start(ConfigLoader.load(Optional.empty(), env));
    baseline = BaselineServer.start("127.0.0.1", 0, 1);
  }

  @AfterAll
  static void stop() {
    if (beacon != null) {
      beacon.stop();
    }
    if (baseline != null) {
      baseline.close();
    }
  }

  private static RunResult run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--beacon=127.0.0.1:" + beacon.port(),
        "--baseline=127.0.0.1:" + baseline.port(), "--heap=false", "--client-threads=1",
        "--out=" + out, "--warmup=300ms", "--duration=1s"));
    return BenchRuns.run(all);
  }

  private static double value(RunResult result, String target, String key) {
    return BenchRuns.value(result, target, key);
  }

  @Test
  void fanoutCountsDeliveriesAndLatencyOnBothServers() throws Exception {
    RunResult r = run("fanout", "--connections=20", "--payloads=64");
    for (String target : List.of("beacon", "baseline")) {
      for (String pub : List.of("http", "client")) {
        assertThat(value(r, target, pub + " 64B deliveries/s")).as(target + " " + pub).isPositive();
        assertThat(value(r, target, pub + " 64B p50 at 50%")).as(target + " " + pub).isPositive();
      }
    }
    assertThat(r.summary()).anySatisfy(row -> assertThat(row.ratio()).isPresent());
  }

  @Test
  void idleHoldsEveryConnection() throws Exception {
    RunResult r = run("idle", "--connections=30");
    assertThat(value(r, "beacon", "connections held")).isEqualTo(30);
    assertThat(value(r, "baseline", "connections held")).isEqualTo(30);
  }

  @Test
  void roomsDeliversTypingToTheOtherMembers() throws Exception {
    RunResult r = run("rooms", "--rooms=3", "--members=4", "--rate=200");
    assertThat(value(r, "beacon", "deliveries/s")).isPositive();
    assertThat(value(r, "beacon", "p50")).isPositive();
  }

  @Test
  void churnDeliversMemberEventsWithLatency() throws Exception {
    // more churners (100) than connections opening at once (16): churners join nothing at first
    RunResult r = run("churn", "--rooms=1", "--members=10", "--rate=100", "--in-flight=16");
    assertThat(value(r, "beacon", "member events delivered/s")).isPositive();
    assertThat(value(r, "beacon", "member_added p99")).isPositive();
    assertThat(value(r, "beacon", "member_removed p99")).isPositive();
  }

  @Test
  void connectStormSubscribesEveryConnection() throws Exception {
    RunResult r = run("connect", "--connections=50", "--targets=beacon,baseline");
    assertThat(value(r, "beacon", "connections established/s")).isPositive();
    assertThat(value(r, "beacon", "failed connections")).isZero();
    assertThat(value(r, "baseline", "time until all subscribed")).isPositive();
  }

  @Test
  void connectRoundsStormTheSameServerAgain() throws Exception {
    RunResult r = run("connect", "--connections=30", "--rounds=2", "--targets=baseline");
    assertThat(r.runs()).hasSize(1);
    assertThat(value(r, "baseline", "connections established/s")).isPositive();
    assertThat(value(r, "baseline", "connections established/s (round 2)")).isPositive();
    assertThat(value(r, "baseline", "failed connections (round 2)")).isZero();
  }

  @Test
  void connectCanWarmTheGeneratorAgainstAThrowawayServerFirst() throws Exception {
    // the tool starts the baseline itself here (twice: the throwaway one, then the measured one)
    RunResult r = BenchRuns.run(List.of("connect", "--connections=20", "--generator-warmup=30",
        "--targets=baseline", "--heap=false", "--client-threads=1", "--out=" + out));
    assertThat(r.settings()).containsEntry("generator_warmup", 30);
    assertThat(value(r, "baseline", "failed connections")).isZero();
    assertThat(value(r, "baseline", "load generator CPU per connection")).isPositive();
    assertThat(value(r, "baseline", "load generator JIT CPU per connection"))
        .isGreaterThanOrEqualTo(0);
    assertThat(value(r, "baseline", "server JIT CPU per connection"))
        .isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(value(r, "baseline", "server CPU per connection"));
    try (var logs = Files.walk(out)) {
      assertThat(logs.filter(f -> f.endsWith(Path.of("warmup", "baseline-server.log")))).hasSize(1);
    }
  }

  @Test
  void liveDeliversTypingChangesToSyncSubscribers() throws Exception {
    RunResult r = run("live", "--rooms=3", "--members=4", "--rate=100", "--targets=beacon");
    assertThat(value(r, "beacon", "live subscriptions")).isEqualTo(12);
    assertThat(value(r, "beacon", "updates delivered/s")).isPositive();
    assertThat(value(r, "beacon", "p99")).isPositive();
    assertThat(value(r, "beacon", "failed typing calls")).isZero();
  }

  @Test
  void heartbeatMeasuresSaturationAndPacedLatency() throws Exception {
    RunResult r = run("heartbeat", "--connections=4", "--users=50", "--rate=200",
        "--targets=beacon");
    assertThat(value(r, "beacon", "heartbeats/s at saturation")).isPositive();
    assertThat(value(r, "beacon", "paced heartbeats/s")).isPositive();
    assertThat(value(r, "beacon", "p99 at 200/s")).isPositive();
    assertThat(value(r, "beacon", "failed calls")).isZero();
  }

  @Test
  void messagesDeliversSendsToMembersOnBothProtocols() throws Exception {
    RunResult r = run("messages", "--rooms=3", "--members=3", "--rate=50", "--targets=beacon");
    assertThat(value(r, "beacon", "sends/s at saturation")).isPositive();
    assertThat(value(r, "beacon", "Pusher deliveries/s at saturation")).isPositive();
    assertThat(value(r, "beacon", "Pusher new-message delivered of expected at 50/s")).isEqualTo(100);
    assertThat(value(r, "beacon", "Pusher p99 at 50/s")).isPositive();
    assertThat(value(r, "beacon", "live query p99 at 50/s")).isPositive();
    assertThat(value(r, "beacon", "failed sends")).isZero();
  }

  @Test
  void streamDeliversChunksAndCoalescedUpdatesToWatchers() throws Exception {
    RunResult r = run("stream", "--rooms=2", "--members=3", "--rate=100", "--targets=beacon");
    assertThat(value(r, "beacon", "chunks appended/s")).isPositive();
    assertThat(value(r, "beacon", "message-chunk delivered of expected")).isEqualTo(100);
    assertThat(value(r, "beacon", "message-chunk p99")).isPositive();
    assertThat(value(r, "beacon", "live-query updates/s")).isPositive();
    assertThat(value(r, "beacon", "live-query update p99 (newest chunk shown)")).isPositive();
    assertThat(value(r, "beacon", "failed calls")).isZero();
  }
}
