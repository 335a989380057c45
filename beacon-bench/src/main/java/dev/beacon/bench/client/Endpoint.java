package dev.beacon.bench.client;

import dev.beacon.bench.config.ConfigException;
import java.net.URI;

/** Where a server under test listens. */
public record Endpoint(String host, int port) {

  /** Parses {@code host:port}. */
  public static Endpoint parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException("expected HOST:PORT, got '" + hostPort + "'");
    }
    try {
      return new Endpoint(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new ConfigException("expected HOST:PORT, got '" + hostPort + "'");
    }
  }

  /** The WebSocket URI: Pusher's {@code /app/{key}?protocol=7}, or {@code /} for the baseline. */
  public URI websocketUri(WireProtocol protocol, String appKey) {
    String path = protocol == WireProtocol.PUSHER ? "/app/" + appKey + "?protocol=7" : "/";
    return URI.create("ws://" + host + ":" + port + path);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
