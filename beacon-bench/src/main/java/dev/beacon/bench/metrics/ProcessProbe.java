package dev.beacon.bench.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU and resident memory of a process, read from Linux's {@code /proc/<pid>/stat} and {@code
 * /proc/<pid>/status}. CPU is the process's user+system time since the previous reading divided by
 * the wall time between them, in percent of one core (200% is both cores of a 2-core machine).
 */
public final class ProcessProbe {

  /** Linux reports CPU time in clock ticks of 1/100 s on every common configuration. */
  private static final double TICKS_PER_SECOND = 100.0;

  private final long pid;
  private long lastTicks = -1;
  private long lastNanos;

  public ProcessProbe(long pid) {
    this.pid = pid;
  }

  public long pid() {
    return pid;
  }

  /** A reading. */
  public record Reading(double cpuPercent, long rssBytes) {}

  /** CPU since the last reading (0 for the first) and the current RSS. */
  public synchronized Reading read() {
    long ticks = cpuTicks();
    long now = System.nanoTime();
    double cpu = 0;
    if (lastTicks >= 0 && now > lastNanos) {
      cpu = 100.0 * (ticks - lastTicks) / TICKS_PER_SECOND / ((now - lastNanos) / 1e9);
    }
    lastTicks = ticks;
    lastNanos = now;
    return new Reading(cpu, rssBytes());
  }

  /** User plus system CPU time so far, in seconds (at the clock tick's resolution, 10 ms). */
  public double cpuSeconds() {
    return cpuTicks() / TICKS_PER_SECOND;
  }

  /** User plus system CPU time in clock ticks: fields 14 and 15 of {@code /proc/<pid>/stat}. */
  long cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // the command name (field 2) may hold spaces: count fields after its closing parenthesis
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return lastTicks < 0 ? 0 : lastTicks;
    }
  }

  /** {@code VmRSS} of {@code /proc/<pid>/status}, in bytes. */
  public long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has gone
    }
    return 0;
  }
}
