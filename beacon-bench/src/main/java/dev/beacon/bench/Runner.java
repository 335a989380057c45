package dev.beacon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.ScenarioKind;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.report.Metric;
import dev.beacon.bench.report.RunResult;
import dev.beacon.bench.report.SvgChart;
import dev.beacon.bench.report.TargetRun;
import dev.beacon.bench.scenario.RunContext;
import dev.beacon.bench.scenario.Scenario;
import dev.beacon.bench.target.BenchCluster;
import dev.beacon.bench.target.ServerProcess;
import dev.beacon.bench.target.ServerUnderTest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a scenario against each server in turn — Beacon, then the baseline (and uWebSockets.js or
 * an external server when asked), same sizes, on the same machine — as many times as asked, and
 * writes the results: a JSON file and an SVG picture under the output folder, named for the
 * scenario and the time.
 */
public final class Runner {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final ScenarioConfig config;
  private final String command;

  public Runner(ScenarioConfig config, String command) {
    this.config = config;
    this.command = command;
  }

  /** The files a run wrote. */
  public record Written(RunResult result, Path json, Path svg) {}

  public Written run() throws IOException {
    Instant started = Instant.now();
    String name = config.scenario().cliName() + "-" + STAMP.format(started);
    Path dir = config.outputDir();
    Files.createDirectories(dir);
    List<TargetRun> runs = new ArrayList<>();
    if (config.generatorWarmup() > 0) {
      warmGenerator(dir.resolve(name + "-logs"));
    }
    for (int repeat = 1; repeat <= config.repeat(); repeat++) {
      for (TargetKind target : config.targets()) {
        runs.add(runOnce(target, repeat, dir.resolve(name + "-logs")));
      }
    }
    RunResult result = new RunResult(config.scenario().cliName(), command,
        DateTimeFormatter.ISO_INSTANT.format(started), machine(), settings(), runs,
        RunResult.summarize(runs));
    Path json = dir.resolve(name + ".json");
    Path svg = dir.resolve(name + ".svg");
    mapper().writeValue(json.toFile(), result);
    Files.writeString(svg, SvgChart.render(result));
    return new Written(result, json, svg);
  }

  /**
   * Opens {@code --generator-warmup} connections against a throwaway server of each target the
   * tool starts (stopped again before the measured runs, which each get a fresh server as
   * always), so that the load generator's code is compiled before any measured storm: the
   * generator shares the cores with the server, and its JIT compilers otherwise ran during the
   * first target's storm only. Servers already running are not stormed (that would warm them).
   */
  private void warmGenerator(Path logs) {
    ScenarioConfig warm = config.forGeneratorWarmup(config.generatorWarmup());
    for (TargetKind target : config.targets()) {
      if (config.address(target).isPresent()) {
        continue;
      }
      System.err.printf("beacon-bench: warming the load generator: %d connections to a throwaway %s%n",
          warm.connections(), target.label());
      try (ServerUnderTest server = ServerProcess.start(target, warm, logs.resolve("warmup"));
          RunContext ctx = new RunContext(warm, server)) {
        Scenario.of(warm.scenario()).run(ctx);
      } catch (Exception e) {
        throw new IllegalStateException("the load generator's warm-up against " + target.label()
            + " failed: " + e.getMessage(), e);
      }
    }
  }

  private TargetRun runOnce(TargetKind target, int repeat, Path logs) {
    System.err.printf("beacon-bench: %s on %s (%d/%d)%n", config.scenario().cliName(),
        target.label(), repeat, config.repeat());
    ServerUnderTest server = null;
    RunContext ctx = null;
    Thread stopOnExit = null;
    try {
      server = serverFor(target, logs);
      // a started server must not outlive the tool, even when the tool is interrupted
      ServerUnderTest started = server;
      stopOnExit = new Thread(started::close, "stop-" + target.label());
      Runtime.getRuntime().addShutdownHook(stopOnExit);
      ctx = new RunContext(config, server);
      List<Metric> metrics = Scenario.of(config.scenario()).run(ctx);
      return new TargetRun(target.label(), repeat, metrics, ctx.sampler().samples(), "");
    } catch (Exception e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      System.err.println("beacon-bench: " + target.label() + " failed: " + message);
      return new TargetRun(target.label(), repeat, List.of(),
          ctx == null ? List.of() : ctx.sampler().samples(), message);
    } finally {
      if (ctx != null) {
        ctx.close();
      }
      if (server != null) {
        server.close();
      }
      if (stopOnExit != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) {
          // already shutting down: the hook stops the server
        }
      }
    }
  }

  private ServerUnderTest serverFor(TargetKind target, Path logs) {
    if (config.scenario() == ScenarioKind.CLUSTER) {
      if (target != TargetKind.BEACON || config.beaconAddress().isPresent()) {
        throw new IllegalStateException("cluster runs only Beacon nodes the tool starts itself");
      }
      return BenchCluster.start(config, logs, 3);
    }
    var address = config.address(target);
    if (address.isPresent()) {
      WireProtocol protocol = target == TargetKind.BEACON ? WireProtocol.PUSHER
          : target == TargetKind.EXTERNAL ? config.externalProtocol() : WireProtocol.RAW;
      return ServerUnderTest.running(target, Endpoint.parse(address.get()), config.pid(target),
          protocol);
    }
    return ServerProcess.start(target, config, logs);
  }

  private Map<String, Object> settings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("connections", config.connections());
    s.put("rooms", config.rooms());
    s.put("members", config.members());
    s.put("rate", config.rate());
    s.put("payloads", config.payloads());
    s.put("publishers", config.publishers());
    s.put("fraction", config.fraction());
    s.put("duration_seconds", config.duration().toMillis() / 1000.0);
    s.put("warmup_seconds", config.warmup().toMillis() / 1000.0);
    s.put("repeat", config.repeat());
    s.put("rounds", config.rounds());
    s.put("generator_warmup", config.generatorWarmup());
    s.put("client_threads", config.clientThreads());
    s.put("server_event_loops", config.serverEventLoops());
    s.put("server_jvm_args", config.serverJvmArgs());
    s.put("server_jvm_defaults", config.serverJvmDefaults().label());
    if (config.targets().contains(TargetKind.BEACON) && config.beaconAddress().isEmpty()) {
      // the flags the started Beacon ran with: bin/beacon's and --server-jvm-args
      s.put("beacon_jvm_flags", String.join(" ", dev.beacon.bench.target.LauncherFlags.forBeacon(config)));
    }
    s.put("targets", config.targets().stream().map(TargetKind::label).toList());
    Map<String, Object> given = new LinkedHashMap<>();
    for (TargetKind t : config.targets()) {
      var pid = config.pid(t);
      config.address(t).ifPresent(a -> given.put(t.label(), a + (pid.isPresent()
          ? " pid " + pid.getAsLong() : " (no pid given: CPU and RSS not sampled)")));
    }
    s.put("running_servers", given);
    return s;
  }

  static RunResult.Machine machine() {
    long memory = 0;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    String load = "";
    try {
      load = Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      load = String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
    return new RunResult.Machine(Runtime.getRuntime().availableProcessors(), memory,
        System.getProperty("java.vm.name") + " " + Runtime.version(),
        System.getProperty("os.name") + " " + System.getProperty("os.version"), load, cpuModel());
  }

  /**
   * The CPU's model name (from /proc/cpuinfo): figures from different hosts differ by more than
   * any change measured here, so every result file says which host it came from.
   */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }

  static ObjectMapper mapper() {
    return new ObjectMapper().registerModule(new Jdk8Module())
        .enable(SerializationFeature.INDENT_OUTPUT);
  }
}
