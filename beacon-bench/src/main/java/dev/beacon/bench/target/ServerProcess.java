package dev.beacon.bench.target;

import dev.beacon.bench.client.BenchTokens;
import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A server the tool starts as its own process, so that its CPU, memory and heap are its own:
 * Beacon from its jar with a bench app of generous limits and the JVM flags of {@code bin/beacon}
 * ({@link LauncherFlags}), the {@link BaselineServer} (a JVM), or
 * the uWebSockets.js server script ({@code node beacon-bench/uws/server.js}). Output goes to a
 * log file beside the run's results.
 */
public final class ServerProcess implements ServerUnderTest {

  private final TargetKind kind;
  private final Process process;
  private final Endpoint endpoint;

  private ServerProcess(TargetKind kind, Process process, Endpoint endpoint) {
    this.kind = kind;
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts the server of {@code kind} and returns once it accepts connections. */
  public static ServerProcess start(TargetKind kind, ScenarioConfig config, Path logDir) {
    try {
      Files.createDirectories(logDir);
      int port = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvmArgs(kind, config));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      Path log = logDir.resolve(kind.label() + "-server.log");
      if (kind == TargetKind.BEACON) {
        Path jar = config.beaconJar();
        if (!Files.isRegularFile(jar)) {
          throw new IllegalStateException("no Beacon jar at " + jar.toAbsolutePath()
              + ": build it with 'mvn -B -q -DskipTests package' or give --beacon-jar");
        }
        Path dir = Files.createTempDirectory("beacon-bench");
        Path yaml = dir.resolve("beacon-bench.yaml");
        Files.writeString(yaml, beaconYaml(config));
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.add("--config");
        cmd.add(yaml.toString());
        pb.command(cmd);
        pb.environment().put("BEACON_PORT", Integer.toString(port));
        pb.environment().put("BEACON_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("BEACON_LOG_LEVEL", "WARN");
      } else if (kind == TargetKind.UWS) {
        cmd.clear();
        cmd.addAll(uwsCommand(config, port));
        pb.command(cmd);
      } else if (kind == TargetKind.BASELINE) {
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BaselineServer.class.getName());
        cmd.add("--port=" + port);
        cmd.add("--threads=" + config.serverEventLoops());
        pb.command(cmd);
      } else {
        throw new IllegalStateException("the tool does not start " + kind.label()
            + " servers: give --" + kind.label() + "=HOST:PORT");
      }
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      Process p = pb.start();
      Endpoint endpoint = new Endpoint("127.0.0.1", port);
      awaitListening(p, endpoint, log);
      return new ServerProcess(kind, p, endpoint);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The JVM flags of a server of {@code kind}: Beacon runs with the shipped launcher's flags and
   * {@code --server-jvm-args} ({@link LauncherFlags}), the baseline with {@code --server-jvm-args}
   * only.
   */
  static List<String> jvmArgs(TargetKind kind, ScenarioConfig config) {
    return kind == TargetKind.BEACON ? LauncherFlags.forBeacon(config)
        : LauncherFlags.words(config.serverJvmArgs());
  }

  /**
   * The configuration of the Beacon under test: one bench app with limits out of the way. The
   * generator opens its HTTP publishers' connections before the subscribers (which can take
   * longer than the request deadline) and thousands of sockets from one address at once, so the
   * request deadline, the keep-alive idle timeout and the per-address cap are out of the way too.
   */
  static String beaconYaml(ScenarioConfig config) {
    return """
        mode: development
        host: 127.0.0.1
        event_loops: %d
        shutdown_grace_seconds: 1
        shutdown:
          drain_seconds: 0
        websocket:
          max_buffered_bytes: 16777216
          lane_queue_limit: 262144
        http:
          request_timeout_seconds: 3600
          idle_timeout_seconds: 86400
          max_pending_per_address: 0
        apps:
          - id: %s
            key: %s
            secret: %s
            client_events: true
            max_connections: 0
            max_presence_members: 10000
            client_events_per_second: 1000000
            jwt_secret: %s
            heartbeats_per_second: 10000
            typing_per_second: 10000
            messages_per_second: 100000
        """.formatted(config.serverEventLoops(), config.appId(), config.appKey(), config.appSecret(),
        BenchTokens.SECRET);
  }

  /**
   * {@code node <script> --port=N}: Node itself, not npm, so that the process id sampled is the
   * server's. The script's dependency must have been installed ({@code npm ci} beside it).
   */
  static List<String> uwsCommand(ScenarioConfig config, int port) {
    Path script = config.uwsScript();
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("no uWebSockets.js server script at "
          + script.toAbsolutePath() + ": run from the repository's root or give --uws-script");
    }
    Path modules = script.toAbsolutePath().getParent().resolve("node_modules")
        .resolve("@trufflesuite").resolve("uws-js-unofficial");
    if (!Files.isDirectory(modules)) {
      throw new IllegalStateException("uWebSockets.js is not installed beside " + script
          + ": run 'npm ci' in " + script.toAbsolutePath().getParent());
    }
    return List.of(config.node(), script.toAbsolutePath().toString(), "--port=" + port);
  }

  private static void awaitListening(Process p, Endpoint endpoint, Path log) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the server exited with " + p.exitValue()
            + " before listening; see " + log.toAbsolutePath());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 500);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("the server did not listen on " + endpoint + " within 60 s; see " + log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public TargetKind kind() {
    return kind;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(process.pid());
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
