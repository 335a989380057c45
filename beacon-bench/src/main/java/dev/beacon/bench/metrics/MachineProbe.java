package dev.beacon.bench.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine is, from the first line of Linux's {@code /proc/stat}: busy time
 * since the previous reading in percent of one core, and the part of it spent in software
 * interrupts (on loopback, much of the TCP stack runs there and is charged to no process).
 * Subtracting both and the server's and load generator's own CPU leaves what other processes
 * took, so a disturbed measurement shows.
 */
public final class MachineProbe {

  private long lastBusy = -1;
  private long lastTotal;
  private long lastSoftirq;
  private volatile double softirq;

  /** Software-interrupt percent of one core over the interval of the last {@link #read}. */
  public double softirq() {
    return softirq;
  }

  /** Busy percent of one core since the last call (0 for the first). */
  public synchronized double read() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      long busy = total - idle;
      long soft = Long.parseLong(f[7]);
      double out = 0;
      int cores = Runtime.getRuntime().availableProcessors();
      if (lastBusy >= 0 && total > lastTotal) {
        out = 100.0 * cores * (busy - lastBusy) / (total - lastTotal);
        softirq = 100.0 * cores * (soft - lastSoftirq) / (total - lastTotal);
      }
      lastSoftirq = soft;
      lastBusy = busy;
      lastTotal = total;
      return out;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
