package dev.beacon.server.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cluster of Beacon nodes for a test: each node a separate JVM ({@code dev.beacon.server.Main})
 * on a port the OS gives it (port 0; read back from its "listening" line, so no other process
 * can take the port between a probe and the bind), all on the local Redis under a key prefix of their own and on the local
 * PostgreSQL in a schema of their own; both are removed by {@link #close()}.
 *
 * <p>A test class that shares one cluster among its tests registers one made by
 * {@link #perClass}: it is started before the class's tests and closed after them.
 */
final class ClusterNodes implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

  static final String REDIS_URL = "redis://127.0.0.1:6379/0";
  // commits are not waited for on disk (the tests kill Beacon, never PostgreSQL)
  static final String PG_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final java.util.regex.Pattern LISTENING =
      java.util.regex.Pattern.compile("Beacon is listening on https?://[^ ]*:(\\d+)");

  final String prefix = "beacon-test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  final String schema = "beacon_c_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final List<Node> nodes = new ArrayList<>();
  private final int count;
  private final String redisUrl;
  private final Map<String, String> env;
  /** The test class whose {@link #beforeAll} started the nodes (not a nested class of it). */
  private String startedFor;

  private ClusterNodes(int count, String redisUrl, Map<String, String> env) {
    this.count = count;
    this.redisUrl = redisUrl;
    this.env = env;
  }

  /** One node: its process, port and what it printed. */
  static final class Node {
    final String id;
    /** Known once the node is listening (before it is handed out). */
    volatile int port;
    final Process process;
    final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();

    Node(String id, Process process) {
      this.id = id;
      this.process = process;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    /** {@code kill -9}: no shutdown hook runs. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the shutdown hook stops the node gracefully. */
    void stop() throws InterruptedException {
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code count} nodes: the first alone (it migrates the schema), then the others. */
  static ClusterNodes start(int count) throws Exception {
    return start(count, REDIS_URL, Map.of());
  }

  /** As {@link #start(int)}, on another Redis server. */
  static ClusterNodes start(int count, String redisUrl) throws Exception {
    return start(count, redisUrl, Map.of());
  }

  /** Starts {@code count} nodes, each with the extra environment {@code env}. */
  static ClusterNodes start(int count, Map<String, String> env) throws Exception {
    return start(count, REDIS_URL, env);
  }

  private static ClusterNodes start(int count, String redisUrl, Map<String, String> env)
      throws Exception {
    ClusterNodes c = new ClusterNodes(count, redisUrl, env);
    c.launchAll();
    return c;
  }

  /**
   * {@code count} nodes, each with the extra environment {@code env}, for a test class to
   * register as a JUnit extension ({@code @RegisterExtension static final}): started before the
   * class's first test, closed after its last.
   */
  static ClusterNodes perClass(int count, Map<String, String> env) {
    return new ClusterNodes(count, REDIS_URL, env);
  }

  /** As {@link #perClass(int, Map)} with no extra environment. */
  static ClusterNodes perClass(int count) {
    return perClass(count, Map.of());
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (startedFor == null) {
      startedFor = context.getUniqueId();
      launchAll();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (context.getUniqueId().equals(startedFor)) {
      close();
    }
  }

  /** Starts the nodes: the first alone (it migrates the schema), then the others. */
  private void launchAll() throws Exception {
    try {
      nodes.add(launch("n0", env));
      List<Node> rest = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        rest.add(launchAsync("n" + i, env));
      }
      for (Node n : rest) {
        awaitListening(n);
        nodes.add(n);
      }
      for (Node n : nodes) {
        awaitReady(n);
      }
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    }
  }

  Node node(int i) {
    return nodes.get(i);
  }

  /** Starts one more node with extra environment. */
  Node add(String id, Map<String, String> env) throws Exception {
    Node n = launch(id, env);
    nodes.add(n);
    awaitReady(n);
    return n;
  }

  private Node launch(String id, Map<String, String> env) throws Exception {
    Node n = launchAsync(id, env);
    awaitListening(n);
    return n;
  }

  private Node launchAsync(String id, Map<String, String> env) throws Exception {
    Path data = Files.createTempDirectory("beacon-cluster-" + id);
    ProcessBuilder pb = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-ea:dev.beacon...", "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.beacon.server.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().put("BEACON_PORT", "0");
    pb.environment().put("BEACON_DATA_DIR", data.toString());
    pb.environment().put("BEACON_EVENT_LOOPS", "2");
    pb.environment().put("BEACON_SHUTDOWN_DRAIN_SECONDS", "0"); // a SIGTERM closes at once
    pb.environment().put("BEACON_FUNCTIONS_WORKERS", "4");
    pb.environment().put("BEACON_DB_URL", PG_URL);
    pb.environment().put("BEACON_DB_USER", "postgres");
    pb.environment().put("BEACON_DB_SCHEMA", schema);
    pb.environment().put("BEACON_DB_POOL_SIZE", "3");
    pb.environment().put("BEACON_CLUSTER_REDIS_URL", redisUrl);
    pb.environment().put("BEACON_CLUSTER_NODE_ID", id);
    pb.environment().put("BEACON_CLUSTER_KEY_PREFIX", prefix);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return new Node(id, pb.start());
  }

  private void awaitListening(Node n) throws Exception {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(n.process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String line;
    while ((line = out.readLine()) != null) {
      n.log.add(line);
      java.util.regex.Matcher listening = LISTENING.matcher(line);
      if (listening.lookingAt()) {
        n.port = Integer.parseInt(listening.group(1));
        Thread drain = new Thread(() -> {
          try {
            String l;
            while ((l = out.readLine()) != null) {
              n.log.add(l);
              if (n.log.size() > 2000) {
                n.log.poll();
              }
            }
          } catch (java.io.IOException e) {
            // the node's process is gone
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    n.process.destroyForcibly();
    throw new AssertionError("node " + n.id + " did not start:\n" + String.join("\n", n.log));
  }

  /** Waits until the node's /ready says it is ready (registered, pub/sub probed). */
  void awaitReady(Node n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(n, "/ready");
      if (r.statusCode() == 200) {
        return;
      }
      last = r.body();
      Thread.sleep(100);
    }
    throw new AssertionError("node " + n.id + " not ready: " + last);
  }

  /** Calls a built-in function over HTTP as the app's backend; returns its value. */
  static com.fasterxml.jackson.databind.JsonNode function(Node n, String kind, String path,
      String args) throws Exception {
    HttpResponse<String> r = post(n, "/api/" + kind, "{\"path\":\"" + path + "\",\"args\":"
        + args + "}", "Convex app-secret");
    com.fasterxml.jackson.databind.JsonNode body = dev.beacon.protocol.json.Json.parse(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new AssertionError(path + " on " + n.id + ": " + r.statusCode() + " " + r.body());
    }
    return body.get("value");
  }

  /** Whether {@code presence:getUserPresence} on node {@code n} says the user is online. */
  static boolean online(Node n, String userId) throws Exception {
    return function(n, "query", "presence:getUserPresence", "{\"userId\":\"" + userId + "\"}")
        .path("online").asBoolean();
  }

  static HttpResponse<String> get(Node n, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.base() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(Node n, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(n.base() + path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    for (Node n : nodes) {
      n.process.destroyForcibly();
    }
    for (Node n : nodes) {
      n.process.waitFor(10, TimeUnit.SECONDS);
    }
    try (var c = DriverManager.getConnection(PG_URL, "postgres", "");
         var s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    // also when the nodes reached the shared Redis through a relay (a Redis of a test's own
    // holds nothing under the prefix here)
    RedisKeys.delete(prefix);
  }
}
