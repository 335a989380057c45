package dev.beacon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.report.Metric;
import dev.beacon.bench.report.RunResult;
import dev.beacon.bench.report.TargetRun;
import java.nio.file.Files;
import java.util.List;

/** Runs the tool as its command line would, for the tests, and reads figures from the result. */
public final class BenchRuns {

  private BenchRuns() {}

  /** Runs {@code args}; every target must have run without error and the files be written. */
  public static RunResult run(List<String> args) throws Exception {
    Runner.Written w = new Runner(ScenarioConfig.parse(args), String.join(" ", args)).run();
    assertThat(w.json()).exists();
    assertThat(Files.readString(w.svg())).startsWith("<svg").contains("</svg>");
    // every result names its host's CPU: figures from different hosts are not alike
    String cpu = Runner.mapper().readTree(w.json().toFile()).path("machine").path("cpuModel").asText();
    assertThat(cpu).isNotBlank().isEqualTo(Runner.cpuModel());
    assertThat(Files.readString(w.svg())).contains(cpu.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
    for (TargetRun r : w.result().runs()) {
      assertThat(r.error()).as(r.target()).isEmpty();
    }
    return w.result();
  }

  /** The figure {@code key} measured on {@code target} (its first run). */
  public static double value(RunResult result, String target, String key) {
    return result.runs().stream().filter(r -> r.target().equals(target))
        .flatMap(r -> r.metrics().stream()).filter(m -> m.key().equals(key))
        .mapToDouble(Metric::value).findFirst()
        .orElseThrow(() -> new AssertionError("no figure '" + key + "' for " + target));
  }
}
