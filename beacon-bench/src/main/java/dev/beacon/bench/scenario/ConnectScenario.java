package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.Percentiles;
import dev.beacon.bench.report.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection storm: N connections opened as fast as {@code in-flight} (and optionally a rate)
 * allow, each subscribing to its own private channel. Reports connections established per second,
 * the time until every one is subscribed, per-connection time to established and subscribed
 * (time to established is measured in this process only when {@code --processes} is above 1), and
 * the server's CPU time per connection.
 *
 * <p>With {@code --rounds=R} the storm is repeated R times against the same server processes,
 * each round's connections closed (and the server given {@link #SETTLE_MILLIS} to let them go)
 * before the next: round 1 meets a freshly started JVM (class loading, JIT compilation), later
 * rounds a warm one. Round 1's figures keep their plain names; later rounds' are suffixed
 * {@code (round R)}.
 */
final class ConnectScenario implements Scenario {

  /** The pause between rounds, for the server to close the previous round's connections. */
  static final long SETTLE_MILLIS = 3000;

  @Override
  public List<Metric> run(RunContext ctx) throws Exception {
    int rounds = ctx.config().rounds();
    List<Metric> out = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      if (round > 1) {
        ctx.sampler().phase("settle");
        Thread.sleep(SETTLE_MILLIS);
      }
      String suffix = round == 1 ? "" : " (round " + round + ")";
      List<Metric> figures = storm(ctx, round);
      for (Metric m : figures) {
        out.add(new Metric(m.key() + suffix, m.value(), m.unit(), m.higherIsBetter()));
      }
      if (rounds > 1) {
        System.err.printf("beacon-bench: connect round %d/%d on %s: %s%n", round, rounds,
            ctx.target().label(), summary(figures));
      }
    }
    return out;
  }

  private static List<Metric> storm(RunContext ctx, int round) throws Exception {
    ScenarioConfig c = ctx.config();
    int n = c.connections();
    LatencyRecorder toEstablished = new LatencyRecorder();
    LatencyRecorder toSubscribed = new LatencyRecorder();
    AtomicLong lastEstablished = new AtomicLong();
    AtomicLong lastSubscribed = new AtomicLong();
    SocketListener listener = new SocketListener() {
      @Override
      public void established(BenchSocket socket) {
        long now = System.nanoTime();
        toEstablished.record(now - socket.openedAt());
        lastEstablished.accumulateAndGet(now, Math::max);
      }

      @Override
      public void subscribed(BenchSocket socket) {
        long now = System.nanoTime();
        ctx.delivered().increment();
        ctx.latency().record(now - socket.openedAt());
        toSubscribed.record(now - socket.openedAt());
        lastSubscribed.accumulateAndGet(now, Math::max);
      }
    };
    String phase = round == 1 ? "storm" : "storm " + round;
    ctx.sampler().phase(phase);
    OptionalDouble cpu0 = ctx.serverCpuSeconds();
    long gen0 = generatorCpuNanos();
    long jit0 = generatorJitTicks();
    long serverJit0 = serverJitTicks(ctx);
    long t0 = System.nanoTime();
    try (Crowd p = new Crowd(ctx, "storm", n, listener)) {
      p.open(c.rate());
      if (!p.awaitSubscribed(n, 300_000)) {
        throw new IllegalStateException("connect: connections did not all subscribe: " + p.status());
      }
      OptionalDouble cpu1 = ctx.serverCpuSeconds();
      long gen1 = generatorCpuNanos();
      long jit1 = generatorJitTicks();
      long serverJit1 = serverJitTicks(ctx);
      ctx.sampler().flush();
      toEstablished.sample();
      toSubscribed.sample();
      double established = (p.lastEstablished(lastEstablished.get()) - t0) / 1e9;
      double subscribed = (p.lastSubscribed(lastSubscribed.get()) - t0) / 1e9;
      Percentiles e = Percentiles.of(toEstablished.total());
      org.HdrHistogram.Histogram all = toSubscribed.total();
      all.add(p.remoteHistogram());
      Percentiles s = Percentiles.of(all);
      List<Metric> out = new ArrayList<>();
      out.add(Metric.rate("connections established/s", n / established, "/s"));
      out.add(Metric.cost("time until all established", established, "s"));
      out.add(Metric.cost("time until all subscribed", subscribed, "s"));
      out.add(Metric.cost("connect p50", e.p50(), "ms"));
      out.add(Metric.cost("connect p99", e.p99(), "ms"));
      out.add(Metric.cost("connect+subscribe p99", s.p99(), "ms"));
      out.add(Metric.cost("connect+subscribe max", s.max(), "ms"));
      out.add(Metric.cost("failed connections", p.failed(), ""));
      if (cpu0.isPresent() && cpu1.isPresent()) {
        // from the first attempt until every connection is subscribed: accepting, the handshake,
        // connection_established, the subscription and its answer
        out.add(Metric.cost("server CPU per connection",
            (cpu1.getAsDouble() - cpu0.getAsDouble()) * 1e6 / n, "µs"));
      }
      if (serverJit0 >= 0 && serverJit1 >= 0) {
        // of which its JIT compilers (a fresh JVM compiles its connection path during the storm)
        out.add(Metric.cost("server JIT CPU per connection", (serverJit1 - serverJit0) * 1e4 / n, "µs"));
      }
      if (c.processes() == 1 && gen0 >= 0 && gen1 >= 0) {
        // the load generator shares the cores: what it spends per connection (including its JIT
        // compilers, which on a fresh generator run during the first storm) is CPU the server
        // did not have
        out.add(Metric.cost("load generator CPU per connection", (gen1 - gen0) / 1e3 / n, "µs"));
        if (jit0 >= 0 && jit1 >= 0) {
          out.add(Metric.cost("load generator JIT CPU per connection",
              (jit1 - jit0) * 1e4 / n, "µs"));
        }
      }
      ctx.sampler().phase("close");
      return out;
    }
  }

  /** This process's CPU time (all threads, user and system) in ns, or -1 if the JVM cannot say. */
  static long generatorCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * CPU time, in clock ticks of 1/100 s, of this JVM's JIT compiler threads ({@code C1/C2
   * CompilerThread}, read from {@code /proc/self/task}), or -1 where there is no such file. A
   * compiler thread the JVM ended meanwhile takes its time with it: a lower bound.
   */
  static long generatorJitTicks() {
    return jitTicks(java.nio.file.Path.of("/proc/self"));
  }

  /** The same for the server's process, when the tool knows it and it is a JVM; else -1. */
  static long serverJitTicks(RunContext ctx) {
    var pid = ctx.server().pid();
    if (pid.isEmpty() || !dev.beacon.bench.metrics.HeapProbe.isJvm(pid.getAsLong())) {
      return -1;
    }
    return jitTicks(java.nio.file.Path.of("/proc", Long.toString(pid.getAsLong())));
  }

  private static long jitTicks(java.nio.file.Path process) {
    java.nio.file.Path tasks = process.resolve("task");
    if (!java.nio.file.Files.isDirectory(tasks)) {
      return -1;
    }
    long ticks = 0;
    try (var dirs = java.nio.file.Files.list(tasks)) {
      for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) dirs::iterator) {
        String stat;
        try {
          stat = java.nio.file.Files.readString(task.resolve("stat"));
        } catch (java.io.IOException e) {
          continue; // the thread ended meanwhile
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open || !stat.substring(open + 1, close).contains("CompilerThre")) {
          continue;
        }
        // after the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
        // cmajflt utime stime (fields 14 and 15 of the line)
        String[] f = stat.substring(close + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return ticks;
  }

  private static String summary(List<Metric> figures) {
    StringBuilder b = new StringBuilder();
    for (Metric m : figures) {
      if (m.key().equals("connections established/s") || m.key().equals("connect+subscribe p99")
          || m.key().equals("server CPU per connection")
          || m.key().equals("load generator CPU per connection")) {
        b.append(b.length() == 0 ? "" : ", ").append(m.key()).append(' ')
            .append(String.format("%.0f", m.value())).append(' ').append(m.unit());
      }
    }
    return b.toString();
  }
}
