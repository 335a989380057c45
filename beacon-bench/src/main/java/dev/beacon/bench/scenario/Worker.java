package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchApp;
import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.ClientLoops;
import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.Options;
import dev.beacon.bench.metrics.Histograms;
import dev.beacon.bench.metrics.LatencyRecorder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A helper process holding a share of a crowd's connections, for when one process's file or port
 * limits are not enough. Started by {@link Crowd} as {@code worker --endpoint=H:P --protocol=PUSHER
 * --join=idle|storm --first=I --count=K ...}; it reports on stdout, one line each:
 * {@code progress ESTABLISHED SUBSCRIBED FAILED LAST_ESTABLISHED_NANOS LAST_SUBSCRIBED_NANOS}
 * every 200 ms, then {@code histogram BASE64} (connect+subscribe times) once all are in, and
 * closes its connections and exits when its stdin closes.
 */
public final class Worker {

  private Worker() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(List.of(args));
    Endpoint endpoint = Endpoint.parse(o.string("endpoint", "127.0.0.1:6001"));
    WireProtocol protocol = WireProtocol.valueOf(o.string("protocol", "PUSHER"));
    BenchApp app = new BenchApp(o.string("app-id", "bench"), o.string("app-key", "bench-key"),
        o.string("app-secret", "bench-secret"));
    String join = o.string("join", "idle");
    int first = o.integer("first", 0, 0, Integer.MAX_VALUE);
    int count = o.integer("count", 1, 1, 1_000_000);
    int inFlight = o.integer("in-flight", 256, 1, 100_000);
    double rate = o.decimal("rate", 0, 0, 1e9);
    int threads = o.integer("client-threads", 1, 1, 64);
    int sources = o.integer("sources", 1, 1, 250);
    o.requireAllRead();

    LatencyRecorder latency = new LatencyRecorder();
    AtomicLong lastEstablished = new AtomicLong();
    AtomicLong lastSubscribed = new AtomicLong();
    SocketListener listener = new SocketListener() {
      @Override
      public void established(BenchSocket socket) {
        lastEstablished.accumulateAndGet(System.nanoTime(), Math::max);
      }

      @Override
      public void subscribed(BenchSocket socket) {
        long now = System.nanoTime();
        latency.record(now - socket.openedAt());
        lastSubscribed.accumulateAndGet(now, Math::max);
      }
    };
    try (ClientLoops loops = new ClientLoops(threads, sources);
        Population p = new Population(loops, endpoint, app.key(), protocol, inFlight,
            joiner(join, app), listener)) {
      Thread reporter = new Thread(() -> {
        boolean sent = false;
        while (!Thread.currentThread().isInterrupted()) {
          System.out.println("progress " + p.established() + " " + p.subscribed() + " "
              + p.failed() + " " + lastEstablished.get() + " " + lastSubscribed.get());
          if (!sent && p.subscribed() + p.failed() >= count) {
            latency.sample();
            System.out.println("histogram " + Histograms.encode(latency.total()));
            sent = true;
          }
          System.out.flush();
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "worker-reporter");
      reporter.setDaemon(true);
      reporter.start();
      p.open(first, count, rate);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (in.readLine() != null) {
        // wait for the coordinator to close our stdin
      }
      reporter.interrupt();
    }
  }

  /** What a socket joins once established, by name, so that a worker can be told it. */
  static Consumer<BenchSocket> joiner(String name, BenchApp app) {
    return switch (name) {
      case "idle" -> s -> s.subscribePresence(app, "presence-idle-" + s.index(), s.index(), "{}");
      case "storm" -> s -> s.subscribePrivate(app, "private-storm-" + s.index());
      default -> throw new IllegalArgumentException("unknown join '" + name + "'");
    };
  }
}
