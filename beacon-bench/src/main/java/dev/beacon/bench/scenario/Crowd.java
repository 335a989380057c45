package dev.beacon.bench.scenario;

import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.metrics.Histograms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Many connections that all join the same way, spread over this process and {@code processes - 1}
 * {@link Worker} processes when asked: each process opens an equal share, numbered so that the
 * shares do not overlap, and the counts and connect times are added up here.
 */
final class Crowd implements AutoCloseable {

  private final Population local;
  private final List<Remote> remotes = new ArrayList<>();
  private final int localCount;

  /**
   * @param join {@code idle} or {@code storm}, see {@link Worker#joiner}
   */
  Crowd(RunContext ctx, String join, int total, SocketListener events) throws IOException {
    int processes = Math.max(1, ctx.config().processes());
    int share = (total + processes - 1) / processes;
    this.localCount = Math.min(share, total);
    this.local = ctx.population(Worker.joiner(join, ctx.app()), events);
    int sourcesPerProcess = Math.max(1, (int) Math.ceil(share * 1.1 / 25_000.0));
    for (int i = 1; i < processes; i++) {
      int first = i * share;
      int count = Math.min(share, total - first);
      if (count <= 0) {
        break;
      }
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Worker.class.getName(),
          "--endpoint=" + ctx.server().endpoint(), "--protocol=" + ctx.protocol(),
          "--app-id=" + ctx.app().id(), "--app-key=" + ctx.app().key(),
          "--app-secret=" + ctx.app().secret(), "--join=" + join, "--first=" + first,
          "--count=" + count, "--in-flight=" + ctx.config().inFlight(),
          "--rate=" + ctx.config().rate() / processes, "--client-threads=1",
          "--sources=" + sourcesPerProcess));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      remotes.add(new Remote(p, count));
    }
  }

  /** Opens this process's share (the workers open theirs at once when started). */
  void open(double rate) throws InterruptedException {
    int processes = remotes.size() + 1;
    local.open(0, localCount, rate / processes);
  }

  int subscribed() {
    int n = local.subscribed();
    for (Remote r : remotes) {
      n += r.subscribed;
    }
    return n;
  }

  int failed() {
    int n = local.failed();
    for (Remote r : remotes) {
      n += r.failed;
    }
    return n;
  }

  /** The latest time a connection was established or subscribed in any process. */
  long lastEstablished(long localValue) {
    long max = localValue;
    for (Remote r : remotes) {
      max = Math.max(max, r.lastEstablished);
    }
    return max;
  }

  long lastSubscribed(long localValue) {
    long max = localValue;
    for (Remote r : remotes) {
      max = Math.max(max, r.lastSubscribed);
    }
    return max;
  }

  /** The workers' connect+subscribe histograms (empty without workers). */
  Histogram remoteHistogram() {
    List<Histogram> parts = new ArrayList<>();
    for (Remote r : remotes) {
      if (r.histogram != null) {
        parts.add(Histograms.decode(r.histogram));
      }
    }
    return Histograms.merge(parts);
  }

  boolean awaitSubscribed(int n, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (subscribed() < n) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    // the workers' histograms follow their last progress line
    for (Remote r : remotes) {
      while (r.histogram == null && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
    }
    return true;
  }

  String status() {
    return subscribed() + " subscribed, " + failed() + " failed over " + (remotes.size() + 1)
        + " processes; local: " + local.status();
  }

  @Override
  public void close() {
    local.close();
    for (Remote r : remotes) {
      r.close();
    }
  }

  /** A worker process and what it last reported. */
  private static final class Remote {
    final Process process;
    final int count;
    volatile int subscribed;
    volatile int failed;
    volatile long lastEstablished;
    volatile long lastSubscribed;
    volatile String histogram;

    Remote(Process process, int count) {
      this.process = process;
      this.count = count;
      Thread reader = new Thread(this::read, "crowd-worker-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          String[] f = line.split(" ");
          if (f[0].equals("progress") && f.length == 6) {
            subscribed = Integer.parseInt(f[2]);
            failed = Integer.parseInt(f[3]);
            lastEstablished = Long.parseLong(f[4]);
            lastSubscribed = Long.parseLong(f[5]);
          } else if (f[0].equals("histogram") && f.length == 2) {
            histogram = f[1];
          }
        }
      } catch (IOException | RuntimeException e) {
        // the worker is gone; its last report stands
      }
    }

    void close() {
      try {
        OutputStream stdin = process.getOutputStream();
        stdin.close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
