package dev.beacon.bench.target;

import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.TargetKind;
import java.util.OptionalLong;

/**
 * A server being measured: where it listens, what it speaks, and — when the tool started it or
 * was given it — its process id, so that its CPU, RSS and (for a JVM) heap can be sampled.
 */
public interface ServerUnderTest extends AutoCloseable {

  TargetKind kind();

  Endpoint endpoint();

  /** The server's process id, if known. */
  OptionalLong pid();

  /** Beacon speaks Pusher; the baseline and uWS the bare broadcast protocol. */
  default WireProtocol protocol() {
    return kind() == TargetKind.BEACON ? WireProtocol.PUSHER : WireProtocol.RAW;
  }

  /** Stops the server if the tool started it; a server it was pointed at is left running. */
  @Override
  void close();

  /** A server the tool was pointed at, its process unknown. */
  static ServerUnderTest running(TargetKind kind, Endpoint endpoint) {
    return running(kind, endpoint, OptionalLong.empty(),
        kind == TargetKind.BEACON ? WireProtocol.PUSHER : WireProtocol.RAW);
  }

  /**
   * A server the tool was pointed at: {@code pid}, when given, is sampled exactly as a server the
   * tool started; the tool never stops it.
   */
  static ServerUnderTest running(TargetKind kind, Endpoint endpoint, OptionalLong pid,
      WireProtocol protocol) {
    if (pid.isPresent() && ProcessHandle.of(pid.getAsLong()).isEmpty()) {
      throw new IllegalStateException("no process " + pid.getAsLong() + " for the " + kind.label()
          + " server at " + endpoint);
    }
    return new ServerUnderTest() {
      @Override public TargetKind kind() { return kind; }
      @Override public Endpoint endpoint() { return endpoint; }
      @Override public OptionalLong pid() { return pid; }
      @Override public WireProtocol protocol() { return protocol; }
      @Override public void close() {}
    };
  }
}
