package dev.beacon.bench.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.bench.config.ConfigException;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A benchmarked Beacon runs with the flags of the shipped launcher, bin/beacon. */
class LauncherFlagsTest {

  static final Path LAUNCHER = Path.of("../beacon-dist/src/dist/bin/beacon");

  @TempDir
  Path dir;

  @Test
  void theJarCarriesTheLauncherAsItIsInTheDistribution() throws Exception {
    try (var in = LauncherFlags.class.getResourceAsStream(LauncherFlags.RESOURCE)) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(Files.readString(LAUNCHER));
    }
  }

  /** The shell's reading of the script, with a stand-in java that prints its arguments. */
  @Test
  void theFlagsAreExactlyThoseTheLauncherPassesToJava() throws Exception {
    Path home = dir.resolve("beacon");
    Files.createDirectories(home.resolve("bin"));
    Path script = home.resolve("bin/beacon");
    Files.copy(LAUNCHER, script);
    Path jdk = dir.resolve("jdk");
    Files.createDirectories(jdk.resolve("bin"));
    Path java = jdk.resolve("bin/java");
    Path out = dir.resolve("args");
    Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb = new ProcessBuilder("sh", script.toString(), "--config", "x.yaml");
    pb.environment().put("JAVA_HOME", jdk.toString());
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("BEACON_JAVA_EXTRA_OPTS");
    Process p = pb.redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    List<String> args = Files.readAllLines(out);
    int jar = args.indexOf("-jar");
    assertThat(jar).isPositive();
    assertThat(args.subList(0, jar)).isEqualTo(LauncherFlags.shipped());
    assertThat(LauncherFlags.shipped()).contains("-XX:+UseG1GC", "-XX:MaxHeapFreeRatio=30");
  }

  @Test
  void beaconStartsWithTheLauncherFlagsAndTheGivenOnesAfterThem() {
    ScenarioConfig c = config("--server-jvm-args=-Xlog:gc -XX:MaxHeapFreeRatio=70");
    List<String> args = ServerProcess.jvmArgs(TargetKind.BEACON, c);
    List<String> expected = new ArrayList<>(LauncherFlags.shipped());
    expected.remove("-XX:MaxHeapFreeRatio=30");
    expected.addAll(List.of("-Xlog:gc", "-XX:MaxHeapFreeRatio=70"));
    assertThat(args).isEqualTo(expected);
    // the baseline is not Beacon: only what was given
    assertThat(ServerProcess.jvmArgs(TargetKind.BASELINE, c))
        .containsExactly("-Xlog:gc", "-XX:MaxHeapFreeRatio=70");
  }

  @Test
  void aCollectorGivenReplacesG1AndJdkDefaultsDropTheLauncherFlags() {
    List<String> args = LauncherFlags.forBeacon(config("--server-jvm-args=-XX:+UseShenandoahGC"));
    assertThat(args).doesNotContain("-XX:+UseG1GC").endsWith("-XX:+UseShenandoahGC")
        .contains("-XX:MaxHeapFreeRatio=30");
    assertThat(LauncherFlags.forBeacon(
        config("--server-jvm-defaults=jdk", "--server-jvm-args=-Xmx1g"))).containsExactly("-Xmx1g");
    assertThat(LauncherFlags.forBeacon(config("--server-jvm-defaults=jdk"))).isEmpty();
    assertThatThrownBy(() -> config("--server-jvm-defaults=none"))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void flagsOfTheSameNameReplaceEachOther() {
    assertThat(LauncherFlags.merge(
        List.of("-XX:+UseG1GC", "-XX:-Foo", "-XX:Bar=1", "-Dfile.encoding=UTF-8", "-Xmx2g"),
        List.of("-XX:+Foo", "-XX:Bar=2", "-Dfile.encoding=latin1", "-Xmx1g")))
        .containsExactly("-XX:+UseG1GC", "-XX:+Foo", "-XX:Bar=2", "-Dfile.encoding=latin1", "-Xmx1g");
  }

  @Test
  void theReaderRefusesWhatTheShellWouldReadOtherwise() {
    assertThat(LauncherFlags.parse("# DEFAULT_JAVA_OPTS=\"-Xno\"\nDEFAULT_JAVA_OPTS=\"-Xa \\\n-Xb\"\n"))
        .containsExactly("-Xa", "-Xb");
    assertThatThrownBy(() -> LauncherFlags.parse("DEFAULT_JAVA_OPTS=\"$X -Xa\"\n"))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> LauncherFlags.parse("JAVA_OPTS=1\n"))
        .isInstanceOf(IllegalStateException.class);
  }

  static ScenarioConfig config(String... args) {
    List<String> all = new ArrayList<>(List.of("live"));
    all.addAll(List.of(args));
    return ScenarioConfig.parse(all);
  }
}
