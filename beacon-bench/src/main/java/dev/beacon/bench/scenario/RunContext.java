package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchApp;
import dev.beacon.bench.client.ClientLoops;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.ScenarioConfig;
import dev.beacon.bench.config.TargetKind;
import dev.beacon.bench.metrics.HeapProbe;
import dev.beacon.bench.metrics.LatencyRecorder;
import dev.beacon.bench.metrics.ProcessProbe;
import dev.beacon.bench.metrics.Sampler;
import dev.beacon.bench.target.ServerUnderTest;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a scenario works with against one server: the settings, the client loops, the app to sign
 * for, the shared latency recorder and delivery counter (sampled every second), and probes of the
 * server's process when the tool knows it.
 */
public final class RunContext implements AutoCloseable {

  private final ScenarioConfig config;
  private final ServerUnderTest server;
  private final ClientLoops loops;
  private final BenchApp app;
  private final LatencyRecorder latency = new LatencyRecorder();
  private final LongAdder delivered = new LongAdder();
  private final Optional<ProcessProbe> probe;
  private final Sampler sampler;

  public RunContext(ScenarioConfig config, ServerUnderTest server) {
    this.config = config;
    this.server = server;
    int sources = config.sources() > 0 ? config.sources()
        : Math.max(1, (int) Math.ceil(config.connections() * 1.1 / 25_000.0 / Math.max(1, config.processes())));
    this.loops = new ClientLoops(config.clientThreads(), sources);
    this.app = new BenchApp(config.appId(), config.appKey(), config.appSecret());
    this.probe = server.pid().isPresent()
        ? Optional.of(new ProcessProbe(server.pid().getAsLong())) : Optional.empty();
    this.sampler = new Sampler(latency, delivered, probe.orElse(null));
  }

  public ScenarioConfig config() { return config; }
  public ServerUnderTest server() { return server; }
  public TargetKind target() { return server.kind(); }
  public WireProtocol protocol() { return server.protocol(); }
  public ClientLoops loops() { return loops; }
  public BenchApp app() { return app; }
  public LatencyRecorder latency() { return latency; }
  public LongAdder delivered() { return delivered; }
  public Sampler sampler() { return sampler; }

  /** A population of sockets to this server. */
  public Population population(java.util.function.Consumer<dev.beacon.bench.client.BenchSocket> join,
      dev.beacon.bench.client.SocketListener events) {
    return new Population(loops, server.endpoint(), app.key(), protocol(), config.inFlight(), join,
        events);
  }

  /** The server's live heap after a forced GC, when known, a JVM's, and asked for. */
  public OptionalLong liveHeapBytes() {
    if (!config.heapSamples() || server.pid().isEmpty()
        || !HeapProbe.isJvm(server.pid().getAsLong())) {
      return OptionalLong.empty(); // a server that is not a JVM (uWS) has RSS, no Java heap
    }
    return HeapProbe.liveHeapBytes(server.pid().getAsLong());
  }

  /** The server's RSS, when known. */
  public OptionalLong rssBytes() {
    return probe.map(p -> OptionalLong.of(p.rssBytes())).orElse(OptionalLong.empty());
  }

  /** The server process's user plus system CPU time so far, in seconds, when known. */
  public java.util.OptionalDouble serverCpuSeconds() {
    return probe.map(p -> java.util.OptionalDouble.of(p.cpuSeconds()))
        .orElse(java.util.OptionalDouble.empty());
  }

  /** Sleeps, waking early only on interrupt. */
  public static void pause(java.time.Duration d) throws InterruptedException {
    Thread.sleep(Math.max(0, d.toMillis()));
  }

  @Override
  public void close() {
    sampler.close();
    loops.close();
  }
}
