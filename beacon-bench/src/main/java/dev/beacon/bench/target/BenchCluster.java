package dev.beacon.bench.target;

import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Beacon cluster on this machine for the {@code cluster} scenario: nodes as separate JVMs from
 * the Beacon jar, sharing the local Redis (127.0.0.1:6379, a key prefix of this run's own) and
 * the local PostgreSQL (127.0.0.1:5432, db {@code test}, a schema of this run's own). Node 0 is
 * the {@link ServerUnderTest} the tool samples. {@link #close()} kills every node, drops the
 * schema and deletes the run's Redis keys (with {@code psql} and {@code redis-cli}).
 */
public final class BenchCluster implements ServerUnderTest {

  public static final String REDIS_URL = "redis://127.0.0.1:6379/0";
  public static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";

  /** One node: its name, where it listens and its process. */
  public record Node(String id, Endpoint endpoint, Process process) {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ScenarioConfig config;
  private final Path logs;
  private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String schema = "beacon_bench_" + suffix;
  private final String prefix = "beacon-bench-" + suffix + ":";
  private final Path yaml;
  private final List<Node> nodes = new ArrayList<>();
  private int started;

  private BenchCluster(ScenarioConfig config, Path logs) throws IOException {
    this.config = config;
    this.logs = logs;
    Files.createDirectories(logs);
    Path dir = Files.createTempDirectory("beacon-bench-cluster");
    this.yaml = dir.resolve("beacon-bench.yaml");
    Files.writeString(yaml, ServerProcess.beaconYaml(config));
  }

  /** Starts {@code count} nodes: the first alone (it migrates the schema), then the others. */
  public static BenchCluster start(ScenarioConfig config, Path logs, int count) {
    BenchCluster c;
    try {
      c = new BenchCluster(config, logs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      c.nodes.add(c.launch());
      c.awaitReady(c.nodes.get(0));
      List<Node> rest = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        rest.add(c.launch());
      }
      for (Node n : rest) {
        c.awaitReady(n);
        c.nodes.add(n);
      }
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  /** {@code kill -9} of node {@code i}; returns the time of the kill (System.nanoTime). */
  public long kill(int i) throws InterruptedException {
    Process p = nodes.get(i).process();
    long at = System.nanoTime();
    p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook runs
    p.waitFor(10, TimeUnit.SECONDS);
    return at;
  }

  /** Starts a fresh node (a new name) in place of node {@code i} and waits until it is ready. */
  public Node replace(int i) {
    Node n = launch();
    awaitReady(n);
    nodes.set(i, n);
    return n;
  }

  private Node launch() {
    try {
      Path jar = config.beaconJar();
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("no Beacon jar at " + jar.toAbsolutePath()
            + ": build it with 'mvn -B -q -DskipTests package' or give --beacon-jar");
      }
      String id = "bench-n" + started++;
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(LauncherFlags.forBeacon(config));
      cmd.addAll(List.of("-jar", jar.toString(), "--config", yaml.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
      pb.environment().put("BEACON_PORT", Integer.toString(port));
      pb.environment().put("BEACON_DATA_DIR", Files.createTempDirectory("beacon-bench-" + id).toString());
      pb.environment().put("BEACON_LOG_LEVEL", "WARN");
      pb.environment().put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0");
      pb.environment().put("BEACON_DB_URL", PG_URL);
      pb.environment().put("BEACON_DB_USER", "postgres");
      pb.environment().put("BEACON_DB_SCHEMA", schema);
      pb.environment().put("BEACON_DB_POOL_SIZE", "3");
      pb.environment().put("BEACON_CLUSTER_REDIS_URL", REDIS_URL);
      pb.environment().put("BEACON_CLUSTER_NODE_ID", id);
      pb.environment().put("BEACON_CLUSTER_KEY_PREFIX", prefix);
      Path log = logs.resolve("cluster-" + id + ".log");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      return new Node(id, new Endpoint("127.0.0.1", port), pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits (up to 90 s) until the node's {@code /ready} answers 200: registered, pub/sub heard. */
  private void awaitReady(Node n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String last = "not listening";
    while (System.nanoTime() < deadline) {
      if (!n.process().isAlive()) {
        throw new IllegalStateException("cluster node " + n.id() + " exited with "
            + n.process().exitValue() + "; see " + logs.resolve("cluster-" + n.id() + ".log"));
      }
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://" + n.endpoint().host() + ":" + n.endpoint().port() + "/ready"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    n.process().destroyForcibly();
    throw new IllegalStateException("cluster node " + n.id() + " not ready within 90 s: " + last);
  }

  @Override
  public TargetKind kind() {
    return TargetKind.BEACON;
  }

  @Override
  public Endpoint endpoint() {
    return nodes.get(0).endpoint();
  }

  @Override
  public OptionalLong pid() {
    return nodes.isEmpty() ? OptionalLong.empty() : OptionalLong.of(nodes.get(0).process().pid());
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.process().destroyForcibly();
    }
    for (Node n : nodes) {
      try {
        n.process().waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    nodes.clear();
    run("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-c",
        "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    String keys = run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "--scan", "--pattern", prefix + "*");
    List<String> batch = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", "6379", "DEL"));
    for (String key : keys.split("\n")) {
      if (!key.isBlank()) {
        batch.add(key.trim());
      }
      if (batch.size() >= 505) {
        run(batch.toArray(String[]::new));
        batch.subList(5, batch.size()).clear();
      }
    }
    if (batch.size() > 5) {
      run(batch.toArray(String[]::new));
    }
  }

  /** Runs a clean-up command; reports, but does not throw on, a failure. */
  private static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.err.println("beacon-bench: clean-up '" + cmd[0] + "' failed: " + out.trim());
      }
      return out;
    } catch (IOException e) {
      System.err.println("beacon-bench: clean-up '" + cmd[0] + "' failed: " + e);
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
