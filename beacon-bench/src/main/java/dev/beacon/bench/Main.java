package dev.beacon.bench;

import dev.beacon.bench.config.ConfigException;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.report.Table;
import dev.beacon.bench.target.BaselineServer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar beacon-bench.jar SCENARIO [options]}: runs a scenario and prints the table;
 * {@code baseline-server} runs the bare WebSocket server; {@code jmh [JMH options]} runs the
 * micro-benchmarks.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> list = Arrays.asList(args);
    if (list.isEmpty() || list.get(0).equals("--help") || list.get(0).equals("help")) {
      System.out.print(ScenarioConfig.USAGE);
      System.out.println("  also:     baseline-server [--port=N --threads=N], jmh [JMH options]");
      return;
    }
    switch (list.get(0)) {
      case "baseline-server" -> BaselineServer.main(list.subList(1, list.size()).toArray(new String[0]));
      case "jmh" -> org.openjdk.jmh.Main.main(list.subList(1, list.size()).toArray(new String[0]));
      default -> System.exit(run(list));
    }
  }

  /** Runs a scenario from its command line; returns the exit status. */
  public static int run(List<String> args) throws Exception {
    ScenarioConfig config;
    try {
      config = ScenarioConfig.parse(args);
    } catch (ConfigException e) {
      System.err.println("beacon-bench: " + e.getMessage());
      return 2;
    }
    Runner.Written written = new Runner(config, String.join(" ", args)).run();
    System.out.print(Table.render(written.result()));
    System.out.println("results: " + written.json() + "\npicture: " + written.svg());
    return written.result().runs().stream().anyMatch(r -> r.failed()) ? 1 : 0;
  }
}
