package dev.beacon.bench.target;

import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.client.WireProtocol;
import dev.beacon.bench.config.TargetKind;
import java.util.OptionalLong;

/**
 * A server being measured: where it listens, what it speaks, and — when the tool started it — its
 * process id, so that its CPU, RSS and heap can be sampled.
 */
public interface ServerUnderTest extends AutoCloseable {

  TargetKind kind();

  Endpoint endpoint();

  /** The server's process id, if known. */
  OptionalLong pid();

  default WireProtocol protocol() {
    return kind() == TargetKind.BEACON ? WireProtocol.PUSHER : WireProtocol.RAW;
  }

  /** Stops the server if the tool started it; a server it was pointed at is left running. */
  @Override
  void close();

  /** A server the tool was pointed at. */
  static ServerUnderTest running(TargetKind kind, Endpoint endpoint) {
    return new ServerUnderTest() {
      @Override public TargetKind kind() { return kind; }
      @Override public Endpoint endpoint() { return endpoint; }
      @Override public OptionalLong pid() { return OptionalLong.empty(); }
      @Override public void close() {}
    };
  }
}
