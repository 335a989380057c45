package dev.beacon.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The archive as a user gets it: unpacked with {@code tar}, started with {@code bin/beacon
 * --config conf/beacon.yaml} (the example configuration, in production mode, with its secrets in
 * the environment as the systemd unit passes them), answering {@code /health}, and stopped with
 * SIGTERM.
 */
class DistributionTest {

  private static final Pattern LISTENING = Pattern.compile("Beacon is listening on \\S*:(\\d+)");

  private Path dir;
  private Process beacon;

  @BeforeEach
  void unpack() throws Exception {
    Path archive = Path.of(System.getProperty("beacon.dist"));
    assertThat(archive).as("the archive the build made").exists();
    dir = Files.createTempDirectory("beacon-dist");
    Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString())
        .inheritIO().start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).isZero();
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (beacon != null && beacon.isAlive()) {
      beacon.destroyForcibly();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Path home() {
    return dir.resolve("beacon-" + System.getProperty("beacon.version"));
  }

  @Test
  void theArchiveHoldsTheLauncherTheJarAnExampleConfigurationASystemdUnitAndTheDocs() {
    Path home = home();
    assertThat(home.resolve("bin/beacon")).isExecutable();
    assertThat(home.resolve("lib/beacon.jar")).isRegularFile();
    assertThat(home.resolve("conf/beacon.yaml")).content().contains("mode: production");
    assertThat(home.resolve("conf/beacon.env")).content().contains("BEACON_APPS_0_SECRET=");
    assertThat(home.resolve("systemd/beacon.service")).content()
        .contains("ExecStart=/opt/beacon/bin/beacon --config /etc/beacon/beacon.yaml")
        .contains("EnvironmentFile=/etc/beacon/beacon.env");
    assertThat(home.resolve("README.md")).isRegularFile();
    assertThat(home.resolve("docs/CONFIGURATION.md")).isRegularFile();
    assertThat(home.resolve("docs/INSTALL.md")).isRegularFile();
  }

  @Test
  void binBeaconStartsWithTheExampleConfigurationAnswersHealthAndStopsOnSigterm() throws Exception {
    Path home = home();
    Path data = Files.createDirectory(dir.resolve("data"));
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/beacon").toString(),
        "--config", home.resolve("conf/beacon.yaml").toString());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("BEACON_") || k.equals("JAVA_OPTS"));
    // what /etc/beacon/beacon.env holds in a real installation; the test binds loopback on a
    // free port and keeps its data in its own folder
    env.put("BEACON_APPS_0_SECRET", UUID.randomUUID().toString());
    env.put("BEACON_APPS_0_ADMIN_KEY", UUID.randomUUID().toString());
    env.put("BEACON_HOST", "127.0.0.1");
    env.put("BEACON_PORT", "0");
    env.put("BEACON_DATA_DIR", data.toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    beacon = pb.start();

    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(beacon.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(lines::add);
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();

    int port = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (port < 0 && System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        assertThat(beacon.isAlive()).as("bin/beacon exited:\n" + output).isTrue();
        continue;
      }
      output.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      }
    }
    assertThat(port).as("the listening line of bin/beacon:\n" + output).isPositive();
    assertThat(output).contains("production mode");

    HttpResponse<String> health = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("UP");
    // the launcher's JVM flags reach the JVM (it exec'd the shell, so it is the same process);
    // those that give memory back after a burst of connections among them
    assertThat(beacon.info().arguments().map(java.util.List::of).orElse(java.util.List.of()))
        .contains("-XX:MaxRAMPercentage=70", "-XX:G1PeriodicGCInterval=30000",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30");

    beacon.destroy(); // SIGTERM reaches the JVM: the launcher exec'd it
    assertThat(beacon.waitFor(60, TimeUnit.SECONDS)).as("bin/beacon stopped on SIGTERM").isTrue();
    assertThat(beacon.exitValue()).isIn(0, 143);
  }

  @Test
  void binBeaconHelpPrintsTheUsage() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(home().resolve("bin/beacon").toString(), "--help");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(out).contains("--config FILE");
  }
}
