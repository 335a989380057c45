package dev.beacon.bench.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.bench.BenchRuns;
import dev.beacon.bench.config.ConfigException;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.ScenarioKind;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.report.RunResult;
import dev.beacon.bench.report.Sample;
import dev.beacon.bench.report.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code external} target: a server the tool did not start, given by address and process id,
 * is measured and sampled like one it started. The external server here is the baseline server
 * run as its own process (a JVM the tool knows nothing about but its address and pid).
 */
@Timeout(90)
class ExternalTargetTest {

  private static ServerProcess external;
  @TempDir
  static Path out;

  @BeforeAll
  static void startExternalServer() {
    external = ServerProcess.start(TargetKind.BASELINE,
        ScenarioConfig.builder(ScenarioKind.FANOUT).serverEventLoops(1).build(),
        out.resolve("logs"));
  }

  @AfterAll
  static void stop() {
    if (external != null) {
      external.close();
    }
  }

  private static RunResult run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--client-threads=1", "--out=" + out, "--warmup=300ms", "--duration=1s"));
    return BenchRuns.run(all);
  }

  private static double value(RunResult result, String target, String key) {
    return BenchRuns.value(result, target, key);
  }

  @Test
  void externalServerIsMeasuredAndItsProcessSampled() throws Exception {
    long pid = external.pid().getAsLong();
    RunResult r = run("fanout", "--connections=20", "--payloads=64", "--publishers=http,client",
        "--targets=external", "--external=" + external.endpoint(), "--external-pid=" + pid);
    assertThat(r.targets()).containsExactly("external");
    for (String pub : List.of("http", "client")) {
      assertThat(value(r, "external", pub + " 64B deliveries/s")).as(pub).isPositive();
      assertThat(value(r, "external", pub + " 64B p50 at 50%")).as(pub).isPositive();
      assertThat(value(r, "external", pub + " 64B server CPU per delivery at saturation")).as(pub)
          .isPositive();
    }
    // sampled every second from /proc/<pid>, as for a server the tool started
    List<Sample> samples = r.runs().get(0).samples();
    assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.rssMb()).isPositive());
    assertThat(samples).anySatisfy(s -> assertThat(s.cpuPercent()).isPositive());
    assertThat(r.settings().get("running_servers").toString()).contains("pid " + pid);
    assertThat(Table.render(r)).contains("external");
  }

  @Test
  void idleReadsTheExternalJvmsRssAndHeap() throws Exception {
    RunResult r = run("idle", "--connections=30", "--targets=external",
        "--external=" + external.endpoint(), "--external-pid=" + external.pid().getAsLong());
    assertThat(value(r, "external", "connections held")).isEqualTo(30);
    assertThat(value(r, "external", "RSS total")).isPositive();
    // a JVM: its heap is read with jcmd as for a server the tool started
    assertThat(value(r, "external", "live heap total")).isPositive();
    assertThat(Table.render(r)).contains("external").doesNotContain("FAILED");
  }

  @Test
  void externalWithoutAnAddressIsRefused() {
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("fanout", "--targets=beacon,external")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--external=HOST:PORT");
    assertThatThrownBy(() -> ScenarioConfig.parse(List.of("fanout", "--targets=nginx")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("uws")
        .hasMessageContaining("external");
  }

  /** The uWebSockets.js peer, when installed ({@code npm ci} in beacon-bench/uws). */
  @Test
  void uwsServerSpeaksTheBaselineProtocol() throws Exception {
    Path script = Path.of("uws/server.js").toAbsolutePath();
    Assumptions.assumeTrue(Files.isDirectory(script.getParent().resolve("node_modules")),
        "uWebSockets.js not installed: npm ci in " + script.getParent());
    RunResult r = run("fanout", "--connections=20", "--payloads=64", "--publishers=http,client",
        "--targets=uws", "--uws-script=" + script);
    for (String pub : List.of("http", "client")) {
      assertThat(value(r, "uws", pub + " 64B deliveries/s")).as(pub).isPositive();
      assertThat(value(r, "uws", pub + " 64B server CPU per delivery at saturation")).as(pub)
          .isPositive();
    }
  }
}
