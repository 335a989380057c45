package dev.beacon.bench.metrics;

import dev.beacon.bench.report.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Once a second, takes what the clients received (deliveries and the interval's latencies) and
 * what the server used (CPU, RSS), and keeps it as the run's time series. Scenarios name the phase
 * they are in so the picture and the JSON can tell warm-up from measurement.
 */
public final class Sampler implements AutoCloseable {

  /** The bound on kept samples: over two hours of one-second samples. */
  private static final int MAX_SAMPLES = 8192;

  private final LatencyRecorder latency;
  private final LongAdder delivered;
  private final ProcessProbe server;
  private final ProcessProbe self = new ProcessProbe(ProcessHandle.current().pid());
  private final MachineProbe machine = new MachineProbe();
  private final List<Sample> samples = new ArrayList<>();
  private final ScheduledExecutorService timer;
  private final long start = System.nanoTime();
  private volatile String phase = "start";
  private long lastDelivered;
  private final org.HdrHistogram.Histogram pending = LatencyRecorder.emptyHistogram();

  public Sampler(LatencyRecorder latency, LongAdder delivered, ProcessProbe server) {
    this.latency = latency;
    this.delivered = delivered;
    this.server = server;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-sampler");
      t.setDaemon(true);
      return t;
    });
    if (server != null) {
      server.read();
    }
    self.read();
    machine.read();
    timer.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  /** Names the phase from now on, and says so on stderr (to line up outside tools: profilers). */
  public void phase(String name) {
    phase = name;
    System.err.printf("beacon-bench: phase %s at %s%n", name, java.time.Instant.now());
  }

  private synchronized void sample() {
    long total = delivered.sum();
    long delta = total - lastDelivered;
    lastDelivered = total;
    pending.add(latency.sample());
    Percentiles p = Percentiles.of(pending);
    pending.reset();
    double cpu = -1;
    double rss = -1;
    if (server != null) {
      ProcessProbe.Reading r = server.read();
      cpu = r.cpuPercent();
      rss = r.rssBytes() / (1024.0 * 1024.0);
    }
    if (samples.size() < MAX_SAMPLES) {
      samples.add(new Sample((System.nanoTime() - start) / 1e9, phase, delta, p.p50(), p.p99(),
          p.p999(), p.max(), cpu, rss, self.read().cpuPercent(), machine.read(), machine.softirq()));
    }
  }

  /** Samples taken so far. */
  public synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  /**
   * Takes a sample now so that the recorder's total includes everything recorded so far (call at
   * a phase's end before reading {@link LatencyRecorder#total()}).
   */
  public synchronized void flush() {
    pending.add(latency.sample());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
