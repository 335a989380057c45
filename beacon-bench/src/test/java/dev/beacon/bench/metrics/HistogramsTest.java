package dev.beacon.bench.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HistogramsTest {

  @Test
  void mergedPercentilesAreThoseOfAllValuesNotAnAverage() {
    Histogram fast = LatencyRecorder.emptyHistogram();
    Histogram slow = LatencyRecorder.emptyHistogram();
    for (int i = 0; i < 990; i++) {
      fast.recordValue(1_000);
    }
    for (int i = 0; i < 10; i++) {
      slow.recordValue(50_000);
    }
    Histogram merged = Histograms.merge(List.of(fast, slow));
    assertThat(merged.getTotalCount()).isEqualTo(1000);
    assertThat(merged.getValueAtPercentile(50)).isBetween(999L, 1001L);
    assertThat(merged.getValueAtPercentile(99.5)).isBetween(49_950L, 50_050L);
    assertThat(merged.getMaxValue()).isBetween(49_950L, 50_050L);
  }

  @Test
  void histogramSurvivesTheTripBetweenProcesses() {
    Histogram h = LatencyRecorder.emptyHistogram();
    for (int v = 1; v <= 10_000; v++) {
      h.recordValue(v);
    }
    Histogram back = Histograms.decode(Histograms.encode(h));
    assertThat(back).isEqualTo(h);
    assertThat(Percentiles.of(back).p99()).isEqualTo(Percentiles.of(h).p99());
  }

  @Test
  void mergingNothingGivesAnEmptyHistogram() {
    assertThat(Histograms.merge(List.of()).getTotalCount()).isZero();
    assertThat(Percentiles.of(Histograms.merge(List.of()))).isEqualTo(Percentiles.EMPTY);
  }

  @Test
  void recorderIntervalsAddUpToTheTotalUntilReset() {
    LatencyRecorder r = new LatencyRecorder();
    r.record(2_000_000); // 2 ms
    assertThat(r.sample().getTotalCount()).isEqualTo(1);
    r.record(4_000_000);
    r.record(6_000_000);
    assertThat(r.sample().getTotalCount()).isEqualTo(2);
    assertThat(r.total().getTotalCount()).isEqualTo(3);
    assertThat(Percentiles.of(r.total()).max()).isBetween(5.99, 6.01);
    r.reset();
    assertThat(r.total().getTotalCount()).isZero();
  }

  @Test
  void heapInfoOfG1IsRead() {
    String out = """
        12345:
         garbage-first heap   total 262144K, used 23456K [0x0000000700000000, 0x0000000800000000)
          region size 2048K, 3 young (6144K), 0 survivors (0K)
        """;
    assertThat(HeapProbe.parseUsed(out)).hasValue(23456L * 1024);
  }
}
