package dev.beacon.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunResultTest {

  @Test
  void summaryTakesTheMedianOfRepeatsAndTheRatioToTheBaseline() {
    List<TargetRun> runs = List.of(
        run("beacon", 1, 100), run("baseline", 1, 400),
        run("beacon", 2, 300), run("baseline", 2, 200),
        run("beacon", 3, 200), run("baseline", 3, 300));
    SummaryRow row = RunResult.summarize(runs).get(0);
    assertThat(row.beacon()).hasValue(200);
    assertThat(row.baseline()).hasValue(300);
    assertThat(row.ratio().getAsDouble()).isCloseTo(2 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void figureOnlyBeaconHasHasNoRatio() {
    SummaryRow row = RunResult.summarize(List.of(run("beacon", 1, 5))).get(0);
    assertThat(row.baseline()).isEmpty();
    assertThat(row.ratio()).isEmpty();
    assertThat(Table.value(row.baseline(), "ms")).isEqualTo("-");
  }

  @Test
  void everyServerHasItsColumnAndBeaconARatioToEachOther() {
    List<TargetRun> runs = List.of(run("beacon", 1, 300), run("baseline", 1, 200),
        run("uws", 1, 600));
    SummaryRow row = RunResult.summarize(runs).get(0);
    assertThat(row.values()).containsOnlyKeys("beacon", "baseline", "uws");
    assertThat(row.ratio().getAsDouble()).isEqualTo(1.5);
    assertThat(row.ratio("uws").getAsDouble()).isEqualTo(0.5);
    RunResult result = new RunResult("fanout", "fanout", "now",
        new RunResult.Machine(2, 1, "jdk", "os", "0", "cpu"), java.util.Map.of(), runs,
        RunResult.summarize(runs));
    String[] lines = Table.render(result).split("\n");
    assertThat(lines[1]).contains("beacon", "baseline", "uws", "ratio", "÷ uws");
    assertThat(lines[3]).contains("300", "200", "600", "1.50", "0.50");
  }

  private static TargetRun run(String target, int repeat, double v) {
    return new TargetRun(target, repeat, List.of(Metric.rate("deliveries/s", v, "/s")), List.of(), "");
  }
}
